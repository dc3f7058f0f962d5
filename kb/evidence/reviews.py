"""Reviews of outcome records: a reviewer accepts, rejects or corrects what the extractor found.

A review is data, not an edit. The record stays as extracted in its paper graph; each review is a
PROV activity (`hk:Review`) in one named graph of its own, `KB_BASE_IRI + "reviews"`, which no
ingest touches, so reviews survive re-ingesting their paper. Reads apply them (`ReviewBook`): a
record shows the corrected values, its `review` (status, reviewer, time, note, changes, history)
and, in `extracted`, what the extractor had said of the corrected fields.

A review keeps the fingerprint of the record it judged: the record's evidence span and extracted
values. A review whose record is gone after a re-ingest, or whose record now says something else
under the same id, is orphaned: `kb validate` and GET /health report it, and it is applied to
nothing, so a verdict is never silently carried over to a result the reviewer did not see.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyoxigraph import Literal, NamedNode, Triple

from kb.errors import KBError, QueryRefused
from kb.model.rdf_mapping import (
    DCT,
    HK,
    PROV,
    RDF,
    RDFS,
    XSD_DATETIME,
    XSD_INTEGER,
    Minter,
    triples_to_records,
)
from kb.model.records import OutcomeRecord, RecordReview, ReviewEntry, ReviewStatus, Verdict
from kb.store.base import GraphStore

VERDICTS: tuple[str, ...] = ("accepted", "rejected", "corrected")
REVIEW_STATUSES: tuple[str, ...] = ("accepted", "corrected", "rejected", "unreviewed")
# `review=` of the reads: any of REVIEW_STATUSES (comma-separated), or every record.
ANY_REVIEW = "any"
MAX_REVIEWER_CHARS = 200
MAX_NOTE_CHARS = 4000

# Contract fields a review may change. The rest identify the record or its source (id, paper,
# evidence, mentions), or are the extractor's own bookkeeping (confidence, derived).
REVIEWABLE_FIELDS: tuple[str, ...] = (
    "study",
    "arm",
    "arm_text",
    "interventions",
    "antigens",
    "disease",
    "line_of_therapy",
    "population",
    "endpoint",
    "statistic",
    "time_months",
    "value",
    "unit",
    "not_reached",
    "ci_low",
    "ci_high",
    "ci_level",
    "pm",
    "n",
    "count",
    "p_value",
    "p_operator",
    "hazard_ratio",
    "comparison",
    "grade",
    "event",
)
# What the fingerprint covers: the evidence span and what a reviewer judges.
_FINGERPRINT_FIELDS = tuple(f for f in REVIEWABLE_FIELDS if f not in ("study", "arm_text", "comparison"))

_RDF_JSON = NamedNode(RDF + "JSON")
_A = NamedNode(RDF + "type")
_P = {
    "used": NamedNode(PROV + "used"),
    "agent": NamedNode(PROV + "wasAssociatedWith"),
    "ended": NamedNode(PROV + "endedAtTime"),
    "identifier": NamedNode(DCT + "identifier"),
    "comment": NamedNode(RDFS + "comment"),
    "label": NamedNode(RDFS + "label"),
    "verdict": NamedNode(HK + "verdict"),
    "sequence": NamedNode(HK + "reviewSequence"),
    "fingerprint": NamedNode(HK + "recordFingerprint"),
    "change": NamedNode(HK + "change"),
    "field": NamedNode(HK + "changedField"),
    "value": NamedNode(RDF + "value"),
}
_REVIEW = NamedNode(HK + "Review")
_CHANGE = NamedNode(HK + "FieldChange")
_ACTIVITY = NamedNode(PROV + "Activity")
_AGENT = NamedNode(PROV + "Agent")


class ReviewRefused(KBError):
    """A review that cannot be kept as asked (422), naming the offending field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


