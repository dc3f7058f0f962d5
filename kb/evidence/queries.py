"""SPARQL the service runs: outcome filters, sorting, paging, facets, studies and papers, the values a
filter may take, ingest bookkeeping.

Outcome reads are answered from the outcome table (kb/store/outcome_table.py) once it is built; the SPARQL
functions here answer them for stores without it, and tests/test_outcome_table.py holds the two
paths to the same answers. `validated` serves both: it resolves filters against any `ValueSource`.

Filter values are written into queries only as escaped literals or minted IRIs, never as raw text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Protocol

from pyoxigraph import Literal, NamedNode

from kb.errors import QueryRefused
from kb.evidence import concepts
from kb.evidence.reviews import VERDICTS, ReviewBook, parse_review_filter
from kb.model.endpoints import ENDPOINTS, endpoint_code
from kb.model.rdf_mapping import HK, PaperSection, ordered_languages, sparql_prefixes
from kb.store import GraphStore, Row

MAX_LIMIT = 500
_SHOWN_VALUES = 30
STUDY_ROLES = ("own", "cited")


@dataclass(frozen=True)
class OutcomeFilters:
    """What GET /outcomes (and /compare, /studies, /concepts facets) can filter on.

    Every match is case-insensitive. Concept filters are resolved through the vocabularies
    (kb/evidence/concepts.py): an intervention may be named in any corpus language, a disease includes its
    subtypes. antigen, intervention and drug_class also match the results compared with a matching
    result (see `_treatment_match`), so a comparison is never returned with one side missing.
    """

    antigen: str | None = None  # antigen symbol, e.g. CD22
    intervention: str | None = None  # intervention id, label or any vocabulary wording
    disease: str | None = None  # disease id, label or short name; subtypes included
    line: str | None = None  # line of therapy concept, or part of one, e.g. "relapsed"
    endpoint: str | None = None  # endpoint code from CONTRACT.md
    paper: str | None = None  # paper id or file name
    drug_class: str | None = None  # drug class of an intervention, e.g. BiTE, CAR-T, ADC
    population: str | None = None  # population concept, or part of one, e.g. pediatric
    design: str | None = None  # part of the study design, e.g. "phase III"
    study_role: str | None = None  # own (the paper's own study) or cited
    study: str | None = None  # study id or label, e.g. INO-VATE ALL
    language: str | None = None  # language of the paper, e.g. ru
    min_n: int | None = None  # results with at least this many patients
    min_confidence: float | None = None  # results at least this likely to be right (0 to 1)
    text: str | None = None  # part of the source sentence, e.g. "95% CI"
    review: str | None = (
        None  # review status (kb/evidence/reviews.py), comma-separated; default: all but rejected
    )

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def given(self) -> dict[str, str | int | float]:
        """The filters that are set, by name."""
        return {name: getattr(self, name) for name in self.names() if getattr(self, name) is not None}


@dataclass(frozen=True)
class Selection:
    """Filters resolved against the vocabularies and the store: what the SPARQL matches.

    Tuples hold lower-case values; None means "no constraint".
    """

    filters: OutcomeFilters
    antigens: tuple[str, ...] | None = None
    interventions: tuple[str, ...] | None = None  # intervention ids or labels
    class_interventions: tuple[str, ...] | None = None  # intervention ids of the drug classes asked for
    diseases: tuple[str, ...] | None = None  # disease ids or labels, subtypes included
    lines: tuple[str, ...] | None = None  # exact line labels
    line_part: str | None = None
    populations: tuple[str, ...] | None = None
    population_part: str | None = None
    endpoint: str | None = None  # contract code
    paper: str | None = None
    design: str | None = None
    study_role: str | None = None
    study: str | None = None
    language: str | None = None
    min_n: int | None = None
    min_confidence: float | None = None
    text: str | None = None
    # review statuses (kb/evidence/reviews.py) as record ids: only these, or all but these;
    # None: no constraint
    record_ids: frozenset[str] | None = None
    excluded_ids: frozenset[str] | None = None


# Value, sample size and time point sit on the result's statistic node (kb/model/rdf_mapping.py); the
# optional step also reads graphs written before the statistic had a node of its own.
_STATISTIC = "hk:statistic?/"
# Sort keys: name -> (pattern binding the variable, variable). Ties: paper file, offset, id.
SORT_KEYS: dict[str, tuple[str, str]] = {
    "paper": ("", "?file"),
    "study": (
        "?r hk:study ?sortStudy . ?sortStudy rdfs:label ?sortStudyLabel ."
        " BIND(LCASE(?sortStudyLabel) AS ?sortS)",
        "?sortS",
    ),
    "endpoint": ("?r hk:endpoint ?sortEndpoint .", "?sortEndpointRank"),
    "value": (f"OPTIONAL {{ ?r {_STATISTIC}hk:value ?sortValue }}", "?sortValue"),
    "n": (f"OPTIONAL {{ ?r {_STATISTIC}hk:sampleSize ?sortN }}", "?sortN"),
    "p_value": (
        "OPTIONAL { ?r hk:statistic/hk:attributeEstimate ?sortPe . ?sortPe hk:estimateType obo:OBI_0000175 ;"
        " hk:value ?sortP }",
        "?sortP",
    ),
    "time": (f"OPTIONAL {{ ?r {_STATISTIC}hk:timeMonths ?sortTime }}", "?sortTime"),
    "language": ("OPTIONAL { ?paper dcterms:language ?sortLanguage }", "?sortLanguage"),
    # strength of evidence (EVIDENCE_RANKS): randomised and phase III trials before other designs,
    # a paper's own study before the studies it cites, case reports last
    "evidence": (
        "?r hk:study ?sortStudyE . OPTIONAL { ?sortStudyE hk:design ?sortDesign }"
        " BIND(LCASE(COALESCE(?sortDesign, '')) AS ?sortD)"
        " BIND(EXISTS { ?paper hk:primaryStudy ?sortStudyE } AS ?sortOwn)"
        " BIND(IF(CONTAINS(?sortD, 'case report'), 4, IF(CONTAINS(?sortD, 'randomi')"
        " || CONTAINS(?sortD, 'phase iii') || CONTAINS(?sortD, 'phase 3'),"
        " IF(?sortOwn, 0, 1), IF(?sortOwn, 2, 3))) AS ?sortEvidence)",
        "?sortEvidence",
    ),
}
# What a person browsing results sees first when they ask for no order (the API and the web page);
# exports and the library keep paper order, the order the evaluation and diffs expect.
BROWSING_SORT = "evidence"
# The ranks of the "evidence" sort key, best first.
EVIDENCE_RANKS = (
    "randomised or phase III, the paper's own study",
    "randomised or phase III, a cited study",
    "other designs, the paper's own study",
    "other designs, a cited study",
    "case report",
)


def parse_sort(sort: str | None) -> list[tuple[str, bool]]:
    """ "endpoint,-value" -> [("endpoint", False), ("value", True)]; QueryRefused naming the keys."""
    if sort is None or not sort.strip():
        return []
    keys = []
    for part in sort.split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("-+").strip().lower()
        if name not in SORT_KEYS:
            allowed = ", ".join(SORT_KEYS)
            raise QueryRefused(
                f"unknown sort key {part.strip()!r}; allowed: {allowed} (prefix - for descending)"
            )
        keys.append((name, descending))
    return keys


def _lit(value: str) -> str:
    return str(Literal(value.lower()))


def _in(expression: str, values: tuple[str, ...]) -> str:
    return f"{expression} IN ({', '.join(_lit(v) for v in values)})"


def _ids(ids: frozenset[str]) -> str:
    """Record ids as literals, as stored (ids are case-sensitive)."""
    return ", ".join(str(Literal(i)) for i in sorted(ids))


def _treatment_match(name: str, pattern: str, condition: str) -> str:
    """?r matches when it, or a result it is compared with, has the treatment.

    Treatment filters keep comparisons whole: asking for CD22 returns "80.7% vs 29.4%" with the
    chemotherapy comparator, which targets no antigen itself but is half of the CD22 result.
    """
    # Variables are prefixed with the filter's name so that two treatment filters do not join.
    pattern = pattern.replace("?c", f"?{name}C").replace("?k", f"?{name}K").replace("?l", f"?{name}L")
    condition = condition.replace("?k", f"?{name}K").replace("?l", f"?{name}L")
    own = pattern.replace("?x", "?r")
    other, cmp = f"?{name}Other", f"?{name}Comparison"
    compared = f"?r hk:comparison {cmp} . {other} hk:comparison {cmp} . " + pattern.replace("?x", other)
    return f"{{ {own} FILTER({condition}) }} UNION {{ {compared} FILTER({condition}) }}"


# Concepts are described in the vocabulary graphs, so their labels are read from there (a nested
# GRAPH inside the paper graph's pattern); ?cg becomes a variable of its own per filter.
_CONCEPT = "?x hk:{prop} ?c . GRAPH ?cg {{ ?c dcterms:identifier ?k ; rdfs:label ?l }}"


def _where(
    selection: Selection, sort: list[tuple[str, bool]] | None = None, extra: tuple[str, ...] = ()
) -> str:
    s = selection
    patterns = [
        "?r a hk:OutcomeResult ; dcterms:identifier ?id ; hk:reportedIn ?paper ; hk:evidence ?ev .",
        "?paper dcterms:identifier ?paperId ; hk:fileName ?file .",
        "?ev hk:charStart ?start .",
    ]
    if s.antigens is not None:
        patterns.append(
            _treatment_match(
                "antigen", "?x hk:antigen ?c . GRAPH ?cg { ?c rdfs:label ?l }", _in("LCASE(?l)", s.antigens)
            )
        )
    if s.interventions is not None:
        condition = f"{_in('LCASE(?k)', s.interventions)} || {_in('LCASE(?l)', s.interventions)}"
        patterns.append(_treatment_match("iv", _CONCEPT.format(prop="intervention"), condition))
    if s.class_interventions is not None:
        patterns.append(
            _treatment_match(
                "drugClass", _CONCEPT.format(prop="intervention"), _in("LCASE(?k)", s.class_interventions)
            )
        )
    if s.diseases is not None:
        patterns.append(
            "?r hk:disease ?disease ."
            " GRAPH ?diseaseGraph { ?disease dcterms:identifier ?diseaseId ; rdfs:label ?diseaseLabel }"
            f" FILTER({_in('LCASE(?diseaseId)', s.diseases)} || {_in('LCASE(?diseaseLabel)', s.diseases)})"
        )
    for prop, exact, part in (
        ("lineOfTherapy", s.lines, s.line_part),
        ("population", s.populations, s.population_part),
    ):
        if exact is not None:
            patterns.append(f"?r hk:{prop} ?{prop} . FILTER({_in(f'LCASE(?{prop})', exact)})")
        elif part is not None:
            patterns.append(f"?r hk:{prop} ?{prop} . FILTER(CONTAINS(LCASE(?{prop}), {_lit(part)}))")
    if s.endpoint is not None:
        patterns.append(f"?r hk:endpoint {NamedNode(HK + 'Endpoint_' + s.endpoint)} .")
    if s.paper is not None:
        patterns.append(f"FILTER(LCASE(?paperId) = {_lit(s.paper)} || LCASE(?file) = {_lit(s.paper)})")
    if s.design is not None or s.study is not None or s.study_role is not None:
        patterns.append("?r hk:study ?study . ?study dcterms:identifier ?studyId ; rdfs:label ?studyLabel .")
    if s.design is not None:
        patterns.append(f"?study hk:design ?design . FILTER(CONTAINS(LCASE(?design), {_lit(s.design)}))")
    if s.study is not None:
        patterns.append(f"FILTER(LCASE(?studyId) = {_lit(s.study)} || LCASE(?studyLabel) = {_lit(s.study)})")
    if s.study_role is not None:
        role = "primaryStudy" if s.study_role == "own" else "citedStudy"
        patterns.append(f"?paper hk:{role} ?study .")
    if s.language is not None:
        patterns.append(f"?paper dcterms:language ?language . FILTER(LCASE(?language) = {_lit(s.language)})")
    if s.min_n is not None:
        patterns.append(f"?r {_STATISTIC}hk:sampleSize ?n . FILTER(?n >= {int(s.min_n)})")
    if s.min_confidence is not None:
        patterns.append(f"?r hk:confidence ?confidence . FILTER(?confidence >= {float(s.min_confidence)!r})")
    if s.text is not None:
        patterns.append(f"?ev hk:text ?evidenceText . FILTER(CONTAINS(LCASE(?evidenceText), {_lit(s.text)}))")
    if s.record_ids is not None:
        patterns.append(f"FILTER(?id IN ({_ids(s.record_ids)}))")
    if s.excluded_ids:
        patterns.append(f"FILTER(?id NOT IN ({_ids(s.excluded_ids)}))")
    for key, _ in sort or []:
        if SORT_KEYS[key][0]:
            patterns.append(SORT_KEYS[key][0])
    if any(key == "endpoint" for key, _ in sort or []):
        ranks = " ".join(f"({NamedNode(HK + 'Endpoint_' + code)} {i})" for i, code in enumerate(ENDPOINTS))
        patterns.append(f"VALUES (?sortEndpoint ?sortEndpointRank) {{ {ranks} }}")
    patterns.extend(extra)
    body = "\n    ".join(patterns)
    return f"GRAPH ?g {{\n    {body}\n  }}"


def count_outcomes(store: GraphStore, selection: Selection) -> int:
    rows = _select(
        store,
        f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?g ?r WHERE {{ {_where(selection)} }} }}",
    )
    return int(_value(rows[0], "n"))


def page_of_outcomes(
    store: GraphStore,
    selection: Selection,
    offset: int,
    limit: int | None,
    sort: list[tuple[str, bool]] | None = None,
) -> list[tuple[str, str]]:
    """(graph IRI, record id) of one page of matching results (all of them when limit is None),
    ordered by the sort keys (missing values last), then paper file, evidence offset, id."""
    order: list[str] = []
    for key, descending in sort or []:
        variable = SORT_KEYS[key][1]
        order.append(f"(!BOUND({variable})) {'DESC' if descending else 'ASC'}({variable})")
    variables = [SORT_KEYS[key][1] for key, _ in sort or []]
    selected = " ".join(dict.fromkeys(["?g", "?id", "?file", "?start", *variables]))
    window = f" OFFSET {int(offset)}" + ("" if limit is None else f" LIMIT {int(limit)}")
    query = f"SELECT DISTINCT {selected} WHERE {{ {_where(selection, sort)} }}"
    rows = _select(store, f"{query} ORDER BY {' '.join([*order, '?file ?start ?id'])}{window}")
    return [(_value(row, "g"), _value(row, "id")) for row in rows]


# ---------------------------------------------------------------------------- known values

_KNOWN_PATTERNS = {
    "paper": "?x a hk:Paper ; dcterms:identifier ?id ; hk:fileName ?label .",
    # concepts some paper uses, with their labels from the vocabulary graphs
    "antigen": "?r hk:antigen ?x . GRAPH ?v { ?x dcterms:identifier ?id ; rdfs:label ?label }",
    "intervention": "?r hk:intervention ?x . GRAPH ?v { ?x dcterms:identifier ?id ; rdfs:label ?label }",
    "disease": "?r hk:disease ?x . GRAPH ?v { ?x dcterms:identifier ?id ; rdfs:label ?label }",
    "study": "?x a hk:Study ; dcterms:identifier ?id ; rdfs:label ?label .",
    "line": "?x hk:lineOfTherapy ?id . BIND(?id AS ?label)",
    "population": "?x hk:population ?id . BIND(?id AS ?label)",
    "design": "?x hk:design ?id . BIND(?id AS ?label)",
    "language": "?x a hk:Paper ; dcterms:language ?id . BIND(?id AS ?label)",
}


class ValueSource(Protocol):
    """What filter values are resolved against: the graph store, or a view of the outcome table."""

    def paper_ids(self) -> list[str]: ...

    def known_values(self, kind: str) -> list[tuple[str, str]]: ...


class GraphValues:
    """The graph store as a ValueSource."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def paper_ids(self) -> list[str]:
        return self.store.paper_ids()

    def known_values(self, kind: str) -> list[tuple[str, str]]:
        return known_values(self.store, kind)


