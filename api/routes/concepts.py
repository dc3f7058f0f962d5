"""GET /concepts: the vocabularies with result counts (facets), and label lookup across languages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES
from api.routes.common import FILTER_NAMES, MAX_FILTER_CHARS, FiltersDep, reject_unknown
from kb.errors import QueryRefused
from kb.evidence import concepts

router = APIRouter(tags=["concepts"])

_PARAMETERS = ["kind", "q", "limit", *FILTER_NAMES]
ConceptKind = Literal["antigen", "intervention", "drug_class", "disease", "endpoint", "line", "population"]


class Match(BaseModel):
    text: str = Field(description="The label, or the vocabulary pattern, the query matched.")
    via: Literal["label", "pattern"]


class ConceptOut(BaseModel):
    kind: str
    id: str
    label: str
    short: str | None = None
    parent: str | None = Field(default=None, description="Parent disease (diseases).")
    drug_class: str | None = Field(default=None, description="Drug class (interventions).")
    antigens: list[str] = Field(default_factory=list, description="Target antigens (interventions).")
    labels: dict[str, list[str]] = Field(
        description="Display labels and synonyms by language (en, ru, tr, zh, ja)."
    )
    results: int = Field(description="Results matching the filters that have this concept.")
    results_with_subtypes: int | None = Field(
        default=None, description="Diseases: results including subtypes."
    )
    in_vocabulary: bool = Field(description="false: a value found in the knowledge base only.")
    match: Match | None = Field(default=None, description="How `q` matched (lookups).")


class ConceptList(BaseModel):
    kind: str | None
    q: str | None
    total: int
    concepts: list[ConceptOut]


_EXAMPLE = {
    "kind": None,
    "q": "блина",
    "total": 1,
    "concepts": [
        {
            "kind": "intervention",
            "id": "blinatumomab",
            "label": "blinatumomab",
            "drug_class": "BiTE",
            "antigens": ["CD19", "CD3"],
            "labels": {"en": ["blinatumomab", "Blincyto"], "ru": ["блинатумомаб"], "zh": ["博纳吐单抗"]},
            "results": 96,
            "in_vocabulary": True,
            "match": {"text": "блинатумомаб", "via": "label"},
        }
    ],
}


def _counts(kb: KnowledgeBaseDep, filters: FiltersDep, kinds: set[str]) -> dict[str, dict[str, int]]:
    facet_of = {"antigen", "intervention", "drug_class", "disease", "endpoint", "line", "population"}
    try:
        return kb.facets(filters, sorted(kinds & facet_of))
    except QueryRefused:
        if filters.given():
            raise
        return {kind: {} for kind in kinds}  # an empty knowledge base: every count is 0


def _results(kind: str, entry: concepts.ConceptEntry, counts: dict[str, int]) -> tuple[int, int | None]:
    folded = {key.lower(): n for key, n in counts.items()}
    if kind in ("line", "population"):
        return folded.get(entry.label.lower(), 0), None
    direct = folded.get(entry.id.lower(), 0)
    if kind in ("disease", "intervention"):
        return direct, sum(folded.get(d.lower(), 0) for d in concepts.with_subtypes([entry.id], kind))
    return direct, None


def _out(entry: concepts.ConceptEntry, counts: dict[str, int], match: Match | None = None) -> ConceptOut:
    results, with_subtypes = _results(entry.kind, entry, counts)
    return ConceptOut(
        kind=entry.kind,
        id=entry.id,
        label=entry.label,
        short=entry.short,
        parent=entry.parent,
        drug_class=entry.drug_class,
        antigens=list(entry.antigens),
        labels=entry.labels_by_language(),
        results=results,
        results_with_subtypes=with_subtypes,
        in_vocabulary=True,
        match=match,
    )


def _stored_only(kind: str, counts: dict[str, int]) -> list[ConceptOut]:
    """Values the knowledge base holds that no vocabulary concept names (e.g. a stated line)."""
    known = {n.lower() for e in concepts.entries(kind) for n in (e.id, e.label)}
    return [
        ConceptOut(kind=kind, id=key, label=key, labels={}, results=n, in_vocabulary=False)
        for key, n in counts.items()
        if key.lower() not in known
    ]


@router.get(
    "/concepts",
    response_model=ConceptList,
    responses={**ERROR_RESPONSES, 200: {"content": {"application/json": {"example": _EXAMPLE}}}},
)
def list_concepts(
    request: Request,
    kb: KnowledgeBaseDep,
    filters: FiltersDep,
    kind: Annotated[
        ConceptKind | None,
        Query(description="Which vocabulary to list, with result counts (facets).", examples=["antigen"]),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Label lookup / autocomplete in any corpus language: concepts with a label starting"
            " with q, or a wording the vocabulary accepts that starts with q (блина -> blinatumomab).",
            examples=["блина"],
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=500, description="At most this many concepts.", examples=[20])
    ] = 100,
) -> ConceptList:
    """Concepts of one kind with the number of results (matching the filters, the same as
    /outcomes) that have each one, most results first; or, with `q`, the concepts a user typing q
    may mean, best match first. At least one of kind and q is needed."""
    reject_unknown(request, _PARAMETERS)
    if kind is None and not (q and q.strip()):
        raise QueryRefused(f"give kind ({', '.join(concepts.KINDS)}) or q (a label to look up), or both")
    kinds = {kind} if kind else set(concepts.KINDS)
    counts = _counts(kb, filters, kinds)
    if q and q.strip():
        hits = concepts.lookup(q, sorted(kinds, key=concepts.KINDS.index), limit=limit)
        found = [
            _out(h.concept, counts.get(h.concept.kind, {}), Match(text=h.matched, via=h.via)) for h in hits
        ]
        return ConceptList(kind=kind, q=q, total=len(found), concepts=found)
    assert kind is not None
    entries = [_out(e, counts.get(kind, {})) for e in concepts.entries(kind)]
    entries += _stored_only(kind, counts.get(kind, {}))
    entries.sort(key=lambda c: (-c.results, c.label.casefold()))
    return ConceptList(kind=kind, q=None, total=len(entries), concepts=entries[:limit])
