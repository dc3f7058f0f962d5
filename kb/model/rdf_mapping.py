"""Outcome records <-> RDF triples: the one place that knows how a record is written as a graph.

Ingest, export and the API all go through here, so a record read back from the store equals the
record that was written (tests/test_rdf_mapping.py holds that). Rules:

- IRIs are minted under the configured base IRI from the ids the extractor gives, so they are stable
  across re-ingests; every node also carries its id as `dcterms:identifier`, which is what is read back.
- Lists keep their order in an `rdf:Seq` (like bibo:authorList next to dcterms:creator), and each
  member is also linked directly so that SPARQL filters stay one triple pattern.
- Values the contract does not allow are refused with `ValueError("Unexpected ...: value")`.
- A result follows the pattern of FHIR's Evidence resource: variable definitions with roles (the
  population, the exposure, the measured variable) and one statistic with its type, quantity,
  sample size and attribute estimates (confidence interval, p-value, ±, hazard ratio). The concepts
  are also linked from the result directly, so SPARQL filters stay one triple pattern.
- A paper graph only points at concepts (antigens, interventions, diseases, endpoints, lines of
  therapy, populations); what a concept is (labels in every language, `skos:exactMatch` to HGNC or
  NCIt) is said once, in the vocabulary graphs of kb/model/vocabulary_graphs.py, so that the union of the
  graphs holds each triple once. A concept read back takes its label from the vocabulary; only a
  concept the vocabulary lacks (or labels otherwise) is described in the paper graph itself.
- Numbers are xsd:decimal (values, bounds, hazard ratios, confidence: to 15 significant digits), and
  xsd:integer for counts, sample sizes, offsets and whole time points, so that a plain triple
  pattern such as `hk:timeMonths 12` matches without a cast.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kb.evidence import concepts
from kb.model.endpoints import ENDPOINTS
from kb.model.records import ConceptRef, FollowUp, OutcomeRecord, PaperRef, Span, StudyRef
from kb.vocab import read_yaml

# Bump when the triples written for a record change, so that re-ingesting rewrites stored papers.
# 3: the paper's full bibliographic record (English title, volume, issue, pages, keywords, author
# order, languages and language sections, source format).
# 4: concepts described in the vocabulary graphs, not per paper; numbers xsd:decimal / xsd:integer;
# line of therapy and population linked to their concepts.
# 6: the paper's PubMed id (bibo:pmid, rdfs:seeAlso) and the study's stated follow-up.
MAPPING_VERSION = "6"

HK = "https://w3id.org/hemekb/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OBO = "http://purl.obolibrary.org/obo/"
CLINICALTRIALS = "https://clinicaltrials.gov/study/"
HGNC = "https://identifiers.org/hgnc:"  # HGNC:1633 -> https://identifiers.org/hgnc:1633
NCIT = OBO + "NCIT_"  # C62528 -> http://purl.obolibrary.org/obo/NCIT_C62528
DOI = "https://doi.org/"
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/"
BIBO = "http://purl.org/ontology/bibo/"

PREFIXES = {
    "hk": HK,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "dcterms": DCT,
    "prov": PROV,
    "schema": SCHEMA,
    "skos": SKOS,
    "obo": OBO,
    "bibo": BIBO,
}


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
CREATOR = NamedNode(DCT + "creator")
ISSUED = NamedNode(DCT + "issued")
SAME_AS = NamedNode(SCHEMA + "sameAs")
SEE_ALSO = NamedNode(RDFS + "seeAlso")
# Bibliographic properties reused where their definitions fit a journal article (checked against
# the Dublin Core terms, schema.org and BIBO 1.3 definitions; see kb/model/ontology.ttl for the hk: ones).
ALTERNATIVE_TITLE = NamedNode(DCT + "alternative")
IN_LANGUAGE = NamedNode(SCHEMA + "inLanguage")
KEYWORDS = NamedNode(SCHEMA + "keywords")
AUTHOR_LIST = NamedNode(BIBO + "authorList")
VOLUME = NamedNode(BIBO + "volume")
PAGES = NamedNode(BIBO + "pages")
PMID = NamedNode(BIBO + "pmid")
PAGE_START = NamedNode(BIBO + "pageStart")
PAGE_END = NamedNode(BIBO + "pageEnd")
EXACT_MATCH = NamedNode(SKOS + "exactMatch")
# Estimate types reused from OBO ontologies (checked: OBI_0000175 "p-value", STATO_0000196
# "confidence interval"); the others are hemekb's own.
P_VALUE_TYPE = NamedNode(OBO + "OBI_0000175")
CONFIDENCE_INTERVAL_TYPE = NamedNode(OBO + "STATO_0000196")

XSD_STRING = NamedNode(XSD + "string")
XSD_DOUBLE = NamedNode(XSD + "double")
XSD_DECIMAL = NamedNode(XSD + "decimal")
XSD_INTEGER = NamedNode(XSD + "integer")
XSD_BOOLEAN = NamedNode(XSD + "boolean")
XSD_DATETIME = NamedNode(XSD + "dateTime")
XSD_GYEAR = NamedNode(XSD + "gYear")

STATISTICS = ("rate", "median", "count", "hazard_ratio", "odds_ratio", "mean")
UNITS = {"%": "percent", "months": "months", "years": "years", "days": "days", "ratio": "ratio", "n": "count"}
P_OPERATORS = ("=", "<", "<=", ">", ">=")

# Literal-valued fields of a record, by the node that carries them: field -> (property, kind).
# One table each for writing and reading.
_SCALARS: dict[str, tuple[NamedNode, str]] = {  # on the result
    "line_of_therapy": (_hk("lineOfTherapy"), "string"),
    "population": (_hk("population"), "string"),
    "grade": (_hk("grade"), "string"),
    "event": (_hk("event"), "string"),
    "confidence": (_hk("confidence"), "decimal"),
}
_STATISTIC_SCALARS: dict[str, tuple[NamedNode, str]] = {  # on the result's statistic
    "value": (_hk("value"), "decimal"),
    "not_reached": (_hk("notReached"), "boolean"),
    "time_months": (_hk("timeMonths"), "number"),
    "n": (_hk("sampleSize"), "integer"),
    "count": (_hk("eventCount"), "integer"),
}
# Attribute estimates of the statistic: local name -> (estimate type, {field: (property, kind)}).
_ESTIMATES: dict[str, tuple[NamedNode, dict[str, tuple[NamedNode, str]]]] = {
    "confidence-interval": (
        CONFIDENCE_INTERVAL_TYPE,
        {
            "ci_low": (_hk("rangeLow"), "decimal"),
            "ci_high": (_hk("rangeHigh"), "decimal"),
            "ci_level": (_hk("level"), "decimal"),
        },
    ),
    "p-value": (
        P_VALUE_TYPE,
        {"p_value": (_hk("value"), "decimal"), "p_operator": (_hk("comparator"), "string")},
    ),
    "plus-minus": (_hk("Estimate_plus_minus"), {"pm": (_hk("value"), "decimal")}),
    "hazard-ratio": (_hk("Estimate_hazard_ratio"), {"hazard_ratio": (_hk("value"), "decimal")}),
}
# FHIR Evidence variable roles: local name -> (role individual, concept fields observed in it).
_ROLES = {
    "population": _hk("Role_population"),
    "exposure": _hk("Role_exposure"),
    "outcome": _hk("Role_measuredVariable"),
}
# Classes of the concepts a paper graph may have to describe itself
# (kb/model/vocabulary_graphs.py has the rest).
_CONCEPT_CLASSES = {
    "intervention": "Intervention",
    "antigen": "Antigen",
    "disease": "Disease",
    "line": "LineOfTherapy",
    "population": "Population",
    "design": "StudyDesign",
}
_DATATYPES = {"string": XSD_STRING, "integer": XSD_INTEGER, "boolean": XSD_BOOLEAN}
# Datatypes a number may be read back from ("number": integer when whole, else decimal).
_NUMERIC = (XSD_DECIMAL, XSD_INTEGER, XSD_DOUBLE)


@dataclass(frozen=True)
class PaperSection:
    """A stretch of a paper's text in one language (ingest.document.LanguageSection)."""

    kind: str  # "front", "abstract" or "body"
    language: str
    char_start: int
    char_end: int


