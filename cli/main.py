"""`kb`: a thin command line over kb.service; domain errors become one-line click errors."""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import click

from cli.graph import export_graph_command, import_command, validate_command
from cli.review import review_command
from ingest.ingestion import IngestingKnowledgeBase
from kb import __version__
from kb.errors import KBError
from kb.evidence.queries import OutcomeFilters
from kb.exports.citations import details_of
from kb.exports.render import COMPARE_FORMATS, OUTCOME_FORMATS, render_comparison, render_records
from kb.model.records import OutcomeRecord
from kb.search import DEFAULT_K, MAX_K
from kb.settings import Settings
from kb.store.outcome_table import unreadable_message


class JobsType(click.ParamType):
    """A number of worker processes, 1 or more, or 'auto'."""

    name = "N|auto"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        if value == "auto" or (isinstance(value, int) and value >= 1):
            return value
        try:
            number = int(str(value))
        except ValueError:
            number = 0
        if number < 1:
            self.fail(f"{value!r} is not a number of processes (1 or more) or 'auto'", param, ctx)
        return number


def _knowledge_base(ctx: click.Context) -> IngestingKnowledgeBase:
    # ctx.obj may carry an extractor: tests inject one while the real extractor is being written.
    obj = ctx.find_root().obj or {}
    try:
        settings = Settings()
    except ValueError as exc:
        raise click.ClickException(f"invalid KB_* setting: {' '.join(str(exc).split())}") from exc
    return IngestingKnowledgeBase(settings, extractor=obj.get("extractor"))


@click.group()
@click.version_option(__version__, prog_name="kb")
def main() -> None:
    """hemekb: a knowledge base of outcome results from papers on immunotherapy in blood cancers.

    The knowledge base lives in KB_HOME (default: data/kb in the repository).
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--jobs",
    "-j",
    type=JobsType(),
    default="auto",
    show_default=True,
    help="Worker processes that extract and embed papers in parallel (one process writes them);"
    " auto: one per core this process may use (at most 4), 1 for a single file.",
)
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], jobs: int | Literal["auto"]) -> None:
    """Extract outcome results from paper files (.txt, .html, .xml JATS, .pdf; folders: the files in them).

    Each paper is stored whole or not at all; re-ingesting an unchanged paper changes nothing.
    A line per paper goes to stderr as it is decided; on a terminal, above a progress bar.
    """
    from cli.progress import ingest_display

    kb = _knowledge_base(ctx)
    try:
        with ingest_display(sys.stderr) as progress:
            report = kb.ingest_paths(paths, jobs=jobs, progress=progress)
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        kb.close()
    if report.failed:
        first = report.failed[0]
        counts = f"{len(report.failed)} of {len(report.papers)} papers failed"
        raise click.ClickException(f"{counts}; first: {first.source}: {first.reason}")


@main.command()
@click.argument("paper_ids", nargs=-1, required=True)
@click.pass_context
def delete(ctx: click.Context, paper_ids: tuple[str, ...]) -> None:
    """Remove papers (ids or file names) everywhere: graph, search index, saved text, uploaded file.

    Each paper goes whole or not at all, as DELETE /papers/{id} does.
    """
    kb = _knowledge_base(ctx)
    unknown: list[str] = []
    try:
        for paper_id in paper_ids:
            deleted = kb.delete_paper(paper_id)
            if deleted is None:
                unknown.append(paper_id)
                click.echo(f"unknown    {paper_id}", err=True)
            else:
                click.echo(f"deleted    {deleted.id} ({deleted.file}, {deleted.results} records)", err=True)
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        kb.close()
    if unknown:
        counts = f"{len(unknown)} of {len(paper_ids)} papers not found"
        raise click.ClickException(f"{counts}; first: {unknown[0]!r} (GET /papers lists the papers)")


@main.group()
def export() -> None:
    """Print what the knowledge base holds."""


@export.command("outcomes")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", *(f for f in OUTCOME_FORMATS if f != "jsonl")]),
    default="jsonl",
    show_default=True,
    help="jsonl: one outcome record (CONTRACT.md) per line; json, csv, xlsx, md, html: kb/exports/render.py.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout."
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=None,
    help="Only records at least this likely to be right (their calibrated `confidence`).",
)
@click.option(
    "--review",
    default=None,
    help="Review statuses to export: accepted, corrected, rejected, unreviewed (comma-separated) or any;"
    " default: all but rejected.",
)
@click.pass_context
def export_outcomes(
    ctx: click.Context,
    output_format: str,
    output: Path | None,
    min_confidence: float | None,
    review: str | None,
) -> None:
    """Print every outcome record as reviewed, read back from the graph store, in paper/offset/id order."""
    kb = _knowledge_base(ctx)

    def records() -> Iterator[OutcomeRecord]:
        for record in kb.export_outcomes(review):
            if min_confidence is None or (record.confidence or 0.0) >= min_confidence:
                yield record

    try:
        if output_format == "jsonl" and output is None:
            for record in records():
                line = json.dumps(record.model_dump(mode="json"), ensure_ascii=False)
                sys.stdout.write(line + "\n")
        else:
            _write(render_records(list(records()), output_format), output)
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        kb.close()


def _filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """--antigen, --intervention, ... : the filters of GET /outcomes (kb.evidence.queries.OutcomeFilters)."""
    for name in reversed(OutcomeFilters.names()):
        kind = {"min_n": int, "min_confidence": float}.get(name, str)
        command = click.option(
            f"--{name.replace('_', '-')}", name, type=kind, default=None, help=f"Filter: {name}."
        )(command)
    return command


def _write(body: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(body)


@export.command("compare")
@_filter_options
@click.option(
    "--format", "output_format", type=click.Choice(list(COMPARE_FORMATS)), default="csv", show_default=True
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout."
)
@click.option(
    "--layout",
    type=click.Choice(["arms", "comparisons"]),
    default="arms",
    show_default=True,
    help="arms: one row per study arm; comparisons: one comparison of two arms per row.",
)
@click.pass_context
def export_compare(
    ctx: click.Context, output_format: str, output: Path | None, layout: str, **filters: str | int | None
) -> None:
    """Write the comparison table of the matching results (one row per study arm), as GET /compare does.

    csvw writes the CSV-on-the-Web metadata of the CSV (its url: the --output name with .csv).
    """
    kb = _knowledge_base(ctx)
    try:
        chosen = OutcomeFilters(**{k: v for k, v in filters.items() if v is not None})
        table, records = kb.compare(chosen, layout)
        csv_url = output.name.replace("-metadata.json", "").removesuffix(".json") if output else "compare.csv"
        if not csv_url.endswith(".csv"):
            csv_url += ".csv"
        _write(
            render_comparison(
                table,
                output_format,
                records,
                csv_url=csv_url,
                base_iri=kb.settings.base_iri,
                details=details_of(kb.papers()),
            ),
            output,
        )
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        kb.close()


@main.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the outcome table that /outcomes, /compare, /studies and /concepts read, from the graph.

    `kb ingest` builds the table for a knowledge base that has none (or an older one); run this after
    changing the graph behind the ingest's back (`kb import`), or to repair the table.
    """
    kb = _knowledge_base(ctx)
    try:
        report = kb.reindex()
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        kb.close()
    click.echo(f"outcome table: {report.written} papers written, {report.removed} removed", err=True)
    if not report.complete:
        raise click.ClickException(unreadable_message(report))


