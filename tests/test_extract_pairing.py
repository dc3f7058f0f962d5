"""How p-values, hazard ratios and the arms of one sentence are tied into comparisons, in every
language: a hazard ratio keeps the p-value stated right after it; two results of one endpoint that
the arm linker gives different arms are one comparison; a p-value closing the clause of the second
result is the comparison's; 'respectively' lists that follow each other are separate lists; a hazard
ratio in the sentence next to a comparison of its endpoint gives it its p-value.

Every sentence is written for these tests, in the style of the field's papers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.extract.arms import find_arm_phrases
from ingest.extract.learned import pipeline_parts, shipped_parts
from ingest.extract.sentences import extract_sentence
from ingest.normalize import normalize
from ingest.pipeline import extract_paper
from tests.extraction_cases import R, assert_extracts, expected, project

RULES = [
    pytest.param(
        "Overall survival did not differ between the arms (HR, 1.31; 95% CI, 0.90-1.88; P = .21).",
        (R("OS", 1.31, "ratio", ci=(0.9, 1.88), p="=0.21"),),
        False,
        id="en-hazard-ratio-keeps-its-p",
    ),
    pytest.param(
        "Das Gesamtüberleben war unter der Kombination länger (Hazard Ratio [HR] 0,61; 95%-KI 0,45–0,83; "
        "p = 0,002).",
        (R("OS", 0.61, "ratio", ci=(0.45, 0.83), p="=0.002"),),
        False,
        id="de-hazard-ratio-keeps-its-p",
    ),
    pytest.param(
        "La supervivencia libre de progresión mejoró (HR para la progresión o la muerte, 0,48; IC 95%, "
        "0,35 a 0,66; P <0,001).",
        (R("PFS", 0.48, "ratio", ci=(0.35, 0.66), p="<0.001"),),
        False,
        id="es-hazard-ratio-keeps-its-p",
    ),
    pytest.param(
        "Median PFS was 11.2 months versus 6.1 months (HR 0.58; 95% CI 0.41-0.80; P < 0.001).",
        (
            R("PFS", 11.2, "months", p="<0.001", cmp="a"),
            R("PFS", 6.1, "months", p="<0.001", cmp="a"),
            R("PFS", 0.58, "ratio", ci=(0.41, 0.8), p="<0.001"),
        ),
        False,
        id="en-comparison-and-its-ratio-share-the-p",
    ),
    pytest.param(
        "полная ремиссия достигнута у 31 % пациентов, получавших венетоклакс, и у 9,4 % пациентов, "
        "получавших стандартную терапию (p = 0,003).",
        (R("CR", 31, p="=0.003", cmp="a"), R("CR", 9.4, p="=0.003", cmp="a")),
        False,
        id="ru-p-closing-the-clause-of-the-second-result",
    ),
    pytest.param(
        "After a median follow-up of 30.1 months, the median overall survival (OS) was 14.8 months "
        "(95% CI, 10.6 to not evaluable) and 11.5 months (95% CI, 6.8-19.6; P = .15), respectively.",
        (
            R("OS", 14.8, "months", p="=0.15", cmp="a"),
            R("OS", 11.5, "months", ci=(6.8, 19.6), p="=0.15", cmp="a"),
        ),
        False,
        id="en-p-inside-the-ci-parenthesis",
    ),
    pytest.param(
        "急性髓系白血病組A方案和B方案3年的LFS分別為61%和40%,急性淋巴細胞白血病組分別為52%和27%。",
        (
            R("LFS", 61, t=36, cmp="a"),
            R("LFS", 40, t=36, cmp="a"),
            R("LFS", 52, t=36, cmp="b"),
            R("LFS", 27, t=36, cmp="b"),
        ),
        True,
        id="zh-traditional-two-respectively-lists",
    ),
    pytest.param(
        "观察组总缓解率78.00%显著高于对照组的55.00%(P<0.05)。",
        (R("ORR", 78, p="<0.05", cmp="a"), R("ORR", 55, p="<0.05", cmp="a")),
        True,
        id="zh-higher-than-is-a-comparison",
    ),
    pytest.param(
        "3년 무진행생존율(PFS)은 ABC군, XYZ군, AB군 각각 61%, 54%, 49%였다.",
        (R("PFS", 61, t=36, cmp="a"), R("PFS", 54, t=36, cmp="a"), R("PFS", 49, t=36, cmp="a")),
        False,
        id="ko-groups-named-with-gun-respectively",
    ),
    pytest.param(
        "A ile tedavi edilenlerde (sırasıyla %52 ve %90), B ile tedavi edilenlerde (sırasıyla %20 ve %61) "
        "tam remisyon ve genel yanıt oranları anlamlı olarak daha yüksekti.",
        (R("CR", 52), R("ORR", 90), R("CR", 20), R("ORR", 61)),
        False,
        id="tr-respectively-lists-name-their-endpoints-after",
    ),
]


@pytest.mark.parametrize(("sentence", "results", "cjk"), RULES)
def test_pairing_rules(sentence: str, results: tuple[R, ...], cjk: bool) -> None:
    assert_extracts(sentence, results, cjk)


LINKED = [
    pytest.param(
        "Grade 3-5 adverse events occurred in 21.4% of patients with ibrutinib and 30.2% with bendamustine; "
        "serious events occurred in 12.1% and 9.5% of patients, respectively.",
        [21.4, 30.2],
        id="en-of-patients-with-a-and-with-b",
    ),
    pytest.param(
        "La tasa de respuesta fue del 64,2% (IC 95%, 55,0 a 72,1) en el grupo de daratumumab y del 41,3% "
        "(IC 95%, 33,5 a 49,8) en el grupo de control.",
        [64.2, 41.3],
        id="es-en-el-grupo-a-y-en-el-grupo-b",
    ),
]


@pytest.mark.parametrize(("sentence", "paired"), LINKED)
def test_results_the_arm_linker_sets_apart_are_one_comparison(sentence: str, paired: list[float]) -> None:
    drafts = extract_sentence(normalize(sentence).text, parts=pipeline_parts(shipped_parts()))
    groups = {d.group for d in drafts if d.value.value in paired}
    assert len(groups) == 1 and None not in groups, [(d.value.value, d.arm, d.group) for d in drafts]
    assert all(d.group is None or d.value.value in paired for d in drafts)


def test_linked_pairing_leaves_respectively_lists_to_their_rules() -> None:
    sentence = (
        "A ile tedavi edilenlerde (sırasıyla %52 ve %90), B ile tedavi edilenlerde (sırasıyla %20 ve %61) "
        "tam remisyon ve genel yanıt oranları anlamlı olarak daha yüksekti."
    )
    drafts = extract_sentence(normalize(sentence).text, parts=pipeline_parts(shipped_parts()))
    got = project(drafts)
    assert [(r.endpoint, r.cmp) for r in got] == [("CR", None), ("ORR", None), ("CR", None), ("ORR", None)]
    assert got == expected((R("CR", 52), R("ORR", 90), R("CR", 20), R("ORR", 61)))


def test_korean_group_words() -> None:
    labels = [a.label for a in find_arm_phrases("대조군에서 20%, 병용군은 40%; 골수이형성증후군 환자군")]
    assert labels == ["대조", "병용"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Methods: We randomly assigned 300 patients with myeloma to drug A plus dexamethasone or "
            "dexamethasone alone.\n\nResults: Median progression-free survival was 10.4 months with drug A "
            "versus 4.9 months with dexamethasone alone. The hazard ratio for progression or death was 0.52 "
            "(95% CI, 0.36-0.75; P = 0.004).\n",
            id="ratio-after-the-comparison",
        ),
        pytest.param(
            "Methods: We randomly assigned 300 patients with myeloma to drug A plus dexamethasone or "
            "dexamethasone alone.\n\nResults: The hazard ratio for progression or death was 0.52 (95% CI, "
            "0.36-0.75; P = 0.004). Median progression-free survival was 10.4 months with drug A versus 4.9 "
            "months with dexamethasone alone.\n",
            id="ratio-before-the-comparison",
        ),
    ],
)
def test_hazard_ratio_of_the_next_sentence_gives_the_comparison_its_p(text: str, tmp_path: Path) -> None:
    path = tmp_path / "en_trial.txt"
    path.write_text(text, encoding="utf-8")
    recs = extract_paper(path).records
    pfs = [r for r in recs if r.endpoint == "PFS" and r.statistic == "median"]
    assert sorted(r.value for r in pfs) == [4.9, 10.4], [(r.endpoint, r.value) for r in recs]
    assert pfs[0].comparison == pfs[1].comparison is not None
    assert all((r.p_operator, r.p_value, r.hazard_ratio) == ("=", 0.004, 0.52) for r in pfs)