@dataclass(frozen=True)
class PaperMeta:
    """What the graph says about a paper itself (from the ingested document, not from the records).

    `languages` is kept in the order the graph gives back: the main language first, then the others
    by their first section, then any without a section in name order; `sections` by offset.
    """

    id: str
    file: str
    sha256: str
    title: str | None = None  # in the paper's own language where the text has it
    language: str | None = None
    # Bibliographic details, written where the document has found them.
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
    languages: tuple[str, ...] = ()  # every language with a section of its own
    sections: tuple[PaperSection, ...] = ()
    format: str | None = None  # the reader that decoded the file: text, html, jats, pdf

    def __post_init__(self) -> None:
        sections = tuple(sorted(self.sections, key=lambda s: (s.char_start, s.char_end, s.kind, s.language)))
        object.__setattr__(self, "sections", sections)
        object.__setattr__(self, "authors", tuple(self.authors))
        object.__setattr__(self, "keywords", tuple(self.keywords))
        object.__setattr__(self, "languages", ordered_languages(self.language, sections, self.languages))

    @classmethod
    def from_document(cls, document: _DocumentLike) -> PaperMeta:
        sections = getattr(document, "sections", None) or ()
        return cls(
            id=document.id,
            file=document.file,
            sha256=document.sha256,
            title=document.title,
            language=document.language,
            authors=tuple(getattr(document, "authors", None) or ()),
            journal=getattr(document, "journal", None),
            year=getattr(document, "year", None),
            doi=getattr(document, "doi", None),
            pmid=getattr(document, "pmid", None),
            title_en=getattr(document, "title_en", None),
            volume=getattr(document, "volume", None),
            issue=getattr(document, "issue", None),
            pages=getattr(document, "pages", None),
            keywords=tuple(getattr(document, "keywords", None) or ()),
            languages=tuple(getattr(document, "languages", None) or ()),
            sections=tuple(PaperSection(s.kind, s.language, s.char_start, s.char_end) for s in sections),
            format=getattr(document, "format", None),
        )

    def ref(self) -> PaperRef:
        """The `paper` field every record of this paper must carry."""
        return PaperRef(id=self.id, file=self.file, title=self.title, language=self.language)


