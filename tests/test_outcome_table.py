"""The outcome table (kb/store/outcome_table.py) gives the answers of the SPARQL path
(kb/evidence/queries.py).

Both paths run on the same knowledge base: the table through KnowledgeBase's read methods, the
graph through the SPARQL functions on the store. Ids in order, counts, pages, facet counts, study
rows and refusal messages must be equal, and every record must equal the one read back from the
graph. Also: an older store gets its table from the graph, removing a paper removes its rows, and a
reader's answers come from one snapshot.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils.utils import sqlite3  # the SQLite the index uses (kb/store/outcome_table.py)

from ingest.ingestion import IngestingKnowledgeBase
from kb.errors import QueryRefused
from kb.evidence.queries import (
    FACETS,
    SORT_KEYS,
    OutcomeFilters,
    count_outcomes,
    facet_counts,
    page_of_outcomes,
    parse_sort,
    study_rows,
    validated,
)
from kb.search import SearchIndex
from kb.search.index import index_path
from kb.service import KnowledgeBase
from kb.settings import Settings
from kb.store import GraphStore, open_store, outcome_table
from kb.store.paper_writes import ExtractedPaper
from tests import evidence_kb
from tests.conftest import run_kb

# Filter combinations asked of both paths on the evidence papers and on the corpus (values that a
# knowledge base does not hold are refused by both, with the same message).
FILTERS: list[dict[str, Any]] = [
    {},
    {"antigen": "CD19"},
    {"antigen": "cd22"},
    {"antigen": "BCMA"},
    {"antigen": "CD38"},
    {"intervention": "blinatumomab"},
    {"intervention": "блинатумомаб"},
    {"intervention": "博纳吐单抗"},
    {"intervention": "inotuzumab ozogamicin"},
    {"intervention": "daratumumab"},
    {"drug_class": "BiTE"},
    {"drug_class": "CAR-T", "endpoint": "OS"},
    {"drug_class": "ADC"},
    {"disease": "ALL"},
    {"disease": "B-ALL"},
    {"disease": "MM"},
    {"disease": "множественная миелома"},
    {"line": "relapsed"},
    {"line": "first line"},
    {"population": "pediatric"},
    {"population": "adult"},
    {"population": "дети"},
    {"endpoint": "OS"},
    {"endpoint": "cr", "antigen": "CD19"},
    {"endpoint": "PFS", "disease": "MM"},
    {"design": "phase"},
    {"design": "randomized"},
    {"study_role": "own"},
    {"study_role": "cited", "language": "zh"},
    {"language": "ru"},
    {"language": "ZH"},
    {"language": "ja"},
    {"min_n": 100},
    {"min_n": 0, "endpoint": "CR"},
    {"min_confidence": 0.5},
    {"min_confidence": 0.9, "endpoint": "OS"},
    {"text": "95%"},
    {"text": "CI"},
    {"study": "maia"},
    {"study": "TOWER"},
    {"antigen": "CD22", "intervention": "chemotherapy"},
    {"antigen": "CD19", "disease": "B-ALL", "line": "relapsed", "min_n": 20},
]
SORTS = [None, *SORT_KEYS, *(f"-{key}" for key in SORT_KEYS), "endpoint,-value", "study,-n", "-language,time"]


def graph_answers(store: GraphStore, filters: OutcomeFilters, sort: str | None) -> dict[str, Any]:
    """What the SPARQL path answers: ids in order, the count, facets, study rows; or the refusal."""
    try:
        selection = validated(store, filters)
    except QueryRefused as exc:
        return {"refused": str(exc)}
    keys = parse_sort(sort)
    return {
        "ids": [record_id for _, record_id in page_of_outcomes(store, selection, 0, None, keys)],
        "count": count_outcomes(store, selection),
        "page": [record_id for _, record_id in page_of_outcomes(store, selection, 1, 3, keys)],
        "facets": {kind: facet_counts(store, selection, kind) for kind in FACETS},
        "studies": study_rows(store, selection),
        "study_pages": [
            (len(study_rows(store, selection)), study_rows(store, selection)[offset : offset + limit])
            for offset, limit in STUDY_PAGES
        ],
    }


# (offset, limit) of the /studies pages compared: the table orders keys before it aggregates a page
STUDY_PAGES = ((0, 2), (1, 3), (4, 50))


def table_answers(kb: KnowledgeBase, filters: OutcomeFilters, sort: str | None) -> dict[str, Any]:
    """The same questions through KnowledgeBase, which reads the table."""
    try:
        records = kb.all_outcomes(filters, sort)
    except QueryRefused as exc:
        return {"refused": str(exc)}
    total, page = kb.find_outcomes(filters, offset=1, limit=3, sort=sort)
    return {
        "ids": [r.id for r in records],
        "count": total,
        "page": [r.id for r in page],
        "facets": kb.facets(filters),
        "studies": kb.studies(filters),
        "study_pages": [kb.studies_page(filters, offset, limit) for offset, limit in STUDY_PAGES],
        "records": records,
    }


def assert_same_answers(kb: KnowledgeBase, cases: list[tuple[dict[str, Any], str | None]]) -> int:
    """Every case through both paths; returns how many were answered (not refused)."""
    assert table_ready(kb.settings), "the outcome table should be built"
    with open_store(kb.settings, writable=False) as store:
        from_graph = {record.id: record for record in kb.export_outcomes()}
        answered = 0
        for filters, sort in cases:
            chosen = OutcomeFilters(**filters)
            expected = graph_answers(store, chosen, sort)
            got = table_answers(kb, chosen, sort)
            records = got.pop("records", [])
            assert got == expected, (filters, sort)
            assert records == [from_graph[record_id] for record_id in got.get("ids", [])], (filters, sort)
            answered += "refused" not in got
    return answered


def table_ready(settings: Settings) -> bool:
    """Whether readers of this knowledge base get their answers from the table."""
    table = outcome_table.OutcomeTable(index_path(settings))
    try:
        with table.reading() as view:
            return view is not None
    finally:
        table.close()


def run_sql(settings: Settings, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements on the index file in one transaction; the rows of the last one."""
    conn = sqlite3.connect(str(index_path(settings)), isolation_level=None)
    try:
        conn.execute("BEGIN")
        rows = [conn.execute(statement).fetchall() for statement in statements][-1]
        conn.execute("COMMIT")
        return rows
    finally:
        conn.close()


