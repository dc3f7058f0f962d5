"""`kb validate`, `kb export graph` and `kb import`: the graph store as linked data (kb/store/dump.py).

Registered on the `kb` group by kb/cli.py; like it, a thin layer that turns domain errors into
one-line click errors (with the SHACL details on the lines after).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.errors import KBError
from kb.rdf_mapping import Minter
from kb.settings import Settings
from kb.store import open_store
from kb.store.dump import EXPORT_FORMATS, IMPORT_FORMATS, export_graph, import_dump, validate_store
from kb.validation import GraphInvalid


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
    """Check every paper graph in the store against the SHACL shapes (kb/shapes.ttl).

    Exits non-zero with the report (one line per violation) when a graph does not conform.
    """
    settings = _settings()
    try:
        with open_store(settings, writable=False) as store:
            papers, problems = validate_store(store)
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in problems:
        click.echo(problem.report(), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} of {papers} paper graphs break the SHACL shapes")
    click.echo(f"ok: {papers} paper graphs conform to kb/shapes.ttl", err=True)


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
    except GraphInvalid as exc:
        _fail_with_report(exc)
        return
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in imported:
        click.echo(f"imported   {item.paper_id} ({item.triples} triples)", err=True)