def known_values(store: GraphStore, kind: str) -> list[tuple[str, str]]:
    """(id, label) of every value of a filter kind in the store, sorted by label."""
    pattern = _KNOWN_PATTERNS.get(kind)
    if pattern is None:
        raise ValueError(f"Unexpected filter kind: {kind!r}")
    rows = _select(
        store, f"SELECT DISTINCT ?id ?label WHERE {{ GRAPH ?g {{ {pattern} }} }} ORDER BY ?label ?id"
    )
    return [(_value(row, "id"), _value(row, "label")) for row in rows]


# Filters whose values name something the knowledge base holds (refused when it holds nothing).
_NAMED_VALUES = (
    "antigen",
    "intervention",
    "disease",
    "drug_class",
    "line",
    "population",
    "paper",
    "study",
    "language",
    "design",
)


def validated(
    source: GraphStore | ValueSource, filters: OutcomeFilters, reviews: ReviewBook | None = None
) -> Selection:
    """The filters resolved to what the store matches, or QueryRefused naming the values that exist.

    A value the vocabulary knows is valid even when no stored result has it (the answer is then
    empty); a value neither the vocabulary nor the store knows is refused. `reviews` decides the
    review statuses (none given: every record is unreviewed).
    """
    store = GraphValues(source) if isinstance(source, GraphStore) else source
    changes: dict[str, object] = {}
    if filters.endpoint is not None:
        try:
            changes["endpoint"] = endpoint_code(filters.endpoint)
        except ValueError as exc:
            raise QueryRefused(str(exc)) from exc
    named = {k: v for k, v in filters.given().items() if k in _NAMED_VALUES}
    if named and not store.paper_ids():
        name, value = next(iter(named.items()))
        raise QueryRefused(_unknown_message(name, str(value), []))
    if filters.antigen is not None:
        changes["antigens"] = _concept_values(store, "antigen", filters.antigen)
    if filters.intervention is not None:
        changes["interventions"] = _concept_values(store, "intervention", filters.intervention)
    if filters.disease is not None:
        changes["diseases"] = _concept_values(store, "disease", filters.disease)
    if filters.drug_class is not None:
        classes = concepts.resolve("drug_class", filters.drug_class)
        if not classes:
            allowed = ", ".join(c.id for c in concepts.entries("drug_class"))
            raise QueryRefused(f"unknown drug_class {filters.drug_class!r}; allowed: {allowed}")
        changes["class_interventions"] = tuple(i.lower() for i in concepts.interventions_of_class(classes))
    for kind, value in (("line", filters.line), ("population", filters.population)):
        if value is None:
            continue
        resolved = concepts.resolve(kind, value)
        plural = "lines" if kind == "line" else "populations"
        if resolved:
            labels = {concepts.entry(kind, ident).label.lower() for ident in resolved}  # type: ignore[union-attr]
            changes[plural] = tuple(sorted(labels))
        else:
            changes[f"{kind}_part"] = _part_of_known(store, kind, value)
    if filters.paper is not None:
        changes["paper"] = _known(store, "paper", filters.paper)
    if filters.study is not None:
        changes["study"] = _known(store, "study", filters.study)
    if filters.language is not None:
        changes["language"] = _known(store, "language", filters.language)
    if filters.design is not None:
        changes["design"] = _part_of_known(store, "design", filters.design)
    if filters.study_role is not None:
        role = filters.study_role.strip().lower()
        if role not in STUDY_ROLES:
            raise QueryRefused(
                f"unknown study_role {filters.study_role!r}; allowed: {', '.join(STUDY_ROLES)}"
            )
        changes["study_role"] = role
    if filters.min_n is not None:
        if filters.min_n < 0:
            raise QueryRefused(f"min_n must be 0 or more, got {filters.min_n}")
        changes["min_n"] = filters.min_n
    if filters.min_confidence is not None:
        if not 0 <= filters.min_confidence <= 1:
            raise QueryRefused(f"min_confidence must be between 0 and 1, got {filters.min_confidence}")
        changes["min_confidence"] = filters.min_confidence
    if filters.text is not None and filters.text.strip():
        changes["text"] = filters.text.strip().lower()
    statuses = parse_review_filter(filters.review)
    if statuses is not None:
        book = reviews or ReviewBook()
        if "unreviewed" in statuses:
            unwanted = book.ids_with(set(VERDICTS) - set(statuses))
            if unwanted:
                changes["excluded_ids"] = unwanted
        else:
            changes["record_ids"] = book.ids_with(statuses)
    normalized = OutcomeFilters(
        **{**filters.given(), **{k: v for k, v in changes.items() if k == "endpoint"}}
    )
    return Selection(filters=normalized, **changes)  # type: ignore[arg-type]