def drop_table(settings: Settings) -> None:
    """Make the store look like one built before the table existed."""
    run_sql(settings, *(f"DROP TABLE IF EXISTS {table}" for table in outcome_table._TABLES))


# ------------------------------------------------------------------------------ evidence papers


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    knowledge_base = IngestingKnowledgeBase(evidence_kb.build(tmp_path_factory.mktemp("evidence")))
    yield knowledge_base
    knowledge_base.close()


def test_every_filter_and_sort_gives_the_graph_answers(evidence):
    cases = [(filters, None) for filters in FILTERS]
    cases += [(filters, sort) for filters in ({}, {"language": "ru"}, {"disease": "ALL"}) for sort in SORTS]
    assert assert_same_answers(evidence, cases) >= 30  # most cases are answered, not refused


@pytest.mark.parametrize(
    "filters",
    [
        {"drug_class": "antibiotic"},
        {"disease": "CML"},
        {"intervention": "aspirin"},
        {"line": "third relapse"},
        {"design": "phase IV"},
        {"language": "de"},
        {"study_role": "mine"},
        {"study": "ELOQUENT-2"},
        {"paper": "nope.txt"},
        {"endpoint": "XYZ"},
    ],
)
def test_unknown_values_are_refused_with_the_graph_paths_message(evidence, filters):
    assert assert_same_answers(evidence, [(filters, None)]) == 0
    with pytest.raises(QueryRefused):
        evidence.find_outcomes(OutcomeFilters(**filters))


