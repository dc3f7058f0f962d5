"""SHACL validation of paper graphs (kb/model/shapes.ttl) with pySHACL, before they are stored.

`validate_paper_graph` is called by the ingest (kb/service.py) and by `kb import` before a graph is
written, and by `kb validate` over the whole store. A graph that does not conform is refused with a
`GraphInvalid` error whose message is one line (how many violations, and the first) and whose
`details` list every violation, one line each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyoxigraph import RdfFormat, Triple, serialize

from kb.errors import KBError
from kb.model.rdf_mapping import PREFIXES

SHAPES = Path(__file__).resolve().parent / "shapes.ttl"
_SH = "http://www.w3.org/ns/shacl#"
_SHOWN = 50


class GraphInvalid(KBError):
    """A graph breaks the SHACL shapes; nothing of it was stored."""

    def __init__(self, reason: str, details: list[str]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details

    def report(self) -> str:
        """The reason, then one indented line per violation."""
        return "\n".join([self.reason, *(f"  {line}" for line in self.details)])


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    message: str
    value: str | None

    def line(self) -> str:
        where = f"{self.focus} {self.path}" if self.path else self.focus
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{where}: {self.message}{value}"


def _short(iri: str) -> str:
    """hk:level for https://w3id.org/hemekb/ontology#level; the IRI in <> when no prefix fits."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


@cache
def _shapes_graph():  # type: ignore[no-untyped-def]
    from rdflib import Graph

    return Graph().parse(SHAPES, format="turtle")


def violations(triples: Iterable[Triple]) -> list[Violation]:
    """Every SHACL violation of a graph, sorted; [] when it conforms."""
    from pyshacl import validate
    from rdflib import Graph, Namespace, URIRef

    data = Graph().parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    conforms, results, _ = validate(
        data, shacl_graph=_shapes_graph(), inference="none", abort_on_first=False, allow_warnings=False
    )
    if conforms:
        return []
    sh = Namespace(_SH)
    found = []
    for result in results.subjects(predicate=sh.focusNode):

        def one(prop, result=result):  # type: ignore[no-untyped-def]
            value = results.value(result, prop)
            return None if value is None else str(value)

        path = results.value(result, sh.resultPath)
        if path is not None and not isinstance(path, URIRef):
            path_text = "(complex path)"
            inverse = results.value(path, sh.inversePath)
            if inverse is not None:
                path_text = f"^{_short(str(inverse))}"
        else:
            path_text = None if path is None else _short(str(path))
        found.append(
            Violation(
                focus=one(sh.focusNode) or "?",
                path=path_text,
                message=" ".join((one(sh.resultMessage) or "violates a shape").split()),
                value=one(sh.value),
            )
        )
    return sorted(found, key=lambda v: (v.focus, v.path or "", v.message))


def validate_paper_graph(triples: Iterable[Triple], label: str = "graph") -> None:
    """Raise GraphInvalid (one-line reason, details) when the triples break kb/model/shapes.ttl."""
    found = violations(triples)
    if not found:
        return
    lines = [v.line() for v in found]
    shown = lines[:_SHOWN] + ([f"… and {len(lines) - _SHOWN} more"] if len(lines) > _SHOWN else [])
    noun = "violation" if len(found) == 1 else "violations"
    raise GraphInvalid(
        f"{label} breaks the SHACL shapes (kb/model/shapes.ttl): {len(found)} {noun}; first: {lines[0]}",
        shown,
    )
