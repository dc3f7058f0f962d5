"""Dumps of the graph store: `kb export graph`, `kb import`, and `kb validate` over every paper graph.

Formats: N-Quads and JSON-LD keep the paper graphs (one named graph each) and can be imported;
Turtle has no graph names, so `--format turtle` writes the union of the paper graphs for reading,
and importing Turtle is refused rather than guessed. An import is checked whole before anything is
written: every graph must be a paper graph under KB_BASE_IRI and conform to the SHACL shapes,
otherwise nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from kb.errors import KBError, QueryRefused
from kb.evidence.reviews import reviews_from_triples, reviews_graph
from kb.model.provenance import unwritten_numbers
from kb.model.rdf_mapping import PREFIXES, Minter, triples_to_records
from kb.model.validation import GraphInvalid, validate_paper_graph
from kb.store.base import GraphStore

EXPORT_FORMATS = {"nquads": RdfFormat.N_QUADS, "jsonld": RdfFormat.JSON_LD, "turtle": RdfFormat.TURTLE}
IMPORT_FORMATS = {"nquads": RdfFormat.N_QUADS, "jsonld": RdfFormat.JSON_LD, "trig": RdfFormat.TRIG}
_EXTENSIONS = {".nq": "nquads", ".nquads": "nquads", ".jsonld": "jsonld", ".json": "jsonld", ".trig": "trig"}


def _quads(store: GraphStore, minter: Minter) -> Iterator[Quad]:
    view = store.pinned()
    for paper_id in view.paper_ids():
        graph = minter.graph(paper_id)
        for triple in view.paper_triples(paper_id):
            yield Quad(triple.subject, triple.predicate, triple.object, graph)
    reviews = reviews_graph(minter)  # reviewers' work is data too (kb/evidence/reviews.py)
    for triple in view.graph_triples(reviews):
        yield Quad(triple.subject, triple.predicate, triple.object, reviews)


def export_graph(store: GraphStore, minter: Minter, fmt: str, output: BinaryIO) -> int:
    """Write every paper graph and the reviews graph to `output` in `fmt`; the number of triples written."""
    rdf_format = EXPORT_FORMATS.get(fmt)
    if rdf_format is None:
        raise QueryRefused(f"unknown graph export format {fmt!r}; known: {', '.join(EXPORT_FORMATS)}")
    quads = list(_quads(store, minter))
    if rdf_format.supports_datasets:
        serialize(quads, output, rdf_format)
    else:
        triples = list(dict.fromkeys(Triple(q.subject, q.predicate, q.object) for q in quads))
        serialize(triples, output, rdf_format, prefixes=PREFIXES)
    return len(quads)


@dataclass(frozen=True)
class Imported:
    paper_id: str
    triples: int


def import_format(path: Path, fmt: str | None) -> str:
    """The format of a dump: as given, else from its extension; Turtle is refused with the reason."""
    name = fmt or _EXTENSIONS.get(path.suffix.lower())
    if name == "turtle" or (name is None and path.suffix.lower() in (".ttl", ".nt")):
        raise QueryRefused(
            f"{path}: Turtle and N-Triples have no graph names, so the paper graphs cannot be restored;"
            " export with `kb export graph --format nquads` (or jsonld) to re-import"
        )
    if name not in IMPORT_FORMATS:
        known = ", ".join(IMPORT_FORMATS)
        raise QueryRefused(f"{path}: unknown dump format {name or path.suffix!r}; use --format ({known})")
    return name


def import_dump(store: GraphStore, minter: Minter, path: Path, fmt: str | None = None) -> list[Imported]:
    """Load a dump: every graph replaces the paper graph of the same name, and its reviews graph the
    reviews graph, after all were validated."""
    name = import_format(path, fmt)
    graphs: dict[str, list[Triple]] = {}
    reviews_name = reviews_graph(minter)
    reviews: list[Triple] | None = None
    try:
        for quad in parse(path=str(path), format=IMPORT_FORMATS[name]):
            if isinstance(quad.graph_name, DefaultGraph) or not isinstance(quad.graph_name, NamedNode):
                raise QueryRefused(
                    f"{path}: a triple outside any paper graph ({quad.subject} {quad.predicate} …);"
                    " a dump holds one named graph per paper"
                )
            if quad.graph_name == reviews_name:
                reviews = reviews if reviews is not None else []
                reviews.append(Triple(quad.subject, quad.predicate, quad.object))
                continue
            paper_id = minter.paper_id_of_graph(quad.graph_name)
            if paper_id is None:
                raise QueryRefused(
                    f"{path}: graph {quad.graph_name} is not a paper graph under {minter.base}graph/"
                    " (KB_BASE_IRI); import a dump made with the same base IRI"
                )
            graphs.setdefault(paper_id, []).append(Triple(quad.subject, quad.predicate, quad.object))
    except (SyntaxError, ValueError) as exc:
        raise QueryRefused(f"{path}: not valid {name}: {exc}") from exc
    except OSError as exc:
        raise KBError(f"{path}: cannot read the dump: {exc}") from exc
    problems: list[str] = []
    for paper_id, triples in graphs.items():
        try:
            validate_paper_graph(triples, f"paper {paper_id}")
        except GraphInvalid as exc:
            problems.extend([exc.reason, *exc.details])
    if reviews is not None:
        try:
            validate_paper_graph(reviews, "reviews graph")  # kb/model/shapes.ttl holds the review shapes
            reviews_from_triples(minter, reviews)
        except GraphInvalid as exc:
            problems.extend([exc.reason, *exc.details])
        except KBError as exc:
            problems.append(f"reviews graph: {exc}")
    if problems:
        raise GraphInvalid(f"{path}: nothing imported; {problems[0]}", problems[1:])
    for paper_id, triples in graphs.items():
        store.replace_paper_graph(paper_id, triples)
    if reviews is not None:
        store.replace_graph(reviews_name, reviews)
    return [Imported(paper_id, len(triples)) for paper_id, triples in graphs.items()]


def unwritten_number_problems(store: GraphStore) -> list[str]:
    """One line per stored record with a number its evidence and mentions do not state and that it
    does not list as derived (kb/model/provenance.py)."""
    view = store.pinned()
    lines = []
    for paper_id in view.paper_ids():
        try:
            records = triples_to_records(view.paper_triples(paper_id))
        except ValueError:
            continue  # a graph that cannot be read as records breaks the shapes: reported there
        for record in records:
            missing = unwritten_numbers(record)
            if missing:
                shown = ", ".join(f"{name} {getattr(record, name)}" for name in missing)
                lines.append(f"record {record.id}: {shown} not written in its evidence or mentions")
    return lines


def validate_store(store: GraphStore) -> tuple[int, list[GraphInvalid]]:
    """(papers checked, the problems of those that break the shapes)."""
    view = store.pinned()
    papers = view.paper_ids()
    problems = []
    for paper_id in papers:
        try:
            validate_paper_graph(view.paper_triples(paper_id), f"paper {paper_id}")
        except GraphInvalid as exc:
            problems.append(exc)
    return len(papers), problems