def _concept_values(store: ValueSource, kind: str, value: str) -> tuple[str, ...]:
    """Lower-case ids/labels a concept filter matches: vocabulary resolution plus stored names."""
    resolved = list(concepts.resolve(kind, value))
    known = store.known_values(kind)
    folded = value.strip().lower()
    in_store = [ident for pair in known for ident in pair if ident.lower() == folded]
    if not resolved and not in_store:
        raise QueryRefused(_unknown_message(kind, value, known))
    if kind in ("disease", "intervention"):
        resolved = list(
            concepts.with_subtypes(
                [*resolved, *(i for i, label in known if folded in (i.lower(), label.lower()))], kind
            )
        )
    return tuple(dict.fromkeys(v.lower() for v in [*resolved, *in_store, folded]))


def _known(store: ValueSource, kind: str, value: str) -> str:
    known = store.known_values(kind)
    if value.strip().lower() not in {v.lower() for pair in known for v in pair}:
        raise QueryRefused(_unknown_message(kind, value, known))
    return value.strip()


def _part_of_known(store: ValueSource, kind: str, value: str) -> str:
    known = store.known_values(kind)
    part = value.strip().lower()
    if not any(part in label.lower() for _, label in known):
        raise QueryRefused(_unknown_message(kind, value, known))
    return part


