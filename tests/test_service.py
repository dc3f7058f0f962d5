"""kb.service: ingest is per-paper all-or-nothing and idempotent; reads come back from the graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Store

from ingest.ingestion import IngestingKnowledgeBase
from kb.errors import QueryRefused
from kb.evidence.queries import OutcomeFilters
from kb.evidence.reviews import unreviewed
from kb.model.rdf_mapping import PaperMeta
from kb.settings import Settings
from kb.store import open_store
from kb.store.paper_writes import ExtractedPaper
from tests.conftest import line_extractor
from tests.records_factory import full_record


def dump(settings: Settings) -> list[str]:
    """Every quad of the store, sorted: 'exactly as before' means this is equal."""
    with open_store(settings, writable=False) as store:
        return sorted(str(t) for pid in store.paper_ids() for t in store.paper_triples(pid))


def test_ingest_folder_then_export(kb, papers):
    report = kb.ingest_paths([papers])
    assert report.ok
    assert [(p.status, p.paper_id, p.records) for p in report.papers] == [
        ("ingested", "a", 2),
        ("ingested", "b", 2),
    ]
    records = list(kb.export_outcomes())
    assert [(r.paper.file, r.value) for r in records] == [
        ("a.txt", 80.7),
        ("a.txt", 45.0),
        ("b.txt", 84.4),
        ("b.txt", 29.4),
    ]
    for record in records:
        source = (papers / record.paper.file).read_text(encoding="utf-8")
        for span in [record.evidence, *record.mentions]:
            assert source[span.char_start : span.char_end] == span.text
    assert records == [
        unreviewed(line_extractor(papers / f).records[i])
        for f, i in [("a.txt", 0), ("a.txt", 1), ("b.txt", 0), ("b.txt", 1)]
    ]


def test_reingest_of_unchanged_papers_changes_nothing(kb, papers, settings):
    kb.ingest_paths([papers])
    before, exported = dump(settings), list(kb.export_outcomes())
    snapshot = (settings.graph_dir / "CURRENT").read_text()
    report = kb.ingest_paths([papers])
    assert [p.status for p in report.papers] == ["unchanged", "unchanged"]
    assert dump(settings) == before
    assert list(kb.export_outcomes()) == exported
    assert (settings.graph_dir / "CURRENT").read_text() == snapshot  # nothing was even written


def test_changed_paper_replaces_its_graph(kb, papers):
    kb.ingest_paths([papers])
    (papers / "a.txt").write_text("Title A\nCR 12.5% only.\n", encoding="utf-8")
    report = kb.ingest_paths([papers / "a.txt"])
    assert [p.status for p in report.papers] == ["ingested"]
    assert [(r.paper.file, r.value) for r in kb.export_outcomes()] == [
        ("a.txt", 12.5),
        ("b.txt", 84.4),
        ("b.txt", 29.4),
    ]


def test_pages_read_after_a_change_show_the_new_records(kb, papers, settings):
    """Records a reader converted are kept by content digest: a changed graph is read again."""
    assert kb.ingest_paths([papers]).ok
    assert [r.value for r in kb.find_outcomes(OutcomeFilters(paper="a"))[1]] == [80.7, 45.0]
    writer = IngestingKnowledgeBase(settings, extractor=line_extractor)  # another process, as `kb ingest` is
    (papers / "a.txt").write_text("Title A\nCR 12.5% only.\n", encoding="utf-8")
    assert writer.ingest_paths([papers / "a.txt"]).ok
    writer.close()
    assert [r.value for r in kb.find_outcomes(OutcomeFilters(paper="a"))[1]] == [12.5]
    assert [r.value for r in kb.all_outcomes(OutcomeFilters(paper="b"))] == [84.4, 29.4]


def _bad_sources(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    (tmp_path / "empty.txt").write_bytes(b"  \n")
    (tmp_path / "garbage.txt").write_bytes(bytes(range(1, 256)) * 8)  # no text encoding fits it
    (tmp_path / "paper.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "no-papers").mkdir()
    return {
        "empty": (tmp_path / "empty.txt", "empty file"),
        "bad utf-8": (tmp_path / "garbage.txt", "not valid UTF-8"),
        "extension": (tmp_path / "paper.docx", "unsupported extension '.docx'"),
        "missing": (tmp_path / "missing.txt", "no such file or folder"),
        "empty folder": (tmp_path / "no-papers", "no paper files (.txt,"),
    }


@pytest.mark.parametrize("case", ["empty", "bad utf-8", "extension", "missing", "empty folder"])
def test_a_failing_paper_leaves_the_store_as_it_was_and_others_ingest(kb, papers, settings, tmp_path, case):
    kb.ingest_paths([papers / "a.txt"])
    before = dump(settings)
    bad, reason = _bad_sources(tmp_path)[case]
    alone = kb.ingest_paths([bad])
    assert not alone.ok and reason in alone.failed[0].reason and "\n" not in alone.failed[0].reason
    assert dump(settings) == before
    mixed = kb.ingest_paths([bad, papers / "b.txt"])
    assert [p.status for p in mixed.papers] == ["failed", "ingested"]
    assert {r.paper.file for r in kb.export_outcomes()} == {"a.txt", "b.txt"}


def test_an_extractor_crash_fails_only_that_paper(settings, papers):
    def crashing(path: Path) -> ExtractedPaper:
        if path.name == "a.txt":
            raise IndexError("list index out of range")
        return line_extractor(path)

    report = IngestingKnowledgeBase(settings, extractor=crashing).ingest_paths([papers])
    assert [(p.status, p.reason) for p in report.papers] == [
        ("failed", "extraction failed: IndexError: list index out of range"),
        ("ingested", None),
    ]


def test_records_the_graph_cannot_hold_fail_the_paper(settings, papers):
    meta = PaperMeta(
        id="003_test", file="003_test.txt", sha256="0" * 64, title="INO-VATE 試験のまとめ", language="ja"
    )

    def unknown_endpoint(path: Path) -> ExtractedPaper:
        if path.name == "a.txt":
            return ExtractedPaper(meta=meta, records=[full_record(endpoint="TTP")])
        return line_extractor(path)

    kb = IngestingKnowledgeBase(settings, extractor=unknown_endpoint)
    report = kb.ingest_paths([papers])
    assert report.papers[0].status == "failed" and "Unexpected endpoint: 'TTP'" in report.papers[0].reason
    assert [p.status for p in report.papers[1:]] == ["ingested"]
    assert {r.paper.file for r in kb.export_outcomes()} == {"b.txt"}


def test_record_ids_must_be_unique_across_papers(settings, papers):
    def same_ids(path: Path) -> ExtractedPaper:
        paper = line_extractor(path)
        return ExtractedPaper(
            paper.meta, [r.model_copy(update={"id": f"r{i}"}) for i, r in enumerate(paper.records)]
        )

    report = IngestingKnowledgeBase(settings, extractor=same_ids).ingest_paths([papers])
    assert [p.status for p in report.papers] == ["ingested", "failed"]
    assert "record ids already used by another paper (a)" in report.papers[1].reason


def test_find_outcomes_filters_case_insensitively_and_pages(kb, papers):
    kb.ingest_paths([papers])
    total, records = kb.find_outcomes(OutcomeFilters(antigen="cd19"))
    assert total == 3 and {r.paper.file for r in records} == {"a.txt", "b.txt"}
    assert kb.find_outcomes(OutcomeFilters(antigen="CD3"))[0] == 2
    assert kb.find_outcomes(OutcomeFilters(intervention="cd19 THERAPY"))[0] == 3
    assert kb.find_outcomes(OutcomeFilters(intervention="CD19-therapy"))[0] == 3
    assert kb.find_outcomes(OutcomeFilters(disease="B-ALL", endpoint="cr", paper="A.TXT"))[0] == 2
    assert kb.find_outcomes(OutcomeFilters(line="RELAPSED"))[0] == 1
    everything = list(kb.export_outcomes())
    assert kb.find_outcomes(OutcomeFilters()) == (4, everything)
    assert kb.find_outcomes(OutcomeFilters(), offset=1, limit=2) == (4, everything[1:3])
    assert kb.find_outcomes(OutcomeFilters(), offset=10) == (4, [])


@pytest.mark.parametrize(
    ("filters", "offset", "limit", "message"),
    [
        (OutcomeFilters(endpoint="survival"), 0, 50, "unknown endpoint 'survival'; allowed: OS, EFS, LFS"),
        (OutcomeFilters(antigen="CD91"), 0, 50, "unknown antigen 'CD91'; known: CD19, CD3"),
        (OutcomeFilters(paper="zzz"), 0, 50, "unknown paper 'zzz'; known: a.txt, b.txt"),
        (OutcomeFilters(), -1, 50, "offset must be 0 or more"),
        (OutcomeFilters(), 0, 501, "limit must be between 1 and 500"),
    ],
)
def test_invalid_queries_are_refused_with_what_is_allowed(kb, papers, filters, offset, limit, message):
    kb.ingest_paths([papers])
    with pytest.raises(QueryRefused, match=message.replace("(", r"\(")):
        kb.find_outcomes(filters, offset=offset, limit=limit)


def test_an_empty_knowledge_base_says_so(kb):
    assert kb.stats().papers == 0 and list(kb.export_outcomes()) == []
    with pytest.raises(QueryRefused, match="the knowledge base is empty"):
        kb.find_outcomes(OutcomeFilters(antigen="CD22"))


def test_stats(kb, papers):
    kb.ingest_paths([papers])
    stats = kb.stats()
    assert (stats.papers, stats.records) == (2, 4) and stats.triples > 0


def test_store_files_live_under_kb_home(kb, papers, settings):
    kb.ingest_paths([papers])
    assert Store.read_only(
        str(settings.graph_dir / "snapshots" / (settings.graph_dir / "CURRENT").read_text().strip())
    )


def test_treatment_filters_keep_comparisons_whole(settings, tmp_path):
    from kb.model.records import ConceptRef
    from tests.records_factory import PAPER, minimal_record

    ino = minimal_record(
        "ino",
        start=0,
        comparison="c1",
        antigens=["CD22"],
        interventions=[ConceptRef(id="ino", label="inotuzumab ozogamicin")],
        endpoint="CR",
    )
    chemo = minimal_record(
        "chemo", start=5, comparison="c1", interventions=[ConceptRef(id="chemo", label="chemotherapy")]
    )
    alone = minimal_record("alone", start=9, interventions=[ConceptRef(id="chemo", label="chemotherapy")])
    (tmp_path / "p.txt").write_text("x", encoding="utf-8")
    kb = IngestingKnowledgeBase(settings, extractor=lambda path: ExtractedPaper(PAPER, [ino, chemo, alone]))
    assert kb.ingest_paths([tmp_path / "p.txt"]).ok
    assert [r.id for r in kb.find_outcomes(OutcomeFilters(antigen="cd22"))[1]] == ["ino", "chemo"]
    assert [r.id for r in kb.find_outcomes(OutcomeFilters(intervention="INO"))[1]] == ["ino", "chemo"]
    both = OutcomeFilters(antigen="CD22", intervention="chemotherapy")
    assert [r.id for r in kb.find_outcomes(both)[1]] == ["ino", "chemo"]
    assert [r.id for r in kb.find_outcomes(OutcomeFilters(intervention="chemotherapy"))[1]] == [
        "ino",
        "chemo",
        "alone",
    ]
    assert [r.id for r in kb.find_outcomes(OutcomeFilters(endpoint="CR"))[1]] == ["ino"]
