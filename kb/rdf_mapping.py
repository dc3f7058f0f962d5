"""Outcome records <-> RDF triples: the one place that knows how a record is written as a graph.

Ingest, export and the API all go through here, so a record read back from the store equals the
record that was written (tests/test_rdf_mapping.py holds that). Rules:

- IRIs are minted under the configured base IRI from the ids the extractor gives, so they are stable
  across re-ingests; every node also carries its id as `dcterms:identifier`, which is what is read back.
- Lists keep their order in an `rdf:Seq` (like bibo:authorList next to dcterms:creator), and each
  member is also linked directly so that SPARQL filters stay one triple pattern.
- Values the contract does not allow are refused with `ValueError("Unexpected ...: value")`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import quote, unquote

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kb.endpoints import ENDPOINTS
from kb.records import ConceptRef, OutcomeRecord, PaperRef, Span, StudyRef

# Bump when the triples written for a record change, so that re-ingesting rewrites stored papers.
MAPPING_VERSION = "1"

HK = "https://w3id.org/hemekb/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
CLINICALTRIALS = "https://clinicaltrials.gov/study/"

PREFIXES = {"hk": HK, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "dcterms": DCT, "prov": PROV, "schema": SCHEMA}


def sparql_prefixes() -> str:
    """PREFIX lines for the namespaces of the graph, for queries written elsewhere in kb/."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


def _hk(name: str) -> NamedNode:
    return NamedNode(HK + name)


A = NamedNode(RDF + "type")
RDF_SEQ = NamedNode(RDF + "Seq")
LABEL = NamedNode(RDFS + "label")
IDENTIFIER = NamedNode(DCT + "identifier")
TITLE = NamedNode(DCT + "title")
LANGUAGE = NamedNode(DCT + "language")
WAS_DERIVED_FROM = NamedNode(PROV + "wasDerivedFrom")
WAS_GENERATED_BY = NamedNode(PROV + "wasGeneratedBy")
STARTED_AT = NamedNode(PROV + "startedAtTime")
USED = NamedNode(PROV + "used")
SCHOLARLY_ARTICLE = NamedNode(SCHEMA + "ScholarlyArticle")

XSD_STRING = NamedNode(XSD + "string")
XSD_DOUBLE = NamedNode(XSD + "double")
XSD_INTEGER = NamedNode(XSD + "integer")
XSD_BOOLEAN = NamedNode(XSD + "boolean")
XSD_DATETIME = NamedNode(XSD + "dateTime")

STATISTICS = ("rate", "median", "count", "hazard_ratio", "odds_ratio", "mean")
UNITS = {"%": "percent", "months": "months", "years": "years", "days": "days", "ratio": "ratio", "n": "count"}
P_OPERATORS = ("=", "<", "<=", ">", ">=")

# Literal-valued fields of a record: field name -> (property, kind). One table for writing and reading.
_SCALARS: dict[str, tuple[NamedNode, str]] = {
    "line_of_therapy": (_hk("lineOfTherapy"), "string"),
    "population": (_hk("population"), "string"),
    "time_months": (_hk("timeMonths"), "double"),
    "value": (_hk("value"), "double"),
    "not_reached": (_hk("notReached"), "boolean"),
    "ci_low": (_hk("ciLow"), "double"),
    "ci_high": (_hk("ciHigh"), "double"),
    "ci_level": (_hk("ciLevel"), "double"),
    "pm": (_hk("plusMinus"), "double"),
    "n": (_hk("sampleSize"), "integer"),
    "count": (_hk("eventCount"), "integer"),
    "p_value": (_hk("pValue"), "double"),
    "p_operator": (_hk("pValueOperator"), "string"),
    "hazard_ratio": (_hk("hazardRatio"), "double"),
    "grade": (_hk("grade"), "string"),
    "event": (_hk("event"), "string"),
    "confidence": (_hk("confidence"), "double"),
}
_DATATYPES = {"string": XSD_STRING, "double": XSD_DOUBLE, "integer": XSD_INTEGER, "boolean": XSD_BOOLEAN}