def _unknown_message(kind: str, value: str, known: list[tuple[str, str]]) -> str:
    if not known:
        return f"unknown {kind} {value!r}: the knowledge base is empty; add papers with `kb ingest PATH`"
    shown = sorted({label for _, label in known}, key=str.lower)
    listing = ", ".join(shown[:_SHOWN_VALUES]) + (", …" if len(shown) > _SHOWN_VALUES else "")
    return f"unknown {kind} {value!r}; known: {listing}"


# ---------------------------------------------------------------------------------- facets

FACETS = ("antigen", "intervention", "drug_class", "disease", "endpoint", "line", "population", "language")


def facet_counts(store: GraphStore, selection: Selection, kind: str) -> dict[str, int]:
    """Number of matching results per value of one facet (concept id, code, or stated text)."""
    if kind == "antigen":
        key = "?r hk:antigen ?fc . GRAPH ?fcGraph { ?fc rdfs:label ?key }"
    elif kind in ("intervention", "disease"):
        key = f"?r hk:{kind} ?fc . GRAPH ?fcGraph {{ ?fc dcterms:identifier ?key }}"
    elif kind == "drug_class":
        pairs = " ".join(
            f"({_lit(c.id)} {Literal(c.drug_class)})"
            for c in concepts.entries("intervention")
            if c.drug_class
        )
        key = (
            "?r hk:intervention ?fc . GRAPH ?fcGraph { ?fc dcterms:identifier ?fcId }"
            " BIND(LCASE(?fcId) AS ?fcKey)"
            f" VALUES (?fcKey ?key) {{ {pairs} }}"
        )
    elif kind == "endpoint":
        key = f'?r hk:endpoint ?fc . BIND(STRAFTER(STR(?fc), "{HK}Endpoint_") AS ?key)'
    elif kind == "line":
        key = "?r hk:lineOfTherapy ?key ."
    elif kind == "population":
        key = "?r hk:population ?key ."
    elif kind == "language":
        key = "?paper dcterms:language ?key ."
    else:
        raise ValueError(f"Unexpected facet: {kind!r} (allowed: {', '.join(FACETS)})")
    where = _where(selection, extra=(key,))
    rows = _select(store, f"SELECT ?key (COUNT(DISTINCT ?r) AS ?n) WHERE {{ {where} }} GROUP BY ?key")
    return {_value(row, "key"): int(_value(row, "n")) for row in rows}


