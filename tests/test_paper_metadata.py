"""A paper's bibliographic record: document -> PaperMeta -> graph -> PaperMeta, /papers, citations."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from ingest.document import read_paper
from ingest.ingestion import IngestingKnowledgeBase
from kb.exports.citations import Bibliographic, bibtex, citations_for, details_of, ris
from kb.model.rdf_mapping import (
    BIBO,
    DCT,
    HK,
    SCHEMA,
    PaperMeta,
    PaperSection,
    RunInfo,
    content_digest,
    read_paper_meta,
    records_to_triples,
    triples_to_records,
)
from kb.model.records import PaperRef
from kb.model.validation import GraphInvalid, validate_paper_graph
from kb.settings import Settings
from kb.store.paper_writes import ExtractedPaper
from tests.conftest import PAPERS, LiveServer
from tests.records_factory import full_record

BASE = "https://w3id.org/hemekb/id/"
RUN = RunInfo("0.1.0", datetime(2026, 1, 1, tzinfo=UTC), "d" * 64)
FULL = PaperMeta(
    id="003_test",
    file="003_test.txt",
    sha256="ab" * 32,
    title="INO-VATE 試験のまとめ",
    language="ja",
    authors=("Yamada T.", "A.B. Suzuki", "李志超"),
    journal="臨床血液",
    year=2021,
    doi="10.11406/rinketsu.62.123",
    title_en="A summary of the INO-VATE trial",
    volume="62",
    issue="3",
    pages="123-130",
    keywords=("inotuzumab", "ALL", "CD22"),
    languages=("ja", "en"),
    sections=(PaperSection("front", "ja", 0, 40), PaperSection("abstract", "en", 41, 900)),
    format="pdf",
)


def _triples(meta: PaperMeta, records=()):
    return records_to_triples(BASE, meta, list(records), RUN)


def _objects(triples, prop: str) -> list:
    return [t.object for t in triples if t.predicate.value == prop]


def test_every_field_round_trips_through_the_graph():
    record = full_record()  # its paper is records_factory.PAPER, whose id and file FULL shares
    meta = replace(FULL, title=record.paper.title)
    triples = _triples(meta, [record])
    validate_paper_graph(triples, "paper 003_test")
    assert read_paper_meta(triples) == meta
    assert triples_to_records(triples) == [record]
    # Empty metadata round-trips too, and writes none of the optional properties.
    bare = PaperMeta(id="003_test", file="003_test.txt", sha256="ab" * 32)
    bare_triples = _triples(bare)
    assert read_paper_meta(bare_triples) == bare
    assert not _objects(bare_triples, BIBO + "authorList") and not _objects(bare_triples, SCHEMA + "keywords")


def test_standard_properties_carry_the_metadata():
    triples = _triples(FULL)
    assert _objects(triples, DCT + "alternative") == [Literal(FULL.title_en, language="en")]
    assert {o.value for o in _objects(triples, DCT + "creator")} == set(FULL.authors)
    assert _objects(triples, BIBO + "volume") == [Literal("62")]
    assert _objects(triples, HK + "issue") == [Literal("3")]  # bibo:issue is defined on bibo:Issue only
    assert (_objects(triples, BIBO + "pageStart"), _objects(triples, BIBO + "pageEnd")) == (
        [Literal("123")],
        [Literal("130")],
    )
    assert not _objects(triples, BIBO + "pages")
    assert [o.value for o in _objects(triples, SCHEMA + "keywords")] == list(FULL.keywords)
    assert sorted(o.value for o in _objects(triples, SCHEMA + "inLanguage")) == ["en", "ja"]
    assert _objects(triples, HK + "sourceFormat") == [Literal("pdf")]
    sections = _objects(triples, HK + "languageSection")
    assert len(sections) == 2 and all(isinstance(s, NamedNode) for s in sections)


@pytest.mark.parametrize(
    ("pages", "start", "end", "statement"),
    [("62-72", "62", "72", None), ("e123", "e123", None, None), ("1, 3-5", None, None, "1, 3-5")],
)
def test_pages_are_a_range_or_a_statement(pages, start, end, statement):
    meta = replace(FULL, pages=pages)
    triples = _triples(meta)
    validate_paper_graph(triples, "paper")
    assert [o.value for o in _objects(triples, BIBO + "pageStart")] == ([start] if start else [])
    assert [o.value for o in _objects(triples, BIBO + "pageEnd")] == ([end] if end else [])
    assert [o.value for o in _objects(triples, BIBO + "pages")] == ([statement] if statement else [])
    assert read_paper_meta(triples).pages == pages


def test_languages_come_back_main_first_then_by_section():
    meta = replace(
        FULL,
        language="ru",
        languages=("zh", "en", "ru"),
        sections=(PaperSection("body", "ru", 900, 2000), PaperSection("abstract", "en", 10, 900)),
    )
    assert meta.languages == ("ru", "en", "zh")
    assert [s.char_start for s in meta.sections] == [10, 900]
    assert read_paper_meta(_triples(meta)) == meta


def test_the_shapes_refuse_a_broken_section_and_format():
    bad = replace(FULL, sections=(PaperSection("body", "Japanese", 50, 10),), format="PDF file")
    with pytest.raises(GraphInvalid) as refused:
        validate_paper_graph(_triples(bad), "paper")
    text = "\n".join(refused.value.details or [])
    assert "dcterms:language" in text and "start offset is at or before its end" in text
    assert "hk:sourceFormat" in text


def test_the_metadata_is_part_of_the_content_digest():
    assert content_digest(FULL, []) != content_digest(replace(FULL, volume="63"), [])
    assert content_digest(FULL, []) != content_digest(replace(FULL, keywords=FULL.keywords[::-1]), [])


@pytest.mark.parametrize("path", sorted(PAPERS.iterdir()), ids=lambda p: p.name)
def test_corpus_papers_keep_what_ingest_found(path: Path):
    """What ingest/metadata.py finds in each real paper reaches the graph and comes back unchanged."""
    document = read_paper(path)
    meta = PaperMeta.from_document(document)
    for name in ("title", "title_en", "journal", "year", "volume", "issue", "pages", "doi", "pmid", "format"):
        assert getattr(meta, name) == getattr(document, name), name
    assert (meta.authors, meta.keywords) == (document.authors, document.keywords)
    assert set(meta.languages) == set(document.languages) and meta.languages[0] == document.language
    assert [(s.kind, s.language, s.char_start, s.char_end) for s in meta.sections] == [
        (s.kind, s.language, s.char_start, s.char_end) for s in document.sections
    ]
    triples = _triples(meta)
    validate_paper_graph(triples, f"paper {meta.id}")
    assert read_paper_meta(triples) == meta


def test_citations_use_the_whole_record():
    paper = PaperRef(id=FULL.id, file=FULL.file, title=FULL.title, language=FULL.language)
    details = details_of([_row(FULL)])
    citation = citations_for([paper], {}, BASE, details)
    text = ris(citation)
    for line in ("TY  - JOUR", "TT  - A summary of the INO-VATE trial", "VL  - 62", "IS  - 3", "SP  - 123"):
        assert line in text.split("\r\n"), line
    assert "EP  - 130" in text and "KW  - CD22" in text and "DO  - 10.11406/rinketsu.62.123" in text
    entry = bibtex(citation)
    assert "volume = {62}" in entry and "number = {3}" in entry and "pages = {123--130}" in entry
    assert "titleaddon = {[A summary of the INO-VATE trial]}" in entry
    assert "keywords = {inotuzumab, ALL, CD22}" in entry
    listed = ris(citations_for([paper], {}, BASE, {FULL.id: Bibliographic(pages="1, 3-5")}))
    assert "SP  - 1, 3-5" in listed and "EP  -" not in listed


def _row(meta: PaperMeta):
    from kb.evidence.queries import PaperRow

    fields = {k: v for k, v in asdict(meta).items() if k in PaperRow.__dataclass_fields__}
    fields["sections"] = meta.sections
    return PaperRow(results=0, studies=0, **fields)


def _meta_extractor(path: Path) -> ExtractedPaper:
    """The real reader's metadata for each paper, with no records (the API shows it all the same)."""
    document = read_paper(path)
    return ExtractedPaper(meta=PaperMeta.from_document(document), records=[], text=document.text)


