"""SHACL validation (kb/model/shapes.ttl): graphs the mapping writes conform, broken ones are refused with
the report, a refused paper leaves the store as it was, and `kb validate` / `kb import` check too."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from ingest.ingestion import IngestingKnowledgeBase
from kb.model.rdf_mapping import (
    HK,
    XSD,
    Minter,
    PaperMeta,
    RunInfo,
    read_run,
    records_to_triples,
    triples_to_records,
)
from kb.model.records import Span
from kb.model.validation import GraphInvalid, validate_paper_graph, violations
from kb.store import open_store
from kb.store.paper_writes import ExtractedPaper
from tests.conftest import line_extractor, run_kb
from tests.records_factory import PAPER, full_record, minimal_record

BASE = "https://w3id.org/hemekb/id/"
RUN = RunInfo("0.1.0", datetime(2026, 1, 1, tzinfo=UTC), "d" * 64)
DOUBLE = NamedNode(XSD + "double")


def graph(records=None, paper=PAPER):
    return records_to_triples(BASE, paper, records or [full_record(), minimal_record("r2", start=2)], RUN)


def without(triples, predicate: str, subject_part: str = ""):
    return [t for t in triples if not (t.predicate.value == predicate and subject_part in t.subject.value)]


def test_what_the_mapping_writes_conforms():
    assert violations(graph()) == []
    full = dataclasses.replace(
        PAPER, authors=("A. Author", "B. Author"), journal="Blood", year=2021, doi="10.1182/blood.2020007732"
    )
    assert violations(graph([full_record()], paper=full)) == []


@pytest.mark.parametrize(
    ("change", "message_part"),
    [
        (lambda t: without(t, HK + "fileName"), "hk:fileName"),
        (lambda t: without(t, HK + "statisticType"), "hk:statisticType"),
        (lambda t: without(t, HK + "evidence"), "hk:evidence"),
        (
            lambda t: [
                *without(t, HK + "value", "/p-value"),
                Triple(
                    NamedNode(BASE + "result/003_test%2Fr1/statistic/p-value"),
                    NamedNode(HK + "value"),
                    Literal("1.5", datatype=DOUBLE),
                ),
            ],
            "a p-value lies between 0 and 1 (value: 1.5)",
        ),
        (
            lambda t: [
                *without(t, HK + "level"),
                Triple(
                    NamedNode(BASE + "result/003_test%2Fr1/statistic/confidence-interval"),
                    NamedNode(HK + "level"),
                    Literal("95.0", datatype=DOUBLE),
                ),
            ],
            "hk:level",
        ),
        (
            lambda t: [
                *without(t, HK + "comparator"),
                Triple(
                    NamedNode(BASE + "result/003_test%2Fr1/statistic/p-value"),
                    NamedNode(HK + "comparator"),
                    Literal("≪"),
                ),
            ],
            "hk:comparator",
        ),
        (
            lambda t: [
                *t,
                Triple(
                    NamedNode(BASE + "study/ino-vate-all"),
                    NamedNode(HK + "registryRecord"),
                    NamedNode("https://example.org/trial/1"),
                ),
            ],
            "a registry record is a ClinicalTrials.gov study IRI",
        ),
        (
            lambda t: [
                *without(t, HK + "charEnd", "/evidence"),
                Triple(
                    NamedNode(BASE + "result/r2/evidence"),
                    NamedNode(HK + "charEnd"),
                    Literal("1", datatype=NamedNode(XSD + "integer")),
                ),
            ],
            "start offset is at or before its end offset",
        ),
    ],
    ids=[
        "missing file name",
        "missing statistic type",
        "missing evidence",
        "p-value",
        "ci level",
        "comparator",
        "registry",
        "offsets",
    ],
)
def test_broken_graphs_are_refused_with_the_report(change, message_part):
    with pytest.raises(GraphInvalid) as refused:
        validate_paper_graph(change(graph()), "paper 003_test")
    error = refused.value
    assert "\n" not in error.reason
    assert error.reason.startswith("paper 003_test breaks the SHACL shapes (kb/model/shapes.ttl): ")
    assert any(message_part in line for line in error.details), error.details
    assert error.report().splitlines()[0] == error.reason


def invalid_extractor(path: Path) -> ExtractedPaper:
    """The stand-in extractor, with one p-value out of range: a bug SHACL must catch."""
    paper = line_extractor(path)
    first = paper.records[0].model_copy(update={"p_value": 1.5, "p_operator": "="})
    return dataclasses.replace(paper, records=[first, *paper.records[1:]])


def test_a_paper_that_breaks_the_shapes_is_rejected_and_the_store_is_unchanged(settings, papers):
    knowledge_base = IngestingKnowledgeBase(settings, extractor=line_extractor)
    assert knowledge_base.ingest_paths([papers / "b.txt"]).ok
    with open_store(settings, writable=False) as reader:
        before = {paper_id: set(reader.paper_triples(paper_id)) for paper_id in reader.paper_ids()}
    knowledge_base.close()

    rejecting = IngestingKnowledgeBase(settings, extractor=invalid_extractor)
    report = rejecting.ingest_paths([papers / "a.txt"])
    (status,) = report.papers
    assert status.status == "failed"
    assert status.reason.startswith(
        "paper a breaks the SHACL shapes (kb/model/shapes.ttl): 1 violation; first: "
    )
    assert "a p-value lies between 0 and 1 (value: 1.5)" in status.reason
    assert status.details and "\n" not in status.reason
    rejecting.close()
    with open_store(settings, writable=False) as reader:
        after = {paper_id: set(reader.paper_triples(paper_id)) for paper_id in reader.paper_ids()}
    assert after == before


def test_kb_validate_on_an_empty_store(tmp_path):
    result = run_kb(tmp_path / "kb", "validate")
    assert result.returncode == 0, result.stderr
    assert "ok: 0 paper graphs conform" in result.stderr


def test_kb_validate_reports_a_broken_store_and_exits_non_zero(settings):
    broken = without(graph(), HK + "fileName")
    with open_store(settings, writable=True) as store:
        store.replace_paper_graph(PAPER.id, broken)  # written behind the ingest's back
    result = run_kb(settings.home, "validate")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(
        "paper 003_test breaks the SHACL shapes (kb/model/shapes.ttl): 1 violation; first:"
    )
    assert any("hk:fileName" in line for line in lines[1:])
    assert lines[-1] == "Error: 1 of 1 paper graphs break the SHACL shapes"


def test_kb_import_refuses_an_invalid_dump_whole(settings, tmp_path):
    minter = Minter(settings.base_iri)
    good = graph([full_record()])
    other = dataclasses.replace(PAPER, id="004_other", file="004_other.txt")
    bad = without(graph([minimal_record("004_other/r1", paper=other.ref())], paper=other), HK + "fileName")
    dump = tmp_path / "dump.nq"
    lines = [f"{t.subject} {t.predicate} {t.object} {minter.graph(PAPER.id)} ." for t in good]
    lines += [f"{t.subject} {t.predicate} {t.object} {minter.graph(other.id)} ." for t in bad]
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_kb(settings.home, "import", str(dump))
    assert result.returncode == 1
    assert "nothing imported; paper 004_other breaks the SHACL shapes" in result.stderr
    with open_store(settings, writable=False) as reader:
        assert reader.paper_ids() == []


def test_kb_export_and_import_round_trip(settings, tmp_path):
    with open_store(settings, writable=True) as store:
        store.replace_paper_graph(PAPER.id, graph())
        stored = set(store.paper_triples(PAPER.id))  # Oxigraph keeps numbers and times canonical
    for fmt, suffix in (("nquads", "nq"), ("jsonld", "jsonld")):
        exported = run_kb(settings.home, "export", "graph", "--format", fmt)
        assert exported.returncode == 0, exported.stderr
        dump = tmp_path / f"kb.{suffix}"
        dump.write_text(exported.stdout, encoding="utf-8")
        home = tmp_path / f"copy-{fmt}"
        imported = run_kb(home, "import", str(dump))
        assert imported.returncode == 0, imported.stderr
        assert imported.stderr.startswith(f"imported   {PAPER.id} (")
        with open_store(settings.model_copy(update={"home": home}), writable=False) as copy:
            back = copy.paper_triples(PAPER.id)
        assert set(back) == stored
        assert triples_to_records(back) == triples_to_records(graph())
        assert read_run(back) == RUN
    turtle = run_kb(settings.home, "export", "graph", "--format", "turtle")
    assert turtle.returncode == 0 and "@prefix hk:" in turtle.stdout
    dump = tmp_path / "kb.ttl"
    dump.write_text(turtle.stdout, encoding="utf-8")
    refused = run_kb(tmp_path / "copy-ttl", "import", str(dump))
    assert refused.returncode == 1
    assert "Turtle and N-Triples have no graph names" in refused.stderr


def test_spans_keep_their_text_exactly():
    # A span whose offsets are equal (an empty passage) conforms: start <= end.
    record = minimal_record("r0", evidence=Span(text="", char_start=3, char_end=3))
    assert violations(graph([record])) == []


def test_paper_meta_reads_bibliographic_details_when_the_document_has_them():
    class Document:
        id, file, sha256, title, language = "p", "p.txt", "0" * 64, None, "en"
        authors = ("A. Author",)
        journal = "Blood"
        year = 2020
        doi = "10.1182/blood.2020007732"

    meta = PaperMeta.from_document(Document())
    assert (meta.authors, meta.journal, meta.year, meta.doi) == (("A. Author",), "Blood", 2020, Document.doi)