class ReviewRequest(BaseModel):
    """The body of POST /outcomes/{id}/reviews (and what `kb review` sends)."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    changes: dict[str, Any] = Field(
        default_factory=dict,
        description='Corrected values by contract field (CONTRACT.md), e.g. {"value": 81.2, "arm": "InO"};'
        ' `study` takes a partial object ({"is_primary": true}). Only with verdict `corrected`.',
    )
    reviewer: str = Field(min_length=1, max_length=MAX_REVIEWER_CHARS)
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)


class Review(BaseModel):
    """One kept review."""

    id: str
    record_id: str
    sequence: int
    verdict: Verdict
    reviewer: str
    time: str
    note: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict)
    fingerprint: str

    def entry(self) -> ReviewEntry:
        return ReviewEntry(
            id=self.id,
            verdict=self.verdict,
            reviewer=self.reviewer,
            time=self.time,
            note=self.note,
            changes=self.changes,
        )


def fingerprint(record: OutcomeRecord) -> str:
    """What a review judged of a record: its evidence span and extracted values."""
    judged = {name: getattr(record, name) for name in _FINGERPRINT_FIELDS}
    judged["interventions"] = sorted(i.id for i in record.interventions)
    judged["disease"] = record.disease.id if record.disease is not None else None
    judged["evidence"] = [record.evidence.char_start, record.evidence.char_end]
    text = json.dumps(judged, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def corrected(record: OutcomeRecord, changes: Mapping[str, Any]) -> OutcomeRecord:
    """The record with `changes` applied, validated as a contract record; ReviewRefused naming the
    first field that the contract does not define, that a review may not change, or whose value has
    the wrong type."""
    data = record.model_dump()
    for name, value in changes.items():
        if name not in OutcomeRecord.model_fields:
            raise ReviewRefused(name, "not a field of an outcome record (see CONTRACT.md)")
        if name not in REVIEWABLE_FIELDS:
            raise ReviewRefused(name, "identifies the record or its source and cannot be changed by a review")
        if name == "study":
            if not isinstance(value, dict):
                raise ReviewRefused(name, 'must be an object of study fields, e.g. {"is_primary": true}')
            unknown = sorted(set(value) - {"label", "registry_ids", "is_primary", "design"})
            if unknown:
                raise ReviewRefused(f"study.{unknown[0]}", "not a study field a review may change")
            data["study"] = {**data["study"], **value}
        else:
            data[name] = value
    data["review"] = data["extracted"] = None
    try:
        # strict JSON validation: "81.2" is not a number, true is not a count
        return OutcomeRecord.model_validate_json(json.dumps(data, default=_dump), strict=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "changes"
        raise ReviewRefused(where, error["msg"]) from exc


def new_review(
    record: OutcomeRecord, request: ReviewRequest, sequence: int, now: datetime | None = None
) -> Review:
    """A review of `record` as asked, or ReviewRefused."""
    if request.verdict == "corrected" and not request.changes:
        raise ReviewRefused("changes", "a correction needs at least one changed field")
    if request.verdict != "corrected" and request.changes:
        raise ReviewRefused("changes", f"only a `corrected` verdict carries changes, not `{request.verdict}`")
    reviewer = " ".join(request.reviewer.split())
    if not reviewer:
        raise ReviewRefused("reviewer", "must name the reviewer")
    changed = corrected(record, request.changes)  # refuses what the contract does not allow
    changes = {name: _plain(getattr(changed, name)) for name in request.changes}
    if "study" in changes:
        changes["study"] = {k: changes["study"][k] for k in request.changes["study"]}
    time = (now or datetime.now(UTC)).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Review(
        id=uuid.uuid4().hex,
        record_id=record.id,
        sequence=sequence,
        verdict=request.verdict,
        reviewer=reviewer,
        time=time,
        note=(request.note or "").strip() or None,
        changes=changes,
        fingerprint=fingerprint(record),
    )


def _plain(value: Any) -> Any:
    return (
        value.model_dump() if isinstance(value, BaseModel) else json.loads(json.dumps(value, default=_dump))
    )


def _dump(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else str(value)


# ---------------------------------------------------------------------------- the graph


def reviews_graph(minter: Minter) -> NamedNode:
    return NamedNode(minter.base + "reviews")


def current_records(store: GraphStore, minter: Minter, record_ids: Iterable[str]) -> dict[str, OutcomeRecord]:
    """The records, as extracted now, of those of `record_ids` that exist (each paper graph read once)."""
    wanted = sorted(set(record_ids))
    if not wanted:
        return {}
    values = " ".join(str(minter.result(i)) for i in wanted)
    rows = store.query(f"SELECT DISTINCT ?g WHERE {{ VALUES ?r {{ {values} }} GRAPH ?g {{ ?r ?p ?o }} }}")
    assert isinstance(rows, list)
    found: dict[str, OutcomeRecord] = {}
    for row in rows:
        assert isinstance(row, dict)
        graph = row["g"]
        paper_id = minter.paper_id_of_graph(graph) if isinstance(graph, NamedNode) else None
        if paper_id is None:
            continue
        for record in triples_to_records(store.paper_triples(paper_id)):
            if record.id in wanted:
                found[record.id] = record
    return found


def review_book(store: GraphStore, minter: Minter) -> ReviewBook:
    """The reviews in force, and the orphaned ones, for the store as it is."""
    reviews = load_reviews(store, minter)
    return ReviewBook.build(reviews, current_records(store, minter, {r.record_id for r in reviews}))


def load_reviews(store: GraphStore, minter: Minter) -> list[Review]:
    """Every kept review, in the order they were given."""
    return reviews_from_triples(minter, store.graph_triples(reviews_graph(minter)))


def save_reviews(store: GraphStore, minter: Minter, reviews: Sequence[Review]) -> None:
    """Make `reviews` the content of the reviews graph (one transaction where the store can)."""
    store.replace_graph(reviews_graph(minter), review_triples(minter, reviews))


def review_triples(minter: Minter, reviews: Iterable[Review]) -> list[Triple]:
    """The reviews as PROV activities, in the triples of the reviews graph."""
    triples: list[Triple] = []
    agents: dict[str, NamedNode] = {}
    for review in reviews:
        node = NamedNode(minter.base + "review/" + quote(review.id, safe=""))
        agent = agents.setdefault(
            review.reviewer, NamedNode(minter.base + "reviewer/" + quote(review.reviewer, safe=""))
        )
        triples += [
            Triple(node, _A, _REVIEW),
            Triple(node, _A, _ACTIVITY),
            Triple(node, _P["identifier"], Literal(review.id)),
            Triple(node, _P["used"], minter.result(review.record_id)),
            Triple(node, _P["verdict"], Literal(review.verdict)),
            Triple(node, _P["sequence"], Literal(str(review.sequence), datatype=XSD_INTEGER)),
            Triple(node, _P["agent"], agent),
            Triple(node, _P["ended"], Literal(review.time, datatype=XSD_DATETIME)),
            Triple(node, _P["fingerprint"], Literal(review.fingerprint)),
        ]
        if review.note:
            triples.append(Triple(node, _P["comment"], Literal(review.note)))
        for name, value in review.changes.items():
            change = NamedNode(f"{node.value}/change/{quote(name, safe='')}")
            triples += [
                Triple(node, _P["change"], change),
                Triple(change, _A, _CHANGE),
                Triple(change, _P["field"], Literal(name)),
                Triple(
                    change, _P["value"], Literal(json.dumps(value, ensure_ascii=False), datatype=_RDF_JSON)
                ),
            ]
    for name, agent in agents.items():
        triples += [Triple(agent, _A, _AGENT), Triple(agent, _P["label"], Literal(name))]
    return triples


def reviews_from_triples(minter: Minter, triples: Sequence[Triple]) -> list[Review]:
    """The reviews a reviews graph holds, in the order they were given; KBError for one that is incomplete."""
    subjects: dict[str, dict[str, list[Any]]] = {}
    for triple in triples:
        subjects.setdefault(triple.subject.value, {}).setdefault(triple.predicate.value, []).append(
            triple.object
        )

    def one(props: dict[str, list[Any]], key: str) -> Any:
        values = props.get(_P[key].value, [])
        return values[0] if values else None

    result_prefix = minter.base + "result/"
    reviews = []
    for subject, props in subjects.items():
        if _REVIEW not in props.get(_A.value, []):
            continue
        used, agent = one(props, "used"), one(props, "agent")
        required = (one(props, "identifier"), used, one(props, "verdict"), one(props, "sequence"), agent)
        if any(value is None for value in required) or not used.value.startswith(result_prefix):
            raise KBError(f"review {subject} in the reviews graph is incomplete")
        changes = {}
        for change in props.get(_P["change"].value, []):
            change_props = subjects.get(change.value, {})
            name, value = one(change_props, "field"), one(change_props, "value")
            if name is None or value is None:
                raise KBError(f"review {subject}: change {change.value} is incomplete")
            changes[name.value] = json.loads(value.value)
        agent_label = one(subjects.get(agent.value, {}), "label")
        note = one(props, "comment")
        reviews.append(
            Review(
                id=one(props, "identifier").value,
                record_id=unquote(used.value[len(result_prefix) :]),
                sequence=int(one(props, "sequence").value),
                verdict=one(props, "verdict").value,
                reviewer=agent_label.value
                if agent_label is not None
                else unquote(agent.value.rsplit("/", 1)[-1]),
                time=one(props, "ended").value if one(props, "ended") is not None else "",
                note=note.value if note is not None else None,
                changes=changes,
                fingerprint=one(props, "fingerprint").value if one(props, "fingerprint") is not None else "",
            )
        )
    return sorted(reviews, key=lambda r: (r.sequence, r.time, r.id))


# ---------------------------------------------------------------------------- applying


@dataclass(frozen=True)
class OrphanedReview:
    """A review applied to nothing: its record is gone, or now says something else."""

    review: Review
    reason: str

    def line(self) -> str:
        r = self.review
        return f"review {r.id} ({r.verdict} by {r.reviewer}, {r.time}) of record {r.record_id}: {self.reason}"


@dataclass
class ReviewBook:
    """The reviews in force for the records of one state of the store.

    Built from every kept review and the current records they name (`current`: record id -> the
    record as extracted now, missing when gone): the reviews of a record that no longer matches
    their fingerprint are orphaned, the rest are in force.
    """

    in_force: dict[str, list[Review]] = field(default_factory=dict)
    orphaned: list[OrphanedReview] = field(default_factory=list)

    @classmethod
    def build(cls, reviews: Sequence[Review], current: Mapping[str, OutcomeRecord]) -> ReviewBook:
        book = cls()
        prints: dict[str, str] = {}
        for review in reviews:
            record = current.get(review.record_id)
            if record is None:
                book.orphaned.append(
                    OrphanedReview(
                        review, "the record no longer exists (its paper was re-ingested or deleted)"
                    )
                )
                continue
            if review.record_id not in prints:
                prints[review.record_id] = fingerprint(record)
            if prints[review.record_id] != review.fingerprint:
                book.orphaned.append(OrphanedReview(review, "the record has changed since it was reviewed"))
                continue
            book.in_force.setdefault(review.record_id, []).append(review)
        return book

    def status(self, record_id: str) -> ReviewStatus:
        reviews = self.in_force.get(record_id)
        return reviews[-1].verdict if reviews else "unreviewed"

    def ids_with(self, statuses: Iterable[str]) -> frozenset[str]:
        wanted = set(statuses)
        return frozenset(rid for rid, reviews in self.in_force.items() if reviews[-1].verdict in wanted)

    def apply(self, record: OutcomeRecord) -> OutcomeRecord:
        """The record as reviewed: corrections applied, `review` set (status `unreviewed` when none)."""
        reviews = self.in_force.get(record.id)
        if not reviews:
            return record if record.review is not None else unreviewed(record)
        changes: dict[str, Any] = {}
        for review in reviews:
            for name, value in review.changes.items():
                if name == "study" and isinstance(changes.get("study"), dict):
                    value = {**changes["study"], **value}
                changes[name] = value
        reviewed = corrected(record, changes) if changes else record
        latest = reviews[-1]
        extracted = {name: _plain(getattr(record, name)) for name in changes} or None
        review = RecordReview(
            status=latest.verdict,
            reviewer=latest.reviewer,
            time=latest.time,
            note=latest.note,
            changes=changes,
            history=[r.entry() for r in reviews],
        )
        return reviewed.model_copy(update={"review": review, "extracted": extracted})


UNREVIEWED = RecordReview(status="unreviewed")


def unreviewed(record: OutcomeRecord) -> OutcomeRecord:
    """The record as reads show it while no review is in force."""
    return record.model_copy(update={"review": UNREVIEWED})


def parse_review_filter(value: str | None) -> tuple[str, ...] | None:
    """The statuses `review=` asks for: None for every status (`any`); by default all but rejected."""
    if value is None or not value.strip():
        return ("accepted", "corrected", "unreviewed")
    parts = [part.strip().lower() for part in value.split(",") if part.strip()]
    if ANY_REVIEW in parts:
        return None
    unknown = [part for part in parts if part not in REVIEW_STATUSES]
    if unknown:
        allowed = ", ".join([*REVIEW_STATUSES, ANY_REVIEW])
        raise QueryRefused(f"unknown review {unknown[0]!r}; allowed: {allowed} (comma-separated)")
    return tuple(dict.fromkeys(parts))