@dataclass(frozen=True)
class PaperMeta:
    """What the graph says about a paper itself (from the ingested document, not from the records)."""

    id: str
    file: str
    sha256: str
    title: str | None = None
    language: str | None = None

    @classmethod
    def from_document(cls, document: _DocumentLike) -> PaperMeta:
        return cls(
            id=document.id,
            file=document.file,
            sha256=document.sha256,
            title=document.title,
            language=document.language,
        )

    def ref(self) -> PaperRef:
        """The `paper` field every record of this paper must carry."""
        return PaperRef(id=self.id, file=self.file, title=self.title, language=self.language)


class _DocumentLike(Protocol):
    id: str
    file: str
    sha256: str
    title: str | None
    language: str


@dataclass(frozen=True)
class RunInfo:
    """The ingest run that produced a paper graph (one per graph, replaced with it)."""

    software_version: str
    started_at: datetime
    content_digest: str


class Minter:
    """Stable IRIs for the nodes of the graph, all under one base IRI."""

    def __init__(self, base_iri: str) -> None:
        self.base = base_iri

    def _mint(self, kind: str, *keys: str) -> NamedNode:
        # safe="" percent-encodes "/" too, so a suffix such as "/evidence" can never collide with an id.
        return NamedNode(self.base + kind + "/" + "/".join(quote(key, safe="") for key in keys))

    def graph(self, paper_id: str) -> NamedNode:
        return self._mint("graph", paper_id)

    def paper_id_of_graph(self, graph: NamedNode | BlankNode) -> str | None:
        """The paper id of a paper graph name, or None for a graph that is not a paper graph."""
        return self.paper_id_of_graph_iri(graph.value) if isinstance(graph, NamedNode) else None

    def paper_id_of_graph_iri(self, iri: str) -> str | None:
        prefix = self.base + "graph/"
        return unquote(iri[len(prefix) :]) if iri.startswith(prefix) else None

    def paper(self, paper_id: str) -> NamedNode:
        return self._mint("paper", paper_id)

    def run(self, paper_id: str) -> NamedNode:
        return self._mint("run", paper_id)

    def result(self, record_id: str) -> NamedNode:
        return self._mint("result", record_id)

    def study(self, study_id: str) -> NamedNode:
        return self._mint("study", study_id)

    def arm(self, study_id: str, label: str) -> NamedNode:
        # Arm labels are free text; a digest keeps the IRI short and still stable.
        digest = hashlib.sha256(f"{study_id}\x1f{label}".encode()).hexdigest()[:16]
        return self._mint("arm", digest)

    def concept(self, kind: str, concept_id: str) -> NamedNode:
        return self._mint(kind, concept_id)

    def comparison(self, paper_id: str, comparison_id: str) -> NamedNode:
        # Comparison ids only need to be unique within a paper, so the paper scopes them.
        return self._mint("comparison", paper_id, comparison_id)


def content_digest(paper: PaperMeta, records: Sequence[OutcomeRecord]) -> str:
    """SHA-256 of everything a paper graph says except the run time: equal digests, equal graphs."""
    payload = {
        "mapping": MAPPING_VERSION,
        "paper": asdict(paper),
        "records": [record.model_dump(mode="json") for record in records],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def registry_iri(registry_id: str) -> NamedNode:
    """The registry page of a trial id; only ClinicalTrials.gov ids have a stable IRI we rely on."""
    if len(registry_id) == 11 and registry_id.startswith("NCT") and registry_id[3:].isdigit():
        return NamedNode(CLINICALTRIALS + registry_id)
    raise ValueError(f"Unexpected registry id: {registry_id!r} (supported: NCT followed by 8 digits)")


def registry_id_of(node: NamedNode | BlankNode | Literal) -> str:
    if isinstance(node, NamedNode) and node.value.startswith(CLINICALTRIALS):
        return node.value[len(CLINICALTRIALS) :]
    raise ValueError(f"Unexpected registry record: {node!r}")


# ------------------------------------------------------------------------------------------ writing


def _literal(value: object, kind: str) -> Literal:
    if kind == "string" and isinstance(value, str):
        return Literal(value)
    if kind == "boolean" and isinstance(value, bool):
        return Literal("true" if value else "false", datatype=XSD_BOOLEAN)
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return Literal(str(value), datatype=XSD_INTEGER)
    if kind == "double" and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"Unexpected non-finite number: {value!r}")
        # repr() is the shortest text that parses back to the same float, and valid xsd:double.
        return Literal(repr(float(value)), datatype=XSD_DOUBLE)
    raise ValueError(f"Unexpected {kind} value: {value!r}")


