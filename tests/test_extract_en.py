"""English extraction cases: the English abstracts and figure legends inside papers 000, 001, 002
and 003, sentences written in the same style, and background sentences that must give nothing.

Expected results follow the curator's gold (../shared/gold/seeds.yaml).
"""

from __future__ import annotations

import pytest

from tests.extraction_cases import (
    R,
    assert_extracts,
    gap,
)

CORPUS = [
    pytest.param(
        # 002's English abstract; the paper's layout puts a column of Chinese text inside this sentence
        "The expected 3-year overall survival（OS）, leukemia-free survival, cumulative relapse incidence, "
        "and "
        "non- relapse mortality（NRM）of patients after the second HSCT were 48.9％（95％ CI 23.0％–70.6％"
        "）, "
        "41.8％（95％ CI 17.3％–64.9％）, 8.8％（95％ CI 2.9％–26.4％）, and 51.1％（95％ CI 31.2％–83.6％"
        "）, "
        "respectively.",
        (
            R("OS", 48.9, t=36, ci=(23.0, 70.6)),
            R("LFS", 41.8, t=36, ci=(17.3, 64.9)),
            R("RELAPSE", 8.8, t=36, ci=(2.9, 26.4)),
            R("NRM", 51.1, t=36, ci=(31.2, 83.6)),
        ),
        id="002-3y-four-endpoints-respectively",
    ),
    pytest.param(
        "The 1-year OS of patients who relapsed ≤6 months\nand ＞6 months after the first HSCT were 45.0％"
        "（95％ CI "
        "12.7％–73.5％）and 75.0％（95％ CI 51.4％\n–88.8％）（P＝0.017）, respectively.",
        (
            R("OS", 45.0, t=12, ci=(12.7, 73.5), p="=0.017", cmp="a"),
            R("OS", 75.0, t=12, ci=(51.4, 88.8), p="=0.017", cmp="a"),
        ),
        id="002-1y-os-by-relapse-time",
    ),
    pytest.param(
        # 000's figure 4 legend, English
        " OS; n = 109, 61 alive; 45 ± 8%\n\nEFS; n = 109, 52 in CCR; 37 ± 7%\nCIR; n = 109, 34 relapse; "
        "41.2 ± 7.8%\n\nTRD; n = 109, 6 death; 6.2 ± 2.5%",
        (
            R("OS", 45, pm=8),
            R("EFS", 37, pm=7),
            R("RELAPSE", 41.2, pm=7.8),
            R("NRM", 6.2, pm=2.5),
        ),
        id="000-figure-legend",
        marks=gap(
            "in a legend 'EFS; n = 109, 52 in CCR; 37 ± 7%' the value goes to the nearest word before it "
            "(CCR, relapse) instead of the label that opens the entry"
        ),
    ),
]

WRITTEN = [
    pytest.param(
        "Bridging therapy lasted 2 mo. Their event-free survival was 45%.",
        (R("EFS", 45),),
        id="abbreviated-duration-ends-its-sentence",
    ),
    pytest.param(
        "In MRD-positive patients, the overall response rate was 78%.",
        (R("MRD_NEG", 78),),
        id="response-among-mrd-positive-is-mrd-response",
    ),
    pytest.param(
        "Complete remission was achieved in 62% with blinatumomab versus 38% with chemotherapy (p = 45%).",
        (R("CR", 62, cmp="a"), R("CR", 38, cmp="a")),
        id="percent-is-not-a-p-value",
    ),
    pytest.param(
        "The overall response rate was 71% in the daratumumab group and 48% in the control group (P=1.7).",
        (R("ORR", 71, cmp="a"), R("ORR", 48, cmp="a")),
        id="p-above-one-is-not-a-p-value",
    ),
    pytest.param(
        "CR rate was 45% vs 20% (p<0.01).",
        (R("CR", 45, p="<0.01", cmp="a"), R("CR", 20, p="<0.01", cmp="a")),
        id="cr-vs-p",
    ),
    pytest.param(
        "The 2-year overall survival was 62.3% (95% CI, 51.0-71.6).",
        (R("OS", 62.3, t=24, ci=(51.0, 71.6)),),
        id="2y-os-ci",
    ),
    pytest.param(
        "Median progression-free survival was 11.2 months with teclistamab versus 6.1 months with standard "
        "therapy (p<0.001).",
        (R("PFS", 11.2, "months", p="<0.001", cmp="a"), R("PFS", 6.1, "months", p="<0.001", cmp="a")),
        id="median-pfs-versus",
    ),
    pytest.param("Median overall survival was not reached.", (R("OS", None, "months"),), id="os-not-reached"),
    pytest.param(
        "MRD negativity was achieved in 27 of 35 patients (77.1%).",
        (R("MRD_NEG", 77.1, count=27, n=35),),
        id="count-of-n-with-percent",
    ),
    pytest.param(
        "Event-free survival at 12 months was 71% in the blinatumomab arm and 58% in the chemotherapy arm "
        "(P = .02).",
        (R("EFS", 71, t=12, p="=0.02", cmp="a"), R("EFS", 58, t=12, p="=0.02", cmp="a")),
        id="efs-at-12-months-by-arm",
    ),
    pytest.param(
        "The 3-year cumulative incidence of relapse was 18.5% ± 4.2%.",
        (R("RELAPSE", 18.5, t=36, pm=4.2),),
        id="cir-pm-after-percent",
    ),
    pytest.param(
        "Cytokine release syndrome occurred in 62% of patients and neurotoxicity in 9%.",
        (R("CRS", 62), R("NEUROTOX", 9)),
        id="crs-and-neurotox",
    ),
    pytest.param(
        "Grade ≥3 cytokine release syndrome occurred in 4% of patients.",
        (R("CRS", 4, grade=">=3"),),
        id="grade-3-crs",
    ),
    pytest.param(
        "The overall response rate was 73% and the complete response rate 33%.",
        (R("ORR", 73), R("CR", 33)),
        id="orr-and-cr",
    ),
    pytest.param(
        "Median duration of response was 9.6 months (95% CI 6.2-13.0).",
        (R("DOR", 9.6, "months", ci=(6.2, 13.0)),),
        id="median-dor-ci",
    ),
]