@main.command()
@click.argument("query")
@click.option("-k", "k", default=DEFAULT_K, show_default=True, type=int, help=f"Hits to print, 1 to {MAX_K}.")
@click.option("--language", default=None, help="Only papers in this language, e.g. zh.")
@click.option("--paper", default=None, help="Only this paper (id or file name).")
@click.option("--disease", default=None, help="Only hits about this disease (id or label).")
@click.option("--antigen", default=None, help="Only hits about this antigen, e.g. CD22.")
@click.option("--endpoint", default=None, help="Only hits about this endpoint code, e.g. CR.")
@click.pass_context
def search(ctx: click.Context, query: str, k: int, **filters: str | None) -> None:
    """Search passages and outcome records in any corpus language; prints what GET /search returns."""
    kb = _knowledge_base(ctx)
    try:
        results = kb.search(query, k, filters)
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        kb.close()
    click.echo(json.dumps(results.model_dump(mode="json"), ensure_ascii=False, indent=2))


@main.command()
@click.option("--host", default=None, help="Interface to listen on [default: KB_HOST or 127.0.0.1].")
@click.option("--port", default=None, type=int, help="Port to listen on [default: KB_PORT or 8000].")
@click.option(
    "--workers", default=None, type=int, help="Server processes, one per core [default: KB_WORKERS or 1]."
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the HTTP API (GET /outcomes, GET /health) over the knowledge base."""
    import uvicorn

    from api.main import create_app

    overrides = {k: v for k, v in (("host", host), ("port", port), ("workers", workers)) if v is not None}
    try:
        settings = Settings(**overrides)
    except ValueError as exc:
        raise click.ClickException(f"invalid setting: {' '.join(str(exc).split())}") from exc
    # `kill -USR1 <pid>` prints every thread's stack to stderr: what a server that stopped
    # answering is waiting for, without stopping it
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    if settings.workers == 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
        return
    # Several processes, a socket each on one port; each builds its app from the KB_* environment.
    os.environ.update({"KB_HOST": settings.host, "KB_PORT": str(settings.port)})
    _serve_processes(settings)


def _serve_processes(settings: Settings) -> None:
    """uvicorn's multi-process mode, with a listening socket per process (api/processes.py)."""
    from api.processes import serve_processes

    serve_processes(settings.host, settings.port, settings.workers)


# The graph store as linked data: cli/graph.py.
main.add_command(validate_command)
main.add_command(review_command)
main.add_command(import_command)
export.add_command(export_graph_command)


if __name__ == "__main__":
    main()