class _GraphBuilder:
    """Accumulates the triples of one paper graph; shared nodes are described once and must agree."""

    def __init__(self, minter: Minter, paper: PaperMeta) -> None:
        self.minter = minter
        self.paper = paper
        self.paper_node = minter.paper(paper.id)
        self.triples: dict[Triple, None] = {}  # an ordered set: output is deterministic
        self._described: dict[str, object] = {}

    def add(self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal) -> None:
        self.triples[Triple(subject, predicate, obj)] = None

    def _describe_once(self, node: NamedNode, facts: object) -> bool:
        """True the first time a node is seen; refuses a node described two different ways."""
        seen = self._described.get(node.value)
        if seen is None:
            self._described[node.value] = facts
            return True
        if seen != facts:
            raise ValueError(f"Unexpected conflicting descriptions of {node.value}: {seen!r} vs {facts!r}")
        return False

    def seq(self, owner: NamedNode, name: str, link: NamedNode, members: Sequence[NamedNode]) -> None:
        if not members:
            return
        seq = NamedNode(f"{owner.value}/{name}")
        self.add(owner, link, seq)
        self.add(seq, A, RDF_SEQ)
        for index, member in enumerate(members, start=1):
            self.add(seq, NamedNode(f"{RDF}_{index}"), member)

    def paper_node_triples(self, run: RunInfo) -> None:
        paper, node = self.paper, self.paper_node
        self.add(node, A, _hk("Paper"))
        self.add(node, A, SCHOLARLY_ARTICLE)
        self.add(node, IDENTIFIER, Literal(paper.id))
        self.add(node, _hk("fileName"), Literal(paper.file))
        if paper.title is not None:
            self.add(node, TITLE, Literal(paper.title))
        if paper.language is not None:
            self.add(node, LANGUAGE, Literal(paper.language))
        run_node = self.minter.run(paper.id)
        self.add(run_node, A, _hk("IngestRun"))
        self.add(run_node, STARTED_AT, Literal(run.started_at.isoformat(), datatype=XSD_DATETIME))
        self.add(run_node, _hk("softwareVersion"), Literal(run.software_version))
        self.add(run_node, _hk("paperSha256"), Literal(paper.sha256))
        self.add(run_node, _hk("contentDigest"), Literal(run.content_digest))
        self.add(run_node, USED, node)

    def study(self, study: StudyRef) -> NamedNode:
        node = self.minter.study(study.id)
        if self._describe_once(node, ("study", study.model_dump())):
            self.add(node, A, _hk("Study"))
            self.add(node, IDENTIFIER, Literal(study.id))
            self.add(node, LABEL, Literal(study.label))
            if study.design is not None:
                self.add(node, _hk("design"), Literal(study.design))
            records = [registry_iri(registry_id) for registry_id in study.registry_ids]
            for record in records:
                self.add(node, _hk("registryRecord"), record)
            self.seq(node, "registry-records", _hk("registryRecords"), records)
            role = "primaryStudy" if study.is_primary else "citedStudy"
            self.add(self.paper_node, _hk(role), node)
        return node

    def concept(self, kind: str, cls: str, concept: ConceptRef) -> NamedNode:
        node = self.minter.concept(kind, concept.id)
        if self._describe_once(node, (cls, concept.label)):
            self.add(node, A, _hk(cls))
            self.add(node, IDENTIFIER, Literal(concept.id))
            self.add(node, LABEL, Literal(concept.label))
        return node

    def span(self, node: NamedNode, span: Span) -> NamedNode:
        self.add(node, A, _hk("TextSpan"))
        self.add(node, _hk("text"), Literal(span.text))
        self.add(node, _hk("charStart"), _literal(span.char_start, "integer"))
        self.add(node, _hk("charEnd"), _literal(span.char_end, "integer"))
        self.add(node, WAS_DERIVED_FROM, self.paper_node)
        return node

    def record(self, record: OutcomeRecord) -> None:
        if record.paper != self.paper.ref():
            raise ValueError(
                f"Unexpected paper reference in record {record.id!r}: {record.paper!r}"
                f" (the paper being ingested is {self.paper.ref()!r})"
            )
        if record.endpoint not in ENDPOINTS:
            raise ValueError(f"Unexpected endpoint: {record.endpoint!r} (allowed: {', '.join(ENDPOINTS)})")
        if record.statistic not in STATISTICS:
            raise ValueError(f"Unexpected statistic: {record.statistic!r}")
        if record.unit not in UNITS:
            raise ValueError(f"Unexpected unit: {record.unit!r}")
        if record.p_operator is not None and record.p_operator not in P_OPERATORS:
            raise ValueError(f"Unexpected p-value operator: {record.p_operator!r}")

        node = self.minter.result(record.id)
        self.add(node, A, _hk("OutcomeResult"))
        self.add(node, IDENTIFIER, Literal(record.id))
        self.add(node, _hk("reportedIn"), self.paper_node)
        self.add(node, WAS_GENERATED_BY, self.minter.run(self.paper.id))

        study = self.study(record.study)
        self.add(node, _hk("study"), study)
        if record.arm is not None:
            arm = self.minter.arm(record.study.id, record.arm)
            if self._describe_once(arm, ("arm", record.study.id, record.arm)):
                self.add(arm, A, _hk("Arm"))
                self.add(arm, LABEL, Literal(record.arm))
                self.add(arm, _hk("armOf"), study)
            self.add(node, _hk("arm"), arm)

        interventions = [self.concept("intervention", "Intervention", item) for item in record.interventions]
        for item in interventions:
            self.add(node, _hk("intervention"), item)
        self.seq(node, "interventions", _hk("interventions"), interventions)

        antigens = [self.concept("antigen", "Antigen", ConceptRef(id=a, label=a)) for a in record.antigens]
        for item in antigens:
            self.add(node, _hk("antigen"), item)
        self.seq(node, "antigens", _hk("antigens"), antigens)

        if record.disease is not None:
            self.add(node, _hk("disease"), self.concept("disease", "Disease", record.disease))

        self.add(node, _hk("endpoint"), _hk(f"Endpoint_{record.endpoint}"))
        self.add(node, _hk("statistic"), _hk(f"Statistic_{record.statistic}"))
        self.add(node, _hk("unit"), _hk(f"Unit_{UNITS[record.unit]}"))
        for field, (prop, kind) in _SCALARS.items():
            value = getattr(record, field)
            if value is not None:
                self.add(node, prop, _literal(value, kind))

        if record.comparison is not None:
            comparison = self.minter.comparison(self.paper.id, record.comparison)
            if self._describe_once(comparison, ("comparison", record.comparison)):
                self.add(comparison, A, _hk("Comparison"))
                self.add(comparison, IDENTIFIER, Literal(record.comparison))
            self.add(node, _hk("comparison"), comparison)

        self.add(node, _hk("evidence"), self.span(NamedNode(f"{node.value}/evidence"), record.evidence))
        mentions = [
            self.span(NamedNode(f"{node.value}/mention/{index}"), span)
            for index, span in enumerate(record.mentions, start=1)
        ]
        for mention in mentions:
            self.add(node, _hk("mention"), mention)
        self.seq(node, "mentions", _hk("mentions"), mentions)


