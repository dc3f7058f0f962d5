"""The concept channel of the search (kb.search.concept_terms): questions and passages meet on the
vocabulary concepts they name, whatever language either is written in."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.ingestion import IngestingKnowledgeBase
from kb.search.concept_terms import query_terms
from kb.search.engine import Fusion, Searcher
from kb.search.gloss import reading_gloss
from kb.service import KnowledgeBase
from kb.settings import Settings
from kb.store.paper_writes import ExtractedPaper
from tests.conftest import line_extractor


def own_concepts(query: str) -> set[str]:
    return {t for t in query_terms(query) if t.startswith("c.")}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # a product name implies its target antigen and its drug class
        (
            "tisagenlecleucel event-free survival",
            {"c.interventions.cd19cart", "c.antigens.cd19", "c.classes.cart"},
        ),
        # Russian: the drug, its target and the endpoint
        (
            "выживаемость без прогрессирования при даратумумабе",
            {"c.interventions.daratumumab", "c.antigens.cd38", "c.endpoints.pfs"},
        ),
        # a subtype brings its broader disease: a question on myeloma meets a passage on RRMM
        ("埃罗妥珠单抗治疗复发难治多发性骨髓瘤", {"c.diseases.rrmm", "c.diseases.mm", "c.antigens.slamf7"}),
        # an antigen named as such, without a drug
        ("median PFS of an anti-CD38 antibody", {"c.antigens.cd38", "c.endpoints.pfs"}),
        ("axi-cel as second-line therapy", {"c.lines.secondline", "c.interventions.cd19cart"}),
    ],
)
def test_a_question_resolves_to_the_concepts_it_names(query: str, expected: set[str]) -> None:
    assert expected <= own_concepts(query), own_concepts(query)


@pytest.mark.parametrize(
    ("query", "absent"),
    [
        ("event-free survival", "c.endpoints.os"),  # "survival" inside a longer endpoint name
        ("transplant-ineligible newly diagnosed myeloma", "c.interventions.allohsct"),
        ("blinatumomab", "c.antigens.cd3"),  # CD3 is every engager's partner, not a target to match on
    ],
)
def test_a_question_does_not_resolve_to_what_it_does_not_name(query: str, absent: str) -> None:
    assert absent not in own_concepts(query)


def test_every_question_term_is_also_a_paper_term() -> None:
    terms = query_terms("daratumumab progression-free survival")
    own = {t.removeprefix("c.") for t in terms if t.startswith("c.")}
    paper = {t.removeprefix("p.") for t in terms if t.startswith("p.")}
    assert own and own == paper


# Our own sentences: a Japanese paper on tisagenlecleucel and two English papers that share the
# question's words but not its drug.
PAPERS = {
    "ja_tisacel.txt": (
        "再発・難治性急性リンパ性白血病に対するキムリアの成績\n"
        "小児および若年成人の再発・難治性B細胞性急性リンパ性白血病75例にキムリアを投与した。"
        "3か月以内の寛解率は81%であった。12か月時点の無イベント生存率は50%であった。\n"
    ),
    "en_chemo.txt": (
        "Event-free survival with intensive chemotherapy in adults\n"
        "Adults with acute myeloid leukemia received intensive chemotherapy. Event-free survival at"
        " 12 months was 40% and event-free survival at 24 months was 30% in this survival analysis.\n"
    ),
    "en_myeloma.txt": (
        "Event-free survival after autologous transplantation in myeloma\n"
        "Patients with multiple myeloma underwent autologous transplantation. Event-free survival was"
        " 55% at two years, and the event-free survival of patients in complete response was longer.\n"
    ),
}


def passages_only(path: Path) -> ExtractedPaper:
    paper = line_extractor(path)
    return ExtractedPaper(meta=paper.meta, records=[], text=path.read_bytes().decode("utf-8"))


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("concepts")
    for name, text in PAPERS.items():
        (root / name).write_text(text, encoding="utf-8")
    knowledge_base = IngestingKnowledgeBase(Settings(home=root / "kb"), extractor=passages_only)
    assert knowledge_base.ingest_paths([root]).ok
    yield knowledge_base
    knowledge_base.close()


def test_concepts_alone_rank_the_paper_in_another_language_first(store: KnowledgeBase) -> None:
    # The question shares no word with the Japanese paper and many with the English ones; its drug
    # (a brand name in the paper, the INN in the question) and its endpoint are what they share.
    searcher = Searcher(store.settings, Fusion(vector_weight=0.0, bm25_weight=0.0, concept_weight=1.0))
    try:
        hits = searcher.search(store._store().pinned(), "tisagenlecleucel event-free survival", 3).results
    finally:
        searcher.close()
    assert hits and hits[0].paper.id == "ja_tisacel", [(h.paper.id, h.score) for h in hits]


def test_the_default_search_ranks_the_paper_in_another_language_first(store: KnowledgeBase) -> None:
    hits = store.search("tisagenlecleucel event-free survival", 3).results
    assert hits[0].paper.id == "ja_tisacel", [(h.paper.id, h.score) for h in hits]


@pytest.mark.parametrize(
    ("sentence", "gloss"),
    [
        (
            "移植后3年总生存率为48.9%(95%CI 23.0%~70.6%)。",
            "3 years · overall survival · 48.9% · 95% · 23.0% · 70.6%",
        ),
        ("無増悪生存期間中央値は11.8カ月であった。", "progression-free survival · 11.8 months"),
        ("Toplam sağkalım oranı %75 olarak bulundu.", "overall survival · 75%"),
        (
            "частота полных ремиссий составила 80,7% против 29,4%",
            "complete remission / response · 80.7% · 29.4%",
        ),
    ],
)
def test_a_sentence_in_another_language_gets_an_english_reading_gloss(sentence: str, gloss: str) -> None:
    assert reading_gloss(sentence) == gloss