# ------------------------------------------------------------------------- studies and papers


@dataclass(frozen=True)
class StudyRow:
    id: str
    label: str
    design: str | None
    is_primary: bool
    registry_ids: list[str]
    paper_id: str
    paper_file: str
    language: str | None
    results: int
    endpoints: list[str]
    arms: list[str]
    interventions: list[str]


_SEP = "\u001f"


def study_rows(store: GraphStore, selection: Selection) -> list[StudyRow]:
    """Every study with at least one matching result, with what its matching results cover."""
    where = _where(
        selection,
        extra=(
            "?r hk:study ?s . ?s dcterms:identifier ?sid ; rdfs:label ?slabel .",
            "OPTIONAL { ?s hk:design ?sdesign }",
            "OPTIONAL { ?paper hk:primaryStudy ?s . BIND(true AS ?sprimary) }",
            "OPTIONAL { ?paper dcterms:language ?plang }",
            "OPTIONAL { ?s hk:registryRecord ?sreg }",
            f'?r hk:endpoint ?se . BIND(STRAFTER(STR(?se), "{HK}Endpoint_") AS ?scode)',
            "OPTIONAL { ?r hk:arm ?sarm . ?sarm rdfs:label ?sarmLabel }",
            "OPTIONAL { ?r hk:intervention ?siv . GRAPH ?sivGraph { ?siv rdfs:label ?sivLabel } }",
        ),
    )
    sep = Literal(_SEP)
    # COALESCE: Oxigraph's GROUP_CONCAT is unbound as soon as one value is, which emptied the arms
    # of a study when one of its results had no arm; `_split` drops the empty strings.
    query = (
        "SELECT ?sid ?slabel ?sdesign ?sprimary ?paperId ?file ?plang (COUNT(DISTINCT ?r) AS ?results)"
        f' (GROUP_CONCAT(DISTINCT COALESCE(STR(?sreg), ""); separator={sep}) AS ?regs)'
        f" (GROUP_CONCAT(DISTINCT ?scode; separator={sep}) AS ?codes)"
        f' (GROUP_CONCAT(DISTINCT COALESCE(?sarmLabel, ""); separator={sep}) AS ?arms)'
        f' (GROUP_CONCAT(DISTINCT COALESCE(?sivLabel, ""); separator={sep}) AS ?ivs)'
        f" WHERE {{ {where} }}"
        " GROUP BY ?sid ?slabel ?sdesign ?sprimary ?paperId ?file ?plang ORDER BY ?file LCASE(?slabel) ?sid"
    )
    out = []
    for row in _select(store, query):
        registry = [r.rsplit("/", 1)[-1] for r in _split(row, "regs")]
        codes = _split(row, "codes")
        out.append(
            StudyRow(
                id=_value(row, "sid"),
                label=_value(row, "slabel"),
                design=_optional(row, "sdesign"),
                is_primary=row.get("sprimary") is not None,
                registry_ids=sorted(registry),
                paper_id=_value(row, "paperId"),
                paper_file=_value(row, "file"),
                language=_optional(row, "plang"),
                results=int(_value(row, "results")),
                endpoints=[code for code in ENDPOINTS if code in codes],
                arms=sorted(_split(row, "arms"), key=str.lower),
                interventions=sorted(_split(row, "ivs"), key=str.lower),
            )
        )
    return out