def ordered_languages(
    main: str | None, sections: Sequence[PaperSection], languages: Iterable[str]
) -> tuple[str, ...]:
    """`languages` (plus the main one, if any) in the one order the graph gives back: the main one,
    the others by their first section, then any without a section in name order."""
    wanted = set(languages)
    if not wanted:
        return ()
    if main is not None:
        wanted.add(main)
    ordered = [main] if main is not None else []
    ordered += [s.language for s in sections if s.language in wanted]
    ordered += sorted(wanted)
    return tuple(dict.fromkeys(ordered))


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
        # what a paper graph says of its concepts (described or not, line and population links)
        # follows the vocabularies: a vocabulary change rewrites the paper graphs
        "vocabulary": vocabulary_digest(),
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


_VOCAB_DIR = Path(__file__).resolve().parents[1] / "vocab"


@cache
def external_id_table() -> dict[str, dict[str, list[str]]]:
    """kind -> concept id -> external IRIs, from the checked `hgnc` / `ncit` fields of kb/vocab/*.yaml."""
    table: dict[str, dict[str, list[str]]] = {"antigen": {}, "intervention": {}, "disease": {}}
    sources = (
        ("antigen", "antigens", "symbol"),
        ("intervention", "interventions", "id"),
        ("disease", "diseases", "id"),
    )
    for kind, name, key in sources:
        path = _VOCAB_DIR / f"{name}.yaml"
        if not path.exists():
            continue
        for entry in read_yaml(path) or []:
            if not isinstance(entry, dict) or key not in entry:
                continue
            iris = []
            hgnc = entry.get("hgnc")
            if hgnc:
                number = str(hgnc).removeprefix("HGNC:")
                if not number.isdigit():
                    raise ValueError(f"Unexpected HGNC id in {path.name}: {hgnc!r}")
                iris.append(HGNC + number)
            ncit = entry.get("ncit")
            if ncit:
                code = str(ncit).removeprefix("NCIT:")
                if not (code.startswith("C") and code[1:].isdigit()):
                    raise ValueError(f"Unexpected NCIt code in {path.name}: {ncit!r}")
                iris.append(NCIT + code)
            if iris:
                table[kind][str(entry[key])] = iris
    return table


