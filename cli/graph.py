"""`kb validate`, `kb export graph` and `kb import`: the graph store as linked data (kb/store/dump.py).

Registered on the `kb` group by cli/main.py; like it, a thin layer that turns domain errors into
one-line click errors (with the SHACL details on the lines after).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.errors import KBError
from kb.evidence.reviews import review_book
from kb.model.rdf_mapping import Minter
from kb.model.validation import GraphInvalid
from kb.model.vocabulary_graphs import sync_vocabularies
from kb.search.index import index_path
from kb.settings import Settings
from kb.store import open_store
from kb.store.agreement import check_agreement
from kb.store.dump import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    export_graph,
    import_dump,
    unwritten_number_problems,
    validate_store,
)


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        raise click.ClickException(f"invalid KB_* setting: {' '.join(str(exc).split())}") from exc


def _fail_with_report(exc: GraphInvalid) -> None:
    for line in exc.details:
        click.echo(f"  {line}", err=True)
    raise click.ClickException(exc.reason)


@click.command("validate")
def validate_command() -> None:
    """Check every paper graph against the SHACL shapes (kb/model/shapes.ttl), every record's numbers
    against its text (written in its evidence or mentions, or listed as derived; kb/model/provenance.py),
    and the search index against the graphs (same papers, same content digests, no orphan rows;
    kb/store/agreement.py).

    Exits non-zero with the report (one line per violation or disagreement) when either check fails.
    A paper whose ingest was interrupted between its graph and its index is reported, not failed: the
    search skips it until the next writer (`kb ingest`, `kb delete`, the start of `kb serve`) settles it
    (kb/store/recovery.py). Run it while no ingest is writing.
    """
    settings = _settings()
    try:
        with open_store(settings, writable=False) as store:
            papers, problems = validate_store(store)
            unwritten = unwritten_number_problems(store)
            agreement = check_agreement(store, index_path(settings), Minter(settings.base_iri))
            orphaned = review_book(store, Minter(settings.base_iri)).orphaned
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    for review in orphaned:  # reported, never failed: a re-ingest may rightly change a record
        click.echo(f"orphaned {review.line()}", err=True)
    for problem in problems:
        click.echo(problem.report(), err=True)
    for line in [*agreement.problems, *agreement.interrupted, *unwritten]:
        click.echo(line, err=True)
    failures = []
    if problems:
        failures.append(f"{len(problems)} of {papers} paper graphs break the SHACL shapes")
    if unwritten:
        failures.append(f"{len(unwritten)} records state a number their text does not")
    if not agreement.ok:
        failures.append(
            f"{len(agreement.problems)} disagreement{'s' if len(agreement.problems) > 1 else ''}"
            " between the graph store and the search index"
        )
    if failures:
        raise click.ClickException("; ".join(failures))
    click.echo(f"ok: {papers} paper graphs conform to kb/model/shapes.ttl", err=True)
    if not agreement.index_exists:
        click.echo("ok: no search index yet, so nothing to compare the graphs with", err=True)
    else:
        agreeing = agreement.papers - len(agreement.interrupted)
        line = f"ok: the search index agrees with the graph store on {agreeing} of {agreement.papers} papers"
        if agreement.interrupted:
            line += f"; {len(agreement.interrupted)} interrupted (see above): the next writer settles them"
        click.echo(line, err=True)
    if orphaned:
        click.echo(
            f"note: {len(orphaned)} review{'s' if len(orphaned) > 1 else ''} orphaned (above), applied to no"
            " record: review those records again (GET /outcomes?paper=...)",
            err=True,
        )


@click.command("graph")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(EXPORT_FORMATS)),
    default="nquads",
    show_default=True,
    help="nquads / jsonld: one named graph per paper (re-importable); turtle: their union, for reading.",
)
def export_graph_command(output_format: str) -> None:
    """Print every paper graph of the store (a dump `kb import` can load back)."""
    settings = _settings()
    try:
        with open_store(settings, writable=False) as store:
            export_graph(store, Minter(settings.base_iri), output_format, sys.stdout.buffer)
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.stdout.buffer.flush()


@click.command("import")
@click.argument("dump", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "input_format",
    type=click.Choice(list(IMPORT_FORMATS)),
    default=None,
    help="Format of the dump [default: from the extension: .nq, .jsonld, .trig].",
)
def import_command(dump: Path, input_format: str | None) -> None:
    """Load a dump made by `kb export graph`: each graph replaces the paper graph of the same name.

    Every graph is checked against the SHACL shapes first; if one breaks them, nothing is stored.
    """
    settings = _settings()
    try:
        with open_store(settings, writable=True) as store:
            imported = import_dump(store, Minter(settings.base_iri), dump, input_format)
            sync_vocabularies(store, settings.base_iri)
    except GraphInvalid as exc:
        _fail_with_report(exc)
        return
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in imported:
        click.echo(f"imported   {item.paper_id} ({item.triples} triples)", err=True)