@dataclass(frozen=True)
class PaperRow:
    id: str
    file: str
    title: str | None
    language: str | None
    sha256: str | None
    results: int
    studies: int
    # The bibliographic record, where ingest found it (kb.model.rdf_mapping.PaperMeta).
    authors: tuple[str, ...] = ()
    journal: str | None = None
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    title_en: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sections: tuple[PaperSection, ...] = ()
    format: str | None = None


def paper_rows(store: GraphStore) -> list[PaperRow]:
    """Every paper of the store, with its number of results and studies, in file order.

    Single values come from one grouped query; lists (authors, keywords, languages, sections) from
    a second one whose UNION branches yield one row per list member, so that no branch multiplies
    the rows of another.
    """
    query = (
        "SELECT ?pid ?file ?title ?titleEn ?lang ?sha ?journal ?year ?doi ?pmid ?volume ?issue ?pages"
        " ?pageStart ?pageEnd ?format (COUNT(DISTINCT ?r) AS ?results) (COUNT(DISTINCT ?s) AS ?studies)"
        " WHERE { GRAPH ?g {"
        " ?paper a hk:Paper ; dcterms:identifier ?pid ; hk:fileName ?file ."
        " OPTIONAL { ?paper dcterms:title ?title } OPTIONAL { ?paper dcterms:language ?lang }"
        " OPTIONAL { ?paper dcterms:alternative ?titleEn }"
        " OPTIONAL { ?run a hk:IngestRun ; prov:used ?paper ; hk:paperSha256 ?sha }"
        " OPTIONAL { ?paper hk:journal ?journal } OPTIONAL { ?paper dcterms:issued ?year }"
        " OPTIONAL { ?paper hk:doi ?doi } OPTIONAL { ?paper bibo:pmid ?pmid }"
        " OPTIONAL { ?paper bibo:volume ?volume }"
        " OPTIONAL { ?paper hk:issue ?issue } OPTIONAL { ?paper bibo:pages ?pages }"
        " OPTIONAL { ?paper bibo:pageStart ?pageStart } OPTIONAL { ?paper bibo:pageEnd ?pageEnd }"
        " OPTIONAL { ?paper hk:sourceFormat ?format }"
        " OPTIONAL { ?r hk:reportedIn ?paper } OPTIONAL { ?paper hk:primaryStudy|hk:citedStudy ?s }"
        " } } GROUP BY ?pid ?file ?title ?titleEn ?lang ?sha ?journal ?year ?doi ?pmid ?volume ?issue ?pages"
        " ?pageStart ?pageEnd ?format ORDER BY ?file"
    )
    lists = _paper_lists(store)
    out = []
    for row in _select(store, query):
        pid, year = _value(row, "pid"), _optional(row, "year")
        found = lists.get(pid, {})
        authors = [value for _, value in sorted(found.get("author", []))]
        if not authors:  # graphs written before the author list (mapping 2) kept no order
            authors = sorted(value for _, value in found.get("creator", []))
        start, end = _optional(row, "pageStart"), _optional(row, "pageEnd")
        sections = tuple(sorted(found.get("section", []), key=lambda s: (s.char_start, s.char_end, s.kind)))
        language = _optional(row, "lang")
        out.append(
            PaperRow(
                id=pid,
                file=_value(row, "file"),
                title=_optional(row, "title"),
                language=language,
                sha256=_optional(row, "sha"),
                results=int(_value(row, "results")),
                studies=int(_value(row, "studies")),
                authors=tuple(authors),
                journal=_optional(row, "journal"),
                year=int(year[:4]) if year and year[:4].isdigit() else None,
                doi=_optional(row, "doi"),
                pmid=_optional(row, "pmid"),
                title_en=_optional(row, "titleEn"),
                volume=_optional(row, "volume"),
                issue=_optional(row, "issue"),
                pages=_optional(row, "pages") or (start if end is None else f"{start}-{end}"),
                keywords=tuple(value for _, value in sorted(found.get("keyword", []))),
                languages=ordered_languages(language, sections, [v for _, v in found.get("language", [])]),
                sections=sections,
                format=_optional(row, "format"),
            )
        )
    return out


