"""`kb`: a thin command line over kb.service; domain errors become one-line click errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kb import __version__
from kb.errors import KBError
from kb.service import KnowledgeBase
from kb.settings import Settings


def _knowledge_base(ctx: click.Context) -> KnowledgeBase:
    # ctx.obj may carry an extractor: tests inject one while the real extractor is being written.
    obj = ctx.find_root().obj or {}
    try:
        settings = Settings()
    except ValueError as exc:
        raise click.ClickException(f"invalid KB_* setting: {' '.join(str(exc).split())}") from exc
    return KnowledgeBase(settings, extractor=obj.get("extractor"))


@click.group()
@click.version_option(__version__, prog_name="kb")
def main() -> None:
    """hemekb: a knowledge base of outcome results from papers on immunotherapy in blood cancers.

    The knowledge base lives in KB_HOME (default: data/kb in the repository).
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Extract outcome results from paper files (folders: their *.txt files) into the knowledge base.

    Each paper is stored whole or not at all; re-ingesting an unchanged paper changes nothing.
    """
    kb = _knowledge_base(ctx)
    try:
        report = kb.ingest_paths(paths)
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    for paper in report.papers:
        click.echo(paper.line(), err=True)
    if report.failed:
        first = report.failed[0]
        counts = f"{len(report.failed)} of {len(report.papers)} papers failed"
        raise click.ClickException(f"{counts}; first: {first.source}: {first.reason}")


@main.group()
def export() -> None:
    """Print what the knowledge base holds."""


@export.command("outcomes")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one outcome record (CONTRACT.md) per line.",
)
@click.pass_context
def export_outcomes(ctx: click.Context, output_format: str) -> None:
    """Print every outcome record, read back from the graph store, in paper/offset/id order."""
    kb = _knowledge_base(ctx)
    try:
        for record in kb.export_outcomes():
            line = json.dumps(record.model_dump(mode="json"), ensure_ascii=False)
            sys.stdout.write(line + "\n")
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        kb.close()


@main.command()
@click.option("--host", default=None, help="Interface to listen on [default: KB_HOST or 127.0.0.1].")
@click.option("--port", default=None, type=int, help="Port to listen on [default: KB_PORT or 8000].")
def serve(host: str | None, port: int | None) -> None:
    """Serve the HTTP API (GET /outcomes, GET /health) over the knowledge base."""
    import uvicorn

    from api.main import create_app

    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    try:
        settings = Settings(**overrides)
    except ValueError as exc:
        raise click.ClickException(f"invalid setting: {' '.join(str(exc).split())}") from exc
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
