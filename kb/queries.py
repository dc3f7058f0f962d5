"""SPARQL the service runs: outcome filters, paging, the values a filter may take, ingest bookkeeping.

Filter values are written into queries only as escaped literals or minted IRIs, never as raw text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from pyoxigraph import Literal, NamedNode

from kb.endpoints import endpoint_code
from kb.errors import QueryRefused
from kb.rdf_mapping import HK, sparql_prefixes
from kb.store import GraphStore, Row

MAX_LIMIT = 500
_SHOWN_VALUES = 30


@dataclass(frozen=True)
class OutcomeFilters:
    """What GET /outcomes can filter on; every match is case-insensitive.

    antigen and intervention also match the results compared with a matching result (see
    `_treatment_match`), so a comparison is never returned with one side missing.
    """

    antigen: str | None = None  # antigen symbol, e.g. CD22
    intervention: str | None = None  # intervention id or canonical label
    disease: str | None = None  # disease id or canonical label
    line: str | None = None  # part of the line of therapy, e.g. "relapsed"
    endpoint: str | None = None  # endpoint code from CONTRACT.md
    paper: str | None = None  # paper id or file name

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def _lit(value: str) -> str:
    return str(Literal(value.lower()))


def _treatment_match(name: str, pattern: str, condition: str) -> str:
    """?r matches when it, or a result it is compared with, has the treatment.

    Treatment filters keep comparisons whole: asking for CD22 returns "80.7% vs 29.4%" with the
    chemotherapy comparator, which targets no antigen itself but is half of the CD22 result.
    """
    # Variables are prefixed with the filter's name so that two treatment filters do not join.
    own = pattern.replace("?x", "?r")
    other, cmp = f"?{name}Other", f"?{name}Comparison"
    compared = f"?r hk:comparison {cmp} . {other} hk:comparison {cmp} . " + pattern.replace("?x", other)
    return f"{{ {own} FILTER({condition}) }} UNION {{ {compared} FILTER({condition}) }}"


def _where(filters: OutcomeFilters) -> str:
    patterns = [
        "?r a hk:OutcomeResult ; dcterms:identifier ?id ; hk:reportedIn ?paper ; hk:evidence ?ev .",
        "?paper dcterms:identifier ?paperId ; hk:fileName ?file .",
        "?ev hk:charStart ?start .",
    ]
    if filters.antigen is not None:
        patterns.append(
            _treatment_match(
                "antigen",
                "?x hk:antigen ?antigen . ?antigen rdfs:label ?antigenLabel .",
                f"LCASE(?antigenLabel) = {_lit(filters.antigen)}",
            )
        )
    if filters.intervention is not None:
        value = _lit(filters.intervention)
        patterns.append(
            _treatment_match(
                "intervention",
                "?x hk:intervention ?iv . ?iv dcterms:identifier ?ivId ; rdfs:label ?ivLabel .",
                f"LCASE(?ivId) = {value} || LCASE(?ivLabel) = {value}",
            )
        )
    if filters.disease is not None:
        value = _lit(filters.disease)
        patterns.append(
            "?r hk:disease ?disease . ?disease dcterms:identifier ?diseaseId ; rdfs:label ?diseaseLabel ."
            f" FILTER(LCASE(?diseaseId) = {value} || LCASE(?diseaseLabel) = {value})"
        )
    if filters.line is not None:
        patterns.append(f"?r hk:lineOfTherapy ?line . FILTER(CONTAINS(LCASE(?line), {_lit(filters.line)}))")
    if filters.endpoint is not None:
        patterns.append(f"?r hk:endpoint {NamedNode(HK + 'Endpoint_' + filters.endpoint)} .")
    if filters.paper is not None:
        patterns.append(
            f"FILTER(LCASE(?paperId) = {_lit(filters.paper)} || LCASE(?file) = {_lit(filters.paper)})"
        )
    body = "\n    ".join(patterns)
    return f"GRAPH ?g {{\n    {body}\n  }}"


def count_outcomes(store: GraphStore, filters: OutcomeFilters) -> int:
    rows = _select(
        store,
        f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?g ?r WHERE {{ {_where(filters)} }} }}",
    )
    return int(_value(rows[0], "n"))


def page_of_outcomes(
    store: GraphStore, filters: OutcomeFilters, offset: int, limit: int
) -> list[tuple[str, str]]:
    """(graph IRI, record id) of one page of matching results, ordered by paper file, offset, id."""
    rows = _select(
        store,
        f"SELECT DISTINCT ?g ?id ?file ?start WHERE {{ {_where(filters)} }}"
        f" ORDER BY ?file ?start ?id OFFSET {int(offset)} LIMIT {int(limit)}",
    )
    return [(_value(row, "g"), _value(row, "id")) for row in rows]


def known_values(store: GraphStore, kind: str) -> list[tuple[str, str]]:
    """(id, label) of every antigen / intervention / disease / paper in the store, sorted by label."""
    if kind == "paper":
        pattern = "?x a hk:Paper ; dcterms:identifier ?id ; hk:fileName ?label ."
    elif kind == "antigen":
        pattern = "?x a hk:Antigen ; rdfs:label ?id ; rdfs:label ?label ."
    elif kind in ("intervention", "disease"):
        pattern = f"?x a hk:{kind.capitalize()} ; dcterms:identifier ?id ; rdfs:label ?label ."
    else:
        raise ValueError(f"Unexpected filter kind: {kind!r}")
    rows = _select(
        store, f"SELECT DISTINCT ?id ?label WHERE {{ GRAPH ?g {{ {pattern} }} }} ORDER BY ?label ?id"
    )
    return [(_value(row, "id"), _value(row, "label")) for row in rows]


def validated(store: GraphStore, filters: OutcomeFilters) -> OutcomeFilters:
    """The filters with the endpoint normalized, or QueryRefused naming the values that exist."""
    changes: dict[str, str] = {}
    if filters.endpoint is not None:
        try:
            changes["endpoint"] = endpoint_code(filters.endpoint)
        except ValueError as exc:
            raise QueryRefused(str(exc)) from exc
    for kind in ("antigen", "intervention", "disease", "paper"):
        value = getattr(filters, kind)
        if value is None:
            continue
        known = known_values(store, kind)
        if value.lower() not in {v.lower() for pair in known for v in pair}:
            raise QueryRefused(_unknown_message(kind, value, known))
    return OutcomeFilters(**{**{name: getattr(filters, name) for name in OutcomeFilters.names()}, **changes})


def _unknown_message(kind: str, value: str, known: list[tuple[str, str]]) -> str:
    if not known:
        return f"unknown {kind} {value!r}: the knowledge base is empty; add papers with `kb ingest PATH`"
    shown = sorted({label for _, label in known}, key=str.lower)
    listing = ", ".join(shown[:_SHOWN_VALUES]) + (", …" if len(shown) > _SHOWN_VALUES else "")
    return f"unknown {kind} {value!r}; known: {listing}"


def stored_digest(store: GraphStore, graph: NamedNode) -> str | None:
    """The content digest of the run that wrote a paper graph, or None if the graph does not exist."""
    rows = _select(
        store, f"SELECT ?d WHERE {{ GRAPH {graph} {{ ?run a hk:IngestRun ; hk:contentDigest ?d }} }}"
    )
    return _value(rows[0], "d") if len(rows) == 1 else None


def graphs_holding_results(store: GraphStore, results: list[NamedNode], other_than: NamedNode) -> list[str]:
    """Graphs other than `other_than` that already describe one of `results` (ids must be unique)."""
    if not results:
        return []
    values = " ".join(str(node) for node in results)
    rows = _select(
        store,
        f"SELECT DISTINCT ?g WHERE {{ VALUES ?r {{ {values} }} GRAPH ?g {{ ?r a hk:OutcomeResult }}"
        f" FILTER(?g != {other_than}) }} LIMIT 5",
    )
    return [_value(row, "g") for row in rows]


def result_count(store: GraphStore) -> int:
    rows = _select(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?r a hk:OutcomeResult } }")
    return int(_value(rows[0], "n"))


def _select(store: GraphStore, query: str) -> list[Row]:
    rows = store.query(sparql_prefixes() + query)
    if not isinstance(rows, list) or (rows and not isinstance(rows[0], dict)):
        raise ValueError(f"Unexpected answer to a SELECT query: {rows!r}")
    return rows  # type: ignore[return-value]


def _value(row: Row, name: str) -> str:
    term = row.get(name)
    if term is None:
        raise ValueError(f"Unexpected unbound ?{name} in {row!r}")
    return term.value