def _paper_lists(store: GraphStore) -> dict[str, dict[str, list]]:
    """paper id -> list name -> members: (position, value) pairs, or PaperSection for "section"."""
    member = 'FILTER(STRSTARTS(STR(?p), STR(rdf:_))) BIND(xsd:integer(STRAFTER(STR(?p), "#_")) AS ?pos)'
    query = (
        "SELECT ?pid ?kind ?pos ?value ?lang ?start ?end WHERE { GRAPH ?g {"
        " ?paper a hk:Paper ; dcterms:identifier ?pid ."
        f' {{ ?paper bibo:authorList ?list . ?list ?p ?value . {member} BIND("author" AS ?kind) }}'
        ' UNION { ?paper dcterms:creator ?value . BIND("creator" AS ?kind) }'
        f' UNION {{ ?paper hk:keywordList ?list . ?list ?p ?value . {member} BIND("keyword" AS ?kind) }}'
        ' UNION { ?paper schema:inLanguage ?value . BIND("language" AS ?kind) }'
        " UNION { ?paper hk:languageSection ?section . ?section hk:sectionKind ?value ;"
        '   dcterms:language ?lang ; hk:sectionStart ?start ; hk:sectionEnd ?end . BIND("section" AS ?kind) }'
        " } }"
    )
    lists: dict[str, dict[str, list]] = {}
    for row in _select(store, query):
        kind = _value(row, "kind")
        found = lists.setdefault(_value(row, "pid"), {}).setdefault(kind, [])
        if kind == "section":
            start, end = int(_value(row, "start")), int(_value(row, "end"))
            found.append(PaperSection(_value(row, "value"), _value(row, "lang"), start, end))
        else:
            position = _optional(row, "pos")
            found.append((int(position) if position else 0, _value(row, "value")))
    return lists


def _split(row: Row, name: str) -> list[str]:
    text = _optional(row, name)
    return [part for part in text.split(_SEP) if part] if text else []


def _optional(row: Row, name: str) -> str | None:
    term = row.get(name)
    return None if term is None else term.value


def stored_digest(store: GraphStore, graph: NamedNode) -> str | None:
    """The content digest of the run that wrote a paper graph, or None if the graph does not exist."""
    rows = _select(
        store, f"SELECT ?d WHERE {{ GRAPH {graph} {{ ?run a hk:IngestRun ; hk:contentDigest ?d }} }}"
    )
    return _value(rows[0], "d") if len(rows) == 1 else None


def graph_digests(store: GraphStore, graphs: list[str]) -> dict[str, str]:
    """The content digest of each paper graph IRI in `graphs` that has an ingest run, in one query."""
    if not graphs:
        return {}
    values = " ".join(str(NamedNode(graph)) for graph in graphs)
    rows = _select(
        store,
        f"SELECT ?g ?d WHERE {{ VALUES ?g {{ {values} }}"
        " GRAPH ?g { ?run a hk:IngestRun ; hk:contentDigest ?d } }",
    )
    return {_value(row, "g"): _value(row, "d") for row in rows}


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