def records_to_triples(
    base_iri: str, paper: PaperMeta, records: Sequence[OutcomeRecord], run: RunInfo
) -> list[Triple]:
    """The triples of one paper graph: the paper, its run, and every record with its passages."""
    builder = _GraphBuilder(Minter(base_iri), paper)
    builder.paper_node_triples(run)
    seen: set[str] = set()
    for record in records:
        if record.id in seen:
            raise ValueError(f"Unexpected duplicate record id in paper {paper.id!r}: {record.id!r}")
        seen.add(record.id)
        builder.record(record)
    return list(builder.triples)


# ------------------------------------------------------------------------------------------ reading

_Term = NamedNode | BlankNode | Literal


class _Index:
    """subject -> predicate -> objects of one paper graph, with strict single-value accessors."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.facts: dict[str, dict[str, list[_Term]]] = defaultdict(lambda: defaultdict(list))
        for triple in triples:
            subject = triple.subject
            if not isinstance(subject, NamedNode):
                raise ValueError(f"Unexpected subject: {subject!r}")
            self.facts[subject.value][triple.predicate.value].append(triple.object)

    def subjects_of_type(self, cls: NamedNode) -> list[str]:
        return [s for s, props in self.facts.items() if cls in props.get(A.value, [])]

    def all(self, subject: str, prop: NamedNode) -> list[_Term]:
        return self.facts.get(subject, {}).get(prop.value, [])

    def optional(self, subject: str, prop: NamedNode) -> _Term | None:
        values = self.all(subject, prop)
        if len(values) > 1:
            raise ValueError(f"Unexpected several values of {prop.value} on {subject}: {values!r}")
        return values[0] if values else None

    def one(self, subject: str, prop: NamedNode) -> _Term:
        value = self.optional(subject, prop)
        if value is None:
            raise ValueError(f"Unexpected missing {prop.value} on {subject}")
        return value

    def node(self, subject: str, prop: NamedNode) -> str:
        value = self.one(subject, prop)
        if not isinstance(value, NamedNode):
            raise ValueError(f"Unexpected object of {prop.value} on {subject}: {value!r}")
        return value.value

    def optional_node(self, subject: str, prop: NamedNode) -> str | None:
        return None if self.optional(subject, prop) is None else self.node(subject, prop)

    def text(self, subject: str, prop: NamedNode) -> str:
        return _python_value(self.one(subject, prop), "string")

    def optional_text(self, subject: str, prop: NamedNode) -> str | None:
        value = self.optional(subject, prop)
        return None if value is None else _python_value(value, "string")

    def seq(self, subject: str, prop: NamedNode) -> list[str]:
        """Members of the rdf:Seq linked by `prop`, in order; [] when there is none."""
        seq = self.optional_node(subject, prop)
        if seq is None:
            return []
        members: dict[int, str] = {}
        for predicate, objects in self.facts[seq].items():
            if predicate == A.value:
                continue
            if not predicate.startswith(RDF + "_") or len(objects) != 1:
                raise ValueError(f"Unexpected member of {seq}: {predicate} {objects!r}")
            member = objects[0]
            if not isinstance(member, NamedNode):
                raise ValueError(f"Unexpected member of {seq}: {member!r}")
            members[int(predicate[len(RDF) + 1 :])] = member.value
        if sorted(members) != list(range(1, len(members) + 1)):
            raise ValueError(f"Unexpected gaps in {seq}: {sorted(members)}")
        return [members[index] for index in range(1, len(members) + 1)]


def _python_value(term: _Term, kind: str) -> object:
    if not isinstance(term, Literal) or term.datatype != _DATATYPES[kind] or term.language:
        raise ValueError(f"Unexpected {kind} literal: {term!r}")
    lexical = term.value
    if kind == "string":
        return lexical
    if kind == "integer":
        return int(lexical)
    if kind == "double":
        return float(lexical)
    if lexical in ("true", "1"):
        return True
    if lexical in ("false", "0"):
        return False
    raise ValueError(f"Unexpected boolean literal: {term!r}")


def _code(iri: str, prefix: str, allowed: Iterable[str]) -> str:
    """The code of a vocabulary individual such as hk:Endpoint_OS, checked against the closed set."""
    code = iri[len(HK + prefix) :] if iri.startswith(HK + prefix) else None
    if code is None or code not in allowed:
        raise ValueError(f"Unexpected {prefix.rstrip('_').lower()}: {iri!r}")
    return code


def _read_record(index: _Index, subject: str) -> OutcomeRecord:
    paper = index.node(subject, _hk("reportedIn"))
    study = index.node(subject, _hk("study"))
    primary = NamedNode(study) in index.all(paper, _hk("primaryStudy"))
    cited = NamedNode(study) in index.all(paper, _hk("citedStudy"))
    if primary == cited:
        raise ValueError(f"Unexpected study role of {study} in {paper}: primary={primary}, cited={cited}")

    def concept(node: str) -> ConceptRef:
        return ConceptRef(id=index.text(node, IDENTIFIER), label=index.text(node, LABEL))

    arm = index.optional_node(subject, _hk("arm"))
    disease = index.optional_node(subject, _hk("disease"))
    comparison = index.optional_node(subject, _hk("comparison"))
    unit_names = {name: unit for unit, name in UNITS.items()}
    fields: dict[str, object] = {
        "id": index.text(subject, IDENTIFIER),
        "paper": PaperRef(
            id=index.text(paper, IDENTIFIER),
            file=index.text(paper, _hk("fileName")),
            title=index.optional_text(paper, TITLE),
            language=index.optional_text(paper, LANGUAGE),
        ),
        "study": StudyRef(
            id=index.text(study, IDENTIFIER),
            label=index.text(study, LABEL),
            registry_ids=[registry_id_of(NamedNode(r)) for r in index.seq(study, _hk("registryRecords"))],
            is_primary=primary,
            design=index.optional_text(study, _hk("design")),
        ),
        "arm": None if arm is None else index.text(arm, LABEL),
        "interventions": [concept(node) for node in index.seq(subject, _hk("interventions"))],
        "antigens": [index.text(node, LABEL) for node in index.seq(subject, _hk("antigens"))],
        "disease": None if disease is None else concept(disease),
        "endpoint": _code(index.node(subject, _hk("endpoint")), "Endpoint_", ENDPOINTS),
        "statistic": _code(index.node(subject, _hk("statistic")), "Statistic_", STATISTICS),
        "unit": unit_names[_code(index.node(subject, _hk("unit")), "Unit_", unit_names)],
        "comparison": None if comparison is None else index.text(comparison, IDENTIFIER),
        "evidence": _read_span(index, index.node(subject, _hk("evidence"))),
        "mentions": [_read_span(index, node) for node in index.seq(subject, _hk("mentions"))],
    }
    for field, (prop, kind) in _SCALARS.items():
        term = index.optional(subject, prop)
        if term is not None:
            fields[field] = _python_value(term, kind)
    return OutcomeRecord.model_validate(fields)


def _read_span(index: _Index, node: str) -> Span:
    return Span(
        text=index.text(node, _hk("text")),
        char_start=_python_value(index.one(node, _hk("charStart")), "integer"),
        char_end=_python_value(index.one(node, _hk("charEnd")), "integer"),
    )


def triples_to_records(triples: Iterable[Triple]) -> list[OutcomeRecord]:
    """Every outcome record of one paper graph, ordered by evidence offset then id."""
    index = _Index(triples)
    records = [_read_record(index, s) for s in index.subjects_of_type(_hk("OutcomeResult"))]
    return sorted(records, key=lambda r: (r.evidence.char_start, r.id))


def read_run(triples: Iterable[Triple]) -> RunInfo | None:
    """The ingest run recorded in one paper graph, or None if the graph has none."""
    index = _Index(triples)
    runs = index.subjects_of_type(_hk("IngestRun"))
    if not runs:
        return None
    if len(runs) > 1:
        raise ValueError(f"Unexpected several ingest runs in one paper graph: {runs}")
    started = index.one(runs[0], STARTED_AT)
    if not isinstance(started, Literal) or started.datatype != XSD_DATETIME:
        raise ValueError(f"Unexpected run start time: {started!r}")
    return RunInfo(
        software_version=index.text(runs[0], _hk("softwareVersion")),
        started_at=datetime.fromisoformat(started.value),
        content_digest=index.text(runs[0], _hk("contentDigest")),
    )
