"""What the index holds for one paper: its passages and one card per outcome record.

Each document has the text a hit shows (`text`: the paper's own words), the text BM25 sees
(`indexed`) and the texts whose embeddings stand for it (`embedded`; a document's vector score is
the best of them):

- a passage: `text` is the source span; `indexed` its cleaned text plus the English glosses of what
  it mentions; `embedded` its sentences, each with its own glosses (sentence-level vectors suit
  the encoder better than one vector for ~800 characters: bench/results/search_tuning.md);
- an outcome record: `text` is its evidence sentence; `embedded` its English card; `indexed` the
  card and the evidence sentence.

`prepare_paper` does all the work that can fail slowly (splitting, glossing, embedding) before
anything is written, so that the write itself is one short SQLite transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from kb.embedding import Embedder
from kb.model.records import OutcomeRecord, PaperRef
from kb.search.cards import cards
from kb.search.concept_terms import concept_keys, document_terms, gloss_keys
from kb.search.gloss import Gloss, gloss_text, glosses
from kb.search.passages import TARGET_CHARS, sentence_spans, split_passages
from kb.search.text import clean_with_offsets
from kb.vocab import concept

Kind = Literal["passage", "outcome"]
FACETS = ("antigen", "disease", "endpoint")


@dataclass(frozen=True)
class Options:
    """How documents are made (bench/search_tuning.py compares the choices; the defaults won)."""

    target_chars: int = TARGET_CHARS  # passage size
    gloss_passages: bool = True  # English glosses in a passage's BM25 text
    gloss_sentences: bool = False  # English glosses in each embedded sentence
    sentence_vectors: bool = True  # passages as sentence vectors (False: one vector per passage)
    gloss_vector: bool = False  # one more vector per passage: its English glosses alone
    card_evidence: bool = True  # the evidence sentence in an outcome's BM25 text


@dataclass(frozen=True)
class Tag:
    """A filterable value of a document: `key` is matched (case-folded), `label` is shown."""

    facet: str
    key: str
    label: str


@dataclass(frozen=True)
class Document:
    kind: Kind
    char_start: int
    char_end: int
    text: str  # what a hit shows: the source span (passage) or the record's evidence sentence (outcome)
    indexed: str  # what BM25 sees
    embedded: tuple[str, ...]  # what is embedded: the document scores as its best vector
    record_id: str | None = None
    tags: frozenset[Tag] = field(default_factory=frozenset)
    concepts: frozenset[tuple[str, str]] = frozenset()  # (kind, id) it mentions (kb.search.concept_terms)
    terms: tuple[str, ...] = ()  # its concept terms, its paper's included: indexed beside its words


@dataclass(frozen=True)
class PreparedPaper:
    paper: PaperRef
    digest: str  # the content digest of the graph it goes with (kb.model.rdf_mapping.content_digest)
    documents: list[Document]
    vectors: np.ndarray  # unit-length rows: documents[0].embedded..., then documents[1].embedded...
    records: tuple[OutcomeRecord, ...] = ()  # the paper's records: rows of kb/store/outcome_table.py


def _disease_tags(ident: str, label: str) -> set[Tag]:
    """A disease's filter values, and its more general diseases': `disease=MM` finds passages on
    relapsed/refractory myeloma (whose gloss is the subtype alone)."""
    tags = {Tag("disease", ident.casefold(), label), Tag("disease", label.casefold(), label)}
    try:
        parent = concept("diseases", ident).extra.get("parent")
    except KeyError:  # an id the vocabulary no longer has (a record extracted with an older one)
        return tags
    if parent:
        tags |= _disease_tags(str(parent), concept("diseases", str(parent)).label)
    return tags


def _record_tags(record: OutcomeRecord) -> set[Tag]:
    tags = {Tag("antigen", a.casefold(), a) for a in record.antigens}
    tags.add(Tag("endpoint", record.endpoint.casefold(), record.endpoint))
    if record.disease is not None:
        tags |= _disease_tags(record.disease.id, record.disease.label)
    return tags


def _gloss_tags(found: Sequence[Gloss]) -> set[Tag]:
    tags: set[Tag] = set()
    for gloss in found:
        if gloss.kind == "interventions":
            tags |= {Tag("antigen", a.casefold(), a) for a in concept("interventions", gloss.id).antigens}
        elif gloss.kind == "diseases":
            tags |= _disease_tags(gloss.id, concept("diseases", gloss.id).label)
        elif gloss.kind == "endpoints":
            tags.add(Tag("endpoint", gloss.id.casefold(), gloss.id))
    return tags


def with_gloss(text: str, words: str) -> str:
    """`text` followed by its English glosses, when there are any."""
    return f"{text}\n{words}" if words else text


def _record_keys(record: OutcomeRecord) -> set[tuple[str, str]]:
    keys = {("endpoints", record.endpoint)} | {("antigens", a) for a in record.antigens if a != "CD3"}
    keys |= {("interventions", i.id) for i in record.interventions}
    if record.disease is not None:
        keys.add(("diseases", record.disease.id))
    return concept_keys(keys)


def with_paper_terms(docs: Sequence[Document]) -> list[Document]:
    """`docs` with their concept terms: their own concepts and every concept of the paper."""
    paper = {key for doc in docs for key in doc.concepts}
    return [replace(doc, terms=tuple(document_terms(set(doc.concepts), paper))) for doc in docs]


def _overlaps(record: OutcomeRecord, start: int, end: int) -> bool:
    return any(s.char_start < end and start < s.char_end for s in (record.evidence, *record.mentions))


def _sentences(clean: str, gloss: bool) -> tuple[str, ...]:
    found = [clean[s:e].strip() for s, e in sentence_spans(clean)]
    found = [s for s in found if len(s) >= 3] or [clean]
    return tuple(with_gloss(s, gloss_text(s)) if gloss else s for s in found)


def documents_of(
    source: str, records: Sequence[OutcomeRecord], options: Options | None = None
) -> list[Document]:
    """Passages of `source` and the cards of `records`, with what each can be filtered on.

    A passage is tagged with what it mentions (vocabulary glosses) and with the tags of the
    records stated in it; a card with its record's antigens (and those of the results it is
    compared with, as GET /outcomes keeps comparisons whole), disease and endpoint.
    """
    options = options or Options()
    docs: list[Document] = []
    for passage in split_passages(source, target_chars=options.target_chars):
        found = glosses(passage.clean)
        tags = _gloss_tags(found)
        for record in records:
            if _overlaps(record, passage.start, passage.end):
                tags |= _record_tags(record)
        words = " ; ".join(g.words for g in found)
        glossed = with_gloss(passage.clean, words)
        embedded = (
            _sentences(passage.clean, options.gloss_sentences)
            if options.sentence_vectors
            else (glossed if options.gloss_sentences else passage.clean,)
        )
        if options.gloss_vector and words:
            embedded += (words,)
        docs.append(
            Document(
                kind="passage",
                char_start=passage.start,
                char_end=passage.end,
                text=passage.text,
                indexed=glossed if options.gloss_passages else passage.clean,
                embedded=embedded,
                tags=frozenset(tags),
                concepts=frozenset(concept_keys(gloss_keys(found), passage.clean)),
            )
        )
    partners: dict[str, list[OutcomeRecord]] = {}
    for record in records:
        if record.comparison:
            partners.setdefault(record.comparison, []).append(record)
    for record, card in zip(records, cards(records), strict=True):
        tags = _record_tags(record)
        for other in partners.get(record.comparison or "", []):
            tags |= {Tag("antigen", a.casefold(), a) for a in other.antigens}
        evidence = record.evidence
        evidence_text = clean_with_offsets(evidence.text)[0]
        own = _record_keys(record) | concept_keys(gloss_keys(glosses(evidence_text)), evidence_text)
        docs.append(
            Document(
                kind="outcome",
                char_start=evidence.char_start,
                char_end=evidence.char_end,
                text=evidence.text,
                indexed=f"{card}\n{evidence_text}" if options.card_evidence else card,
                embedded=(card,),
                record_id=record.id,
                tags=frozenset(tags),
                concepts=frozenset(own),
            )
        )
    return with_paper_terms(docs)


def prepare_paper(
    paper: PaperRef,
    digest: str,
    source: str,
    records: Sequence[OutcomeRecord],
    embedder: Embedder,
    options: Options | None = None,
) -> PreparedPaper:
    """Everything the index will hold for one paper, embeddings included; nothing is written."""
    docs = documents_of(source, records, options)
    texts = [text for doc in docs for text in doc.embedded]
    vectors = embedder.documents(texts) if texts else np.zeros((0, embedder.dimension), np.float32)
    return PreparedPaper(paper, digest, docs, vectors, tuple(records))