@pytest.fixture(scope="module")
def metadata_server(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("metadata") / "kb"
    knowledge_base = IngestingKnowledgeBase(Settings(home=home), extractor=_meta_extractor)
    assert knowledge_base.ingest_paths([PAPERS]).ok
    knowledge_base.close()
    server = LiveServer(home)
    yield server
    server.stop()


def test_the_api_shows_each_corpus_papers_metadata(metadata_server):
    listed = {p["id"]: p for p in metadata_server.client.get("/papers").json()["results"]}
    assert len(listed) == len(list(PAPERS.iterdir()))
    for path in sorted(PAPERS.iterdir()):
        document = read_paper(path)
        paper = listed[document.id]
        expected = {
            "title": document.title,
            "title_en": document.title_en,
            "authors": list(document.authors),
            "journal": document.journal,
            "year": document.year,
            "volume": document.volume,
            "issue": document.issue,
            "pages": document.pages,
            "doi": document.doi,
            "pmid": document.pmid,
            "keywords": list(document.keywords),
            "format": document.format,
            "language": document.language,
        }
        assert {k: paper[k] for k in expected} == expected, path.name
        assert set(paper["languages"]) == set(document.languages)
        assert [(s["kind"], s["language"], s["char_start"], s["char_end"]) for s in paper["sections"]] == [
            (s.kind, s.language, s.char_start, s.char_end) for s in document.sections
        ]
        detail = metadata_server.client.get(f"/papers/{document.id}", params={"include_text": "false"})
        assert detail.status_code == 200 and detail.json()["paper"] == paper


def test_the_paper_page_and_citations_show_the_russian_papers_record(metadata_server):
    document = read_paper(PAPERS / "000_4c4594d802944b47.txt")
    assert (document.volume, document.issue, document.pages, document.year) == ("22", "1", "62-72", 2023)
    page = metadata_server.client.get(f"/papers/{document.id}", params={"format": "html"}).text
    assert document.authors[0] in page and document.journal in page
    assert "2023; 22(1): 62-72" in page
    assert "Russian, English" in page and "abstract: English" in page
    citation = metadata_server.client.get(f"/papers/{document.id}", params={"format": "ris"}).text
    lines = citation.split("\r\n")
    assert {"TY  - JOUR", "VL  - 22", "IS  - 1", "SP  - 62", "EP  - 72", "PY  - 2023"} <= set(lines)
    assert f"AU  - {document.authors[0]}" in lines and f"JO  - {document.journal}" in lines
    entry = metadata_server.client.get(f"/papers/{document.id}", params={"format": "bibtex"}).text
    assert entry.startswith("@article{") and "pages = {62--72}" in entry and "number = {1}" in entry