NEGATIVE = [
    pytest.param(
        "Contemporary treatment approaches have increased the 5-year event-free survival and overall surviv"
        "al "
        "rates for ALL to over 80% and 90%, respectively, and reduced the cumulative risk of recurrence to "
        "less "
        "than 10%.",
        id="001-over-80-and-90",
    ),
    pytest.param(
        "75% of the patients are B-cell ALL (B-ALL), 25% are T-cell ALL (T-ALL).", id="001-subtypes"
    ),
    pytest.param(
        "It is necessary to use and develop new therapeutic approaches to further improve treatment outcome"
        "s and "
        "quality of life in the 10% of patients with relapse.",
        id="001-relapsing-share",
    ),
    pytest.param(
        "There were 31 cases of bone marrow recurrence（75.6％）, 5 cases of extramedullary recurrence（12."
        "2％）, "
        "and 5 cases of bone marrow and extramedullary recurrences（12.2％）.",
        id="002-relapse-sites",
    ),
    pytest.param(
        "After relapse, 35 patients（85.4％）received CD19-CART treatment, 2 patients received CD22-CART "
        "treatment（4.9％）, and 4 patients received CD19-CART and CD22-CART treatments（9.8％）.",
        id="002-treatment-shares",
    ),
    pytest.param("The median age at the second HSCT was 16（3–46）years.", id="002-median-age"),
    pytest.param(
        "As treatment with blinatumomab proved ineffective, InO therapy was subsequently initiated;however, "
        "severe melena developed 5 days after the initial administration.",
        id="003-days-after",
    ),
    pytest.param(
        "The patient died 14 days after InO administration, owing to the rapid proliferation of CD22- leuke"
        "mic "
        "cells.",
        id="003-death-after-days",
    ),
    pytest.param("Approximately 40% of adults relapse after achieving complete remission.", id="hedged-cr"),
    pytest.param("About 20% of patients have a relapse rate that remains high.", id="hedged-relapse"),
    pytest.param("Complete remission was defined as <5% blasts in the bone marrow.", id="cr-definition"),
    pytest.param(
        "Patients with >5% blasts were considered refractory to induction.", id="refractory-threshold"
    ),
    pytest.param("Median follow-up for overall survival was 24.3 months.", id="follow-up-os"),
    pytest.param(
        "Blinatumomab was given at 28 µg/day for 4 weeks, and dexamethasone 20 mg was used to prevent cytok"
        "ine "
        "release syndrome.",
        id="dosing-crs",
    ),
    pytest.param(
        "Blinatumomab engages CD3-positive T cells to lyse CD19-positive blasts, and overall survival depen"
        "ds on "
        "T-cell fitness.",
        id="mechanism-os",
    ),
]


@pytest.mark.parametrize(("sentence", "results"), CORPUS + WRITTEN)
def test_sentence_results(sentence: str, results: tuple[R, ...]) -> None:
    assert_extracts(sentence, results)


@pytest.mark.parametrize("sentence", NEGATIVE)
def test_background_sentence_gives_nothing(sentence: str) -> None:
    assert_extracts(sentence, ())
