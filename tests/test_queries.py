"""Evidence queries in kb.service/kb.evidence.queries: vocabulary-resolved filters, sorting, paging,
facets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.ingestion import IngestingKnowledgeBase
from kb.errors import QueryRefused
from kb.evidence.queries import OutcomeFilters, parse_sort
from kb.service import KnowledgeBase
from tests import evidence_kb


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    settings = evidence_kb.build(tmp_path_factory.mktemp("evidence"))
    knowledge_base = IngestingKnowledgeBase(settings)
    yield knowledge_base
    knowledge_base.close()


def ids(kb: KnowledgeBase, sort: str | None = None, **filters: object) -> list[str]:
    return [r.id for r in kb.all_outcomes(OutcomeFilters(**filters), sort)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # interventions by any name in any corpus language; comparisons stay whole
        ({"intervention": "блинатумомаб"}, ["ru-r1", "ru-r2", "ru-r3", "ru-r4"]),
        ({"intervention": "博纳吐单抗"}, ["ru-r1", "ru-r2", "ru-r3", "ru-r4"]),
        ({"intervention": "Blincyto"}, ["ru-r1", "ru-r2", "ru-r3", "ru-r4"]),
        ({"intervention": "达雷妥尤单抗"}, ["zh-r1", "zh-r2"]),
        ({"drug_class": "CAR-T"}, ["zh-r3", "zh-r4"]),
        ({"drug_class": "car t"}, ["zh-r3", "zh-r4"]),
        ({"drug_class": "monoclonal antibody"}, ["zh-r1", "zh-r2"]),
        ({"drug_class": "BiTE", "endpoint": "OS"}, ["ru-r1", "ru-r2"]),
        ({"antigen": "cd38"}, ["zh-r1", "zh-r2"]),
        # diseases with their subtypes, never their parents
        ({"disease": "B-ALL"}, ["ru-r3", "ru-r4", "zh-r4"]),
        ({"disease": "ALL"}, ["ru-r1", "ru-r2", "ru-r3", "ru-r4", "zh-r4"]),
        ({"disease": "MM"}, ["zh-r1", "zh-r2", "zh-r3"]),
        ({"disease": "множественная миелома"}, ["zh-r1", "zh-r2", "zh-r3"]),
        ({"disease": "Ph+ B-ALL"}, ["ru-r4"]),
        # lines and populations: a concept in any wording, or part of a stated one
        ({"line": "relapse after allo-HSCT"}, ["zh-r4"]),
        ({"line": "移植后复发"}, ["zh-r4"]),
        ({"line": "relapsed"}, ["ru-r1", "ru-r2", "zh-r3"]),
        ({"population": "дети"}, ["ru-r3", "ru-r4", "zh-r4"]),
        ({"population": "adult"}, ["ru-r1", "ru-r2"]),
        # study design, own vs cited, language, minimum n, study, sentence text
        ({"design": "phase III"}, ["ru-r1", "ru-r2", "zh-r1", "zh-r2"]),
        ({"study_role": "own"}, ["ru-r3", "ru-r4", "zh-r4"]),
        ({"study_role": "cited", "language": "zh"}, ["zh-r1", "zh-r2", "zh-r3"]),
        ({"min_n": 100}, ["ru-r1", "ru-r2", "ru-r3"]),
        # records without a confidence (these were written by hand) are not known to be likely
        ({"min_confidence": 0.0}, []),
        ({"study": "maia"}, ["zh-r1", "zh-r2"]),
        ({"text": "95％CI"}, ["zh-r4"]),
        ({"endpoint": "os", "language": "ZH"}, ["zh-r4"]),
    ],
)
def test_filters(kb, filters, expected):
    assert ids(kb, **filters) == expected


def test_a_vocabulary_value_without_results_is_an_empty_answer(kb):
    assert ids(kb, disease="DLBCL") == []
    assert ids(kb, antigen="PD-1") == []


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"drug_class": "antibiotic"}, "unknown drug_class 'antibiotic'; allowed: BiTE, ADC,"),
        ({"disease": "CML"}, "unknown disease 'CML'; known: acute lymphoblastic leukemia, B-cell"),
        ({"intervention": "aspirin"}, "unknown intervention 'aspirin'; known:"),
        ({"line": "third relapse"}, "unknown line 'third relapse'; known: first line,"),
        ({"design": "phase IV"}, "unknown design 'phase IV'; known: phase I, randomized phase III"),
        ({"language": "de"}, "unknown language 'de'; known: ru, zh"),
        ({"study_role": "mine"}, "unknown study_role 'mine'; allowed: own, cited"),
        ({"study": "ELOQUENT-2"}, "unknown study 'ELOQUENT-2'; known: MAIA,"),
        ({"min_n": -1}, "min_n must be 0 or more"),
        ({"min_confidence": 1.5}, "min_confidence must be between 0 and 1, got 1.5"),
    ],
)
def test_invalid_filters_are_refused_naming_what_exists(kb, filters, message):
    with pytest.raises(QueryRefused, match=message.replace("(", r"\(").replace("+", r"\+")):
        kb.all_outcomes(OutcomeFilters(**filters))


def test_sorting_puts_missing_values_last_either_way(kb):
    by_value = [r.value for r in kb.all_outcomes(OutcomeFilters(), "value")]
    assert by_value == [4.0, 7.7, 31.8, 48.9, 84.4, 87.5, 88.0, None]
    assert [r.value for r in kb.all_outcomes(OutcomeFilters(), "-value")] == [
        88.0,
        87.5,
        84.4,
        48.9,
        31.8,
        7.7,
        4.0,
        None,
    ]
    assert [r.n for r in kb.all_outcomes(OutcomeFilters(language="ru"), "-n")] == [271, 134, 109, 20]


def test_sorting_by_endpoint_follows_the_contract_order_then_the_next_key(kb):
    records = kb.all_outcomes(OutcomeFilters(), "endpoint,-value")
    assert [(r.endpoint, r.value) for r in records] == [
        ("OS", 48.9),
        ("OS", 7.7),
        ("OS", 4.0),
        ("EFS", 88.0),
        ("PFS", 31.8),
        ("PFS", None),
        ("CR", 84.4),
        ("ORR", 87.5),
    ]
    assert next(r.study.label for r in kb.all_outcomes(OutcomeFilters(language="zh"), "study")) == "MAIA"


def test_sorted_pages_are_slices_of_the_sorted_whole(kb):
    everything = kb.all_outcomes(OutcomeFilters(), "-value")
    total, page = kb.find_outcomes(OutcomeFilters(), offset=2, limit=3, sort="-value")
    assert total == 8 and page == everything[2:5]


def test_unknown_sort_keys_are_refused_with_the_allowed_ones():
    assert parse_sort("endpoint, -value") == [("endpoint", False), ("value", True)]
    with pytest.raises(QueryRefused, match="unknown sort key 'size'; allowed: paper, study, endpoint, value"):
        parse_sort("size")


def test_facets_count_matching_results(kb):
    facets = kb.facets(OutcomeFilters(disease="ALL"))
    assert facets["antigen"] == {"CD19": 4, "CD3": 3}
    assert facets["disease"] == {"all": 2, "b-all": 2, "ph-positive-b-all": 1}
    assert facets["drug_class"]["BiTE"] == 3 and facets["drug_class"]["CAR-T"] == 1
    assert facets["endpoint"] == {"OS": 3, "CR": 1, "EFS": 1}
    assert facets["language"] == {"ru": 4, "zh": 1}
    assert facets["line"]["relapse after allo-HSCT"] == 1


def test_studies_cover_their_matching_results(kb):
    studies = {s.label: s for s in kb.studies(OutcomeFilters(intervention="blinatumomab"))}
    assert set(studies) == {"TOWER", "ru (own cohort)"}
    tower = studies["TOWER"]
    assert (tower.results, tower.registry_ids, tower.is_primary, tower.language) == (
        2,
        ["NCT02013167"],
        False,
        "ru",
    )
    assert tower.arms == ["blinatumomab", "chemotherapy"] and tower.endpoints == ["OS"]
    assert studies["ru (own cohort)"].is_primary


def test_papers_and_their_texts(kb):
    papers = {p.id: p for p in kb.papers()}
    assert {(p.id, p.language, p.results, p.studies) for p in papers.values()} == {
        ("ru", "ru", 4, 2),
        ("zh", "zh", 4, 3),
    }
    assert kb.paper_text(papers["ru"]) == evidence_kb.TEXT_RU
    for record in kb.all_outcomes(OutcomeFilters(paper="zh")):
        text = kb.paper_text(papers["zh"])
        assert text is not None
        assert text[record.evidence.char_start : record.evidence.char_end] == record.evidence.text


def test_texts_are_kept_for_papers_ingested_by_any_extractor(kb, papers: Path, tmp_path):
    from kb.settings import Settings
    from tests.conftest import line_extractor

    other = IngestingKnowledgeBase(Settings(home=tmp_path / "other"), extractor=line_extractor)
    try:
        assert other.ingest_paths([papers]).ok
        row = next(p for p in other.papers() if p.file == "a.txt")
        assert other.paper_text(row) == (papers / "a.txt").read_text(encoding="utf-8")
    finally:
        other.close()