def test_an_older_store_reads_the_graph_until_its_table_is_built(tmp_path):
    settings = evidence_kb.build(tmp_path)
    kb = IngestingKnowledgeBase(settings)
    try:
        expected = table_answers(kb, OutcomeFilters(disease="ALL"), "-value")
        drop_table(settings)
        assert not table_ready(settings)
        assert table_answers(kb, OutcomeFilters(disease="ALL"), "-value") == expected  # the SPARQL path
        assert run_sql(settings, "SELECT COUNT(*) FROM docs")[0][0] > 0  # the search rows are still there
        result = run_kb(settings.home, "reindex")
        assert result.returncode == 0, result.stderr
        assert "outcome table: 2 papers written, 0 removed" in result.stderr
        assert table_ready(settings)
        assert table_answers(kb, OutcomeFilters(disease="ALL"), "-value") == expected
    finally:
        kb.close()


def test_an_ingest_builds_the_table_of_an_older_version_before_it_writes(tmp_path):
    settings = evidence_kb.build(tmp_path)
    run_sql(settings, "UPDATE outcome_state SET value = '0' WHERE key = 'schema'")
    assert not table_ready(settings)
    meta, text, records = evidence_kb.papers()[0]
    other = dataclasses.replace(meta, id="ru-copy", file="ru-copy.txt")
    copies = [
        r.model_copy(update={"id": f"copy-{r.id}", "paper": other.ref(), "comparison": None}) for r in records
    ]
    (tmp_path / "ru-copy.txt").write_text(text, encoding="utf-8")
    kb = IngestingKnowledgeBase(settings, extractor=lambda path: ExtractedPaper(other, copies, text))
    try:
        assert kb.ingest_paths([tmp_path / "ru-copy.txt"]).ok
        assert table_ready(settings)
        assert kb.stats().records == 8 + len(copies)
        assert (
            assert_same_answers(kb, [({}, None), ({"paper": "ru-copy"}, "-n"), ({"language": "ru"}, None)])
            == 3
        )
    finally:
        kb.close()


def test_removing_a_paper_from_the_index_removes_its_rows(tmp_path):
    settings = evidence_kb.build(tmp_path)
    kb = IngestingKnowledgeBase(settings)
    try:
        assert kb.find_outcomes(OutcomeFilters())[0] == 8
        with SearchIndex.open(settings, writable=True) as index:
            index.remove_paper("ru")
        total, records = kb.find_outcomes(OutcomeFilters())
        assert total == 4 and {r.paper.id for r in records} == {"zh"}
        assert kb.facets(OutcomeFilters())["language"] == {"zh": 4}
        for table in ("outcome_terms", "outcome_facets", "outcome_records"):
            column = "id" if table == "outcome_records" else "outcome_id"
            sql = f"SELECT COUNT(*) FROM {table} WHERE {column} NOT IN (SELECT id FROM outcomes)"
            assert run_sql(settings, sql) == [(0,)], table
    finally:
        kb.close()


def test_a_reader_sees_one_snapshot_while_a_paper_is_written(tmp_path):
    settings = evidence_kb.build(tmp_path)
    table = outcome_table.OutcomeTable(index_path(settings))
    try:
        with table.reading() as view:
            assert view is not None
            everything = validated(view, OutcomeFilters())
            assert view.count(everything) == 8
            with SearchIndex.open(settings, writable=True) as index:
                index.remove_paper("zh")  # committed while the read transaction is open
            assert view.count(everything) == 8
            assert len(view.page(everything, 0, None)) == 8
            assert view.facet_counts(everything, "language") == {"ru": 4, "zh": 4}
        with table.reading() as view:
            assert view is not None and view.count(validated(view, OutcomeFilters())) == 4
    finally:
        table.close()


# ------------------------------------------------------------------------------------ corpus


@pytest.fixture(scope="module")
def corpus(corpus_home: Path) -> Iterator[KnowledgeBase]:
    knowledge_base = IngestingKnowledgeBase(Settings(home=corpus_home))
    yield knowledge_base
    knowledge_base.close()


def test_the_corpus_gives_the_graph_answers(corpus):
    files = [paper.file for paper in corpus.papers()]
    cases = [(filters, None) for filters in FILTERS]
    cases += [({"paper": file}, sort) for file in files for sort in (None, "-value")]
    cases += [(filters, sort) for filters in ({}, {"antigen": "CD19"}) for sort in SORTS]
    assert assert_same_answers(corpus, cases) >= 40