def registry_id_of(node: NamedNode | BlankNode | Literal) -> str:
    if isinstance(node, NamedNode) and node.value.startswith(CLINICALTRIALS):
        return node.value[len(CLINICALTRIALS) :]
    raise ValueError(f"Unexpected registry record: {node!r}")


# ------------------------------------------------------------------------------------------ writing

# "62-72" or "e123": one continuous page range (bibo:pageStart/pageEnd); anything else is bibo:pages.
_PAGE_RANGE = re.compile(r"^(?P<start>[^\s,;–—‒-]+)(?:-(?P<end>[^\s,;–—‒-]+))?$")


def _literal(value: object, kind: str) -> Literal:
    if kind == "string" and isinstance(value, str):
        return Literal(value)
    if kind == "boolean" and isinstance(value, bool):
        return Literal("true" if value else "false", datatype=XSD_BOOLEAN)
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return Literal(str(value), datatype=XSD_INTEGER)
    if kind in ("decimal", "number") and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"Unexpected non-finite number: {value!r}")
        if kind == "number" and float(value).is_integer():
            return Literal(str(int(value)), datatype=XSD_INTEGER)
        # 15 significant digits: more than any paper states, and what every backend keeps exactly
        # (Virtuoso's decimals hold 15; 0.1 + 0.2 is written 0.3). Plain notation: 1e-05 is not a
        # valid xsd:decimal, 0.00001 is.
        return Literal(format(Decimal(f"{float(value):.15g}"), "f"), datatype=XSD_DECIMAL)
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

    def seq(
        self, owner: NamedNode, name: str, link: NamedNode, members: Sequence[NamedNode | Literal]
    ) -> None:
        """An rdf:Seq of `members` (nodes, or literals such as author names), in the order given."""
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
        for author in paper.authors:
            self.add(node, CREATOR, Literal(author))
        if paper.journal is not None:
            self.add(node, _hk("journal"), Literal(paper.journal))
        if paper.year is not None:
            self.add(node, ISSUED, Literal(str(paper.year), datatype=XSD_GYEAR))
        if paper.doi is not None:
            self.add(node, _hk("doi"), Literal(paper.doi))
            self.add(node, SAME_AS, NamedNode(DOI + quote(paper.doi, safe="/:;()._-")))
        if paper.pmid is not None:
            self.add(node, PMID, Literal(paper.pmid))
            self.add(node, SEE_ALSO, NamedNode(PUBMED + paper.pmid))
        self.bibliographic_triples()
        run_node = self.minter.run(paper.id)
        self.add(run_node, A, _hk("IngestRun"))
        self.add(run_node, STARTED_AT, Literal(run.started_at.isoformat(), datatype=XSD_DATETIME))
        self.add(run_node, _hk("softwareVersion"), Literal(run.software_version))
        self.add(run_node, _hk("paperSha256"), Literal(paper.sha256))
        self.add(run_node, _hk("contentDigest"), Literal(run.content_digest))
        self.add(run_node, USED, node)

    def bibliographic_triples(self) -> None:
        """The English title, author order, volume/issue/pages, keywords, languages and sections."""
        paper, node = self.paper, self.paper_node
        if paper.title_en is not None:
            self.add(node, ALTERNATIVE_TITLE, Literal(paper.title_en, language="en"))
        self.seq(node, "authors", AUTHOR_LIST, [Literal(author) for author in paper.authors])
        if paper.volume is not None:
            self.add(node, VOLUME, Literal(paper.volume))
        if paper.issue is not None:
            self.add(node, _hk("issue"), Literal(paper.issue))
        if paper.pages is not None:
            page_range = _PAGE_RANGE.match(paper.pages)
            if page_range is None:  # BIBO: bibo:pages for anything but one continuous range
                self.add(node, PAGES, Literal(paper.pages))
            else:
                self.add(node, PAGE_START, Literal(page_range.group("start")))
                if page_range.group("end") is not None:
                    self.add(node, PAGE_END, Literal(page_range.group("end")))
        for keyword in paper.keywords:
            self.add(node, KEYWORDS, Literal(keyword))
        self.seq(node, "keywords", _hk("keywordList"), [Literal(word) for word in paper.keywords])
        for language in paper.languages:
            self.add(node, IN_LANGUAGE, Literal(language))
        for index, section in enumerate(paper.sections, start=1):
            section_node = NamedNode(f"{node.value}/section/{index}")
            self.add(node, _hk("languageSection"), section_node)
            self.add(section_node, A, _hk("LanguageSection"))
            self.add(section_node, _hk("sectionKind"), Literal(section.kind))
            self.add(section_node, LANGUAGE, Literal(section.language))
            self.add(section_node, _hk("sectionStart"), _literal(section.char_start, "integer"))
            self.add(section_node, _hk("sectionEnd"), _literal(section.char_end, "integer"))
        if paper.format is not None:
            self.add(node, _hk("sourceFormat"), Literal(paper.format))

    def study(self, study: StudyRef) -> NamedNode:
        node = self.minter.study(study.id)
        if self._describe_once(node, ("study", study.model_dump())):
            self.add(node, A, _hk("Study"))
            self.add(node, IDENTIFIER, Literal(study.id))
            self.add(node, LABEL, Literal(study.label))
            if study.design is not None:
                self.add(node, _hk("design"), Literal(study.design))
                # the stated design stays a literal; the design concept it names is linked beside it
                design = stated_concept("design", study.design)
                if design is not None:
                    ref = ConceptRef(id=design, label=concept_label("design", design))
                    self.add(node, _hk("designConcept"), self.concept("design", ref))
            if study.follow_up is not None:
                # months computed from the stated value and unit; the statement is the span
                self.add(node, _hk("followUpMonths"), _literal(study.follow_up.months, "decimal"))
                self.add(node, _hk("followUpIsMedian"), _literal(study.follow_up.median, "boolean"))
                span = self.span(NamedNode(f"{node.value}/follow-up"), study.follow_up.evidence)
                self.add(node, _hk("followUpEvidence"), span)
            records = [registry_iri(registry_id) for registry_id in study.registry_ids]
            for record in records:
                self.add(node, _hk("registryRecord"), record)
            self.seq(node, "registry-records", _hk("registryRecords"), records)
            role = "primaryStudy" if study.is_primary else "citedStudy"
            self.add(self.paper_node, _hk(role), node)
        return node

    def concept(self, kind: str, concept: ConceptRef | str) -> NamedNode:
        """The concept's IRI. A vocabulary concept is described in its vocabulary graph; one the
        vocabulary lacks (or labels otherwise) is described here, in the paper graph."""
        concept_id, label = (concept, concept) if isinstance(concept, str) else (concept.id, concept.label)
        node = self.minter.concept(kind, concept_id)
        entry = concepts.entry(kind, concept_id)
        if (entry is None or entry.label != label) and self._describe_once(node, (kind, label)):
            self.add(node, A, _hk(_CONCEPT_CLASSES[kind]))
            self.add(node, IDENTIFIER, Literal(concept_id))
            self.add(node, LABEL, Literal(label))
        return node

    def variable(self, result: NamedNode, name: str, observed: Sequence[NamedNode]) -> None:
        """A FHIR-style variable definition of the result: its role and the concepts it observes."""
        if not observed:
            return
        node = NamedNode(f"{result.value}/variable/{name}")
        self.add(result, _hk("variableDefinition"), node)
        self.add(node, A, _hk("VariableDefinition"))
        self.add(node, _hk("variableRole"), _ROLES[name])
        for concept in observed:
            self.add(node, _hk("observed"), concept)

    def statistic(self, result: NamedNode, record: OutcomeRecord) -> None:
        """The result's statistic: type, quantity (value and unit), sample size, attribute estimates."""
        node = NamedNode(f"{result.value}/statistic")
        self.add(result, _hk("statistic"), node)
        self.add(node, A, _hk("Statistic"))
        self.add(node, _hk("statisticType"), _hk(f"Statistic_{record.statistic}"))
        self.add(node, _hk("unit"), _hk(f"Unit_{UNITS[record.unit]}"))
        for field, (prop, kind) in _STATISTIC_SCALARS.items():
            value = getattr(record, field)
            if value is not None:
                self.add(node, prop, _literal(value, kind))
        for name, (estimate_type, fields) in _ESTIMATES.items():
            values = {field: getattr(record, field) for field in fields}
            if all(value is None for value in values.values()):
                continue
            estimate = NamedNode(f"{node.value}/{name}")
            self.add(node, _hk("attributeEstimate"), estimate)
            self.add(estimate, A, _hk("AttributeEstimate"))
            self.add(estimate, _hk("estimateType"), estimate_type)
            for field, (prop, kind) in fields.items():
                if values[field] is not None:
                    self.add(estimate, prop, _literal(values[field], kind))

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
        if record.arm_text is not None:
            self.add(node, _hk("armText"), Literal(record.arm_text))

        interventions = [self.concept("intervention", item) for item in record.interventions]
        for item in interventions:
            self.add(node, _hk("intervention"), item)
        self.seq(node, "interventions", _hk("interventions"), interventions)

        antigens = [self.concept("antigen", a) for a in record.antigens]
        for item in antigens:
            self.add(node, _hk("antigen"), item)
        self.seq(node, "antigens", _hk("antigens"), antigens)

        disease = None
        if record.disease is not None:
            disease = self.concept("disease", record.disease)
            self.add(node, _hk("disease"), disease)

        endpoint = _hk(f"Endpoint_{record.endpoint}")
        self.add(node, _hk("endpoint"), endpoint)
        self.variable(node, "population", [disease] if disease is not None else [])
        self.variable(node, "exposure", [*interventions, *antigens])
        self.variable(node, "outcome", [endpoint])
        self.statistic(node, record)
        for field, (prop, kind) in _SCALARS.items():
            value = getattr(record, field)
            if value is not None:
                self.add(node, prop, _literal(value, kind))
        # The stated line and population stay literals; the concept they name is linked beside them.
        for kind, prop, stated in (
            ("line", "lineOfTherapyConcept", record.line_of_therapy),
            ("population", "populationConcept", record.population),
        ):
            concept_id = stated_concept(kind, stated)
            if concept_id is not None:
                ref = ConceptRef(id=concept_id, label=concept_label(kind, concept_id))
                self.add(node, _hk(prop), self.concept(kind, ref))

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
        for name in record.derived:
            # "value: 69 of 110": the field, and what it was computed from
            self.add(node, _hk("derived"), Literal(f"{name}: {record.derived_from.get(name, '')}"))


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
        members = self.seq_terms(subject, prop)
        bad = [member for member in members if not isinstance(member, NamedNode)]
        if bad:
            raise ValueError(f"Unexpected member of the {prop.value} list of {subject}: {bad[0]!r}")
        return [member.value for member in members]

    def literal_seq(self, subject: str, prop: NamedNode) -> list[str]:
        """The plain-literal members of the rdf:Seq linked by `prop`, in order; [] when there is none."""
        return [_python_value(member, "string") for member in self.seq_terms(subject, prop)]  # type: ignore[misc]

    def seq_terms(self, subject: str, prop: NamedNode) -> list[_Term]:
        seq = self.optional_node(subject, prop)
        if seq is None:
            return []
        members: dict[int, _Term] = {}
        for predicate, objects in self.facts[seq].items():
            if predicate == A.value:
                continue
            if not predicate.startswith(RDF + "_") or len(objects) != 1:
                raise ValueError(f"Unexpected member of {seq}: {predicate} {objects!r}")
            members[int(predicate[len(RDF) + 1 :])] = objects[0]
        if sorted(members) != list(range(1, len(members) + 1)):
            raise ValueError(f"Unexpected gaps in {seq}: {sorted(members)}")
        return [members[index] for index in range(1, len(members) + 1)]


def _python_value(term: _Term, kind: str) -> object:
    if kind in ("decimal", "number"):
        if not isinstance(term, Literal) or term.datatype not in _NUMERIC:
            raise ValueError(f"Unexpected {kind} literal: {term!r}")
        return float(term.value)
    if not isinstance(term, Literal) or term.datatype != _DATATYPES[kind] or term.language:
        raise ValueError(f"Unexpected {kind} literal: {term!r}")
    lexical = term.value
    if kind == "string":
        return lexical
    if kind == "integer":
        return int(lexical)
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
        kind, concept_id = _concept_key(node)
        return ConceptRef(
            id=concept_id, label=index.optional_text(node, LABEL) or concept_label(kind, concept_id)
        )

    arm = index.optional_node(subject, _hk("arm"))
    disease = index.optional_node(subject, _hk("disease"))
    comparison = index.optional_node(subject, _hk("comparison"))
    statistic = index.node(subject, _hk("statistic"))
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
            follow_up=_read_follow_up(index, study),
        ),
        "arm": None if arm is None else index.text(arm, LABEL),
        "arm_text": index.optional_text(subject, _hk("armText")),
        "interventions": [concept(node) for node in index.seq(subject, _hk("interventions"))],
        "antigens": [_concept_key(node)[1] for node in index.seq(subject, _hk("antigens"))],
        "disease": None if disease is None else concept(disease),
        "endpoint": _code(index.node(subject, _hk("endpoint")), "Endpoint_", ENDPOINTS),
        "statistic": _code(index.node(statistic, _hk("statisticType")), "Statistic_", STATISTICS),
        "unit": unit_names[_code(index.node(statistic, _hk("unit")), "Unit_", unit_names)],
        "comparison": None if comparison is None else index.text(comparison, IDENTIFIER),
        "evidence": _read_span(index, index.node(subject, _hk("evidence"))),
        "mentions": [_read_span(index, node) for node in index.seq(subject, _hk("mentions"))],
        **_read_derived(_python_value(term, "string") for term in index.all(subject, _hk("derived"))),
    }
    for field, (prop, kind) in _SCALARS.items():
        term = index.optional(subject, prop)
        if term is not None:
            fields[field] = _python_value(term, kind)
    for field, (prop, kind) in _STATISTIC_SCALARS.items():
        term = index.optional(statistic, prop)
        if term is not None:
            fields[field] = _python_value(term, kind)
    estimates = {index.node(e, _hk("estimateType")): e for e in _nodes(index, statistic, "attributeEstimate")}
    known_types = {estimate_type.value for estimate_type, _ in _ESTIMATES.values()}
    unknown = sorted(set(estimates) - known_types)
    if unknown:
        raise ValueError(f"Unexpected estimate type on {statistic}: {unknown[0]}")
    for estimate_type, estimate_fields in _ESTIMATES.values():
        estimate = estimates.get(estimate_type.value)
        if estimate is None:
            continue
        for field, (prop, kind) in estimate_fields.items():
            term = index.optional(estimate, prop)
            if term is not None:
                fields[field] = _python_value(term, kind)
    return OutcomeRecord.model_validate(fields)


def _concept_key(node: str) -> tuple[str, str]:
    """(kind, id) of a concept IRI minted as KB_BASE_IRI + kind/id (ids are percent-encoded)."""
    kind, _, quoted = node.rpartition("/")
    return kind.rpartition("/")[2], unquote(quoted)


def concept_label(kind: str, concept_id: str) -> str:
    """The label records carry for a concept: the vocabulary's, else (a concept the vocabulary
    no longer has) its id."""
    entry = concepts.entry(kind, concept_id)
    return entry.label if entry is not None else concept_id


@cache
def vocabulary_digest() -> str:
    """SHA-256 over the vocabulary files (kb/vocab/*.yaml)."""
    digest = hashlib.sha256()
    for path in sorted(_VOCAB_DIR.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache  # one resolution per distinct phrase: ingest asks for every record
def stated_concept(kind: str, stated: str | None) -> str | None:
    """The concept a stated line of therapy or population names: the one whose label it is, else
    the first the vocabulary resolves it to; None when it names none."""
    if not stated:
        return None
    found = concepts.resolve(kind, stated)
    for concept_id in found:
        if concept_label(kind, concept_id).lower() == stated.lower():
            return concept_id
    return found[0] if found else None


def _nodes(index: _Index, subject: str, name: str) -> list[str]:
    nodes = []
    for term in index.all(subject, _hk(name)):
        if not isinstance(term, NamedNode):
            raise ValueError(f"Unexpected object of hk:{name} on {subject}: {term!r}")
        nodes.append(term.value)
    return nodes


def _read_derived(stated: Iterable[object]) -> dict[str, object]:
    pairs = sorted(str(s).split(": ", 1) for s in stated)
    derived_from = {name: source for name, source in pairs}
    return {"derived": sorted(derived_from), "derived_from": derived_from}


def _read_follow_up(index: _Index, study: str) -> FollowUp | None:
    evidence = index.optional_node(study, _hk("followUpEvidence"))
    if evidence is None:
        return None
    return FollowUp(
        months=_python_value(index.one(study, _hk("followUpMonths")), "decimal"),
        median=_python_value(index.one(study, _hk("followUpIsMedian")), "boolean"),
        evidence=_read_span(index, evidence),
    )


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


def read_paper_meta(triples: Iterable[Triple]) -> PaperMeta:
    """What one paper graph says about the paper itself: the inverse of the paper's triples."""
    index = _Index(triples)
    papers = index.subjects_of_type(_hk("Paper"))
    if len(papers) != 1:
        raise ValueError(f"Unexpected number of papers in one paper graph: {len(papers)}")
    paper = papers[0]
    runs = [r for r in index.subjects_of_type(_hk("IngestRun")) if NamedNode(paper) in index.all(r, USED)]
    if len(runs) != 1:
        raise ValueError(f"Unexpected number of ingest runs of {paper}: {len(runs)}")
    issued = index.optional(paper, ISSUED)
    if issued is not None and (not isinstance(issued, Literal) or issued.datatype != XSD_GYEAR):
        raise ValueError(f"Unexpected year literal: {issued!r}")
    title_en = index.optional(paper, ALTERNATIVE_TITLE)
    if title_en is not None and (not isinstance(title_en, Literal) or title_en.language != "en"):
        raise ValueError(f"Unexpected English title literal: {title_en!r}")
    authors = index.literal_seq(paper, AUTHOR_LIST)
    creators = {_python_value(term, "string") for term in index.all(paper, CREATOR)}
    if creators != set(authors):
        authors = sorted(creators)  # a graph written before the author list kept no order
    sections = []
    for node in _nodes(index, paper, "languageSection"):
        sections.append(
            PaperSection(
                kind=index.text(node, _hk("sectionKind")),
                language=index.text(node, LANGUAGE),
                char_start=_python_value(index.one(node, _hk("sectionStart")), "integer"),  # type: ignore[arg-type]
                char_end=_python_value(index.one(node, _hk("sectionEnd")), "integer"),  # type: ignore[arg-type]
            )
        )
    start, end = index.optional_text(paper, PAGE_START), index.optional_text(paper, PAGE_END)
    pages = index.optional_text(paper, PAGES) or (start if end is None else f"{start}-{end}")
    return PaperMeta(
        id=index.text(paper, IDENTIFIER),
        file=index.text(paper, _hk("fileName")),
        sha256=index.text(runs[0], _hk("paperSha256")),
        title=index.optional_text(paper, TITLE),
        language=index.optional_text(paper, LANGUAGE),
        authors=tuple(authors),
        journal=index.optional_text(paper, _hk("journal")),
        year=None if issued is None else int(issued.value),
        doi=index.optional_text(paper, _hk("doi")),
        pmid=index.optional_text(paper, PMID),
        title_en=None if title_en is None else title_en.value,
        volume=index.optional_text(paper, VOLUME),
        issue=index.optional_text(paper, _hk("issue")),
        pages=pages,
        keywords=tuple(index.literal_seq(paper, _hk("keywordList"))),
        languages=tuple(_python_value(term, "string") for term in index.all(paper, IN_LANGUAGE)),  # type: ignore[misc]
        sections=tuple(sections),
        format=index.optional_text(paper, _hk("sourceFormat")),
    )
