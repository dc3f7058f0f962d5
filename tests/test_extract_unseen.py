"""Whole-paper extraction on papers written for these tests, in the style of the corpus but not
from it (one per language, an original article or a review): the rules must generalize."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import extract_paper
from kb.model.records import OutcomeRecord

DATA = Path(__file__).parent / "data" / "unseen"


def records(name: str) -> list[OutcomeRecord]:
    return extract_paper(DATA / name).records


def find(recs: list[OutcomeRecord], endpoint: str, value: float | None) -> OutcomeRecord:
    hits = [r for r in recs if r.endpoint == endpoint and r.value == value]
    assert len(hits) == 1, f"{endpoint} {value}: {[(r.endpoint, r.value) for r in recs]}"
    return hits[0]


def test_english_randomized_trial() -> None:
    recs = records("en_rct.txt")
    cr_blina, cr_chemo = find(recs, "CR", 62.0), find(recs, "CR", 38.0)
    assert cr_blina.comparison == cr_chemo.comparison is not None
    assert (cr_blina.p_operator, cr_blina.p_value) == ("<", 0.001)
    assert [c.id for c in cr_chemo.interventions] == ["chemotherapy"] and cr_blina.antigens == ["CD19", "CD3"]
    os_blina = find(recs, "OS", 14.2)
    assert (os_blina.statistic, os_blina.unit, os_blina.ci_low, os_blina.ci_high) == (
        "median",
        "months",
        10.1,
        18.3,
    )
    assert os_blina.hazard_ratio == 0.62 and os_blina.p_value == 0.003
    assert find(recs, "EFS", 41.0).time_months == 24
    mrd = find(recs, "MRD_NEG", 77.4)
    assert (mrd.count, mrd.n) == (48, 62)
    assert find(recs, "CRS", 3.0).grade == ">=3" and find(recs, "CRS", 15.0).grade == "any"
    study = cr_blina.study
    assert (
        study.is_primary and study.registry_ids == ["NCT01234567"] and study.design == "randomized phase III"
    )


def test_english_review_cites_named_and_unnamed_studies() -> None:
    recs = records("en_review.txt")
    phase2 = find(recs, "CR", 57.0)
    assert not phase2.study.is_primary and phase2.study.design == "phase II" and phase2.n == 49
    ino, std = find(recs, "CR", 80.7), find(recs, "CR", 29.4)
    assert ino.study.label == "INO-VATE ALL" and ino.comparison == std.comparison is not None
    assert [c.id for c in std.interventions] == ["standard-therapy"] and ino.antigens == ["CD22"]
    os_ino, os_std = find(recs, "OS", 23.0), find(recs, "OS", 10.0)
    assert os_ino.time_months == os_std.time_months == 24 and os_ino.comparison == os_std.comparison
    assert find(recs, "AE", 11.0).event == "hepatic veno-occlusive disease"
    orr = find(recs, "ORR", 67.0)
    assert (orr.ci_low, orr.ci_high, orr.population) == (54.0, 78.0, "pediatric")


def test_chinese_car_t_cohort() -> None:
    recs = records("zh_cart.txt")
    cr = find(recs, "CR", 82.8)
    assert (cr.count, cr.n) == (48, 58) and cr.study.is_primary and cr.antigens == ["CD19"]
    os1 = find(recs, "OS", 70.2)
    assert os1.time_months == 12 and (os1.ci_low, os1.ci_high) == (56.1, 80.4)
    assert find(recs, "CRS", 13.8).grade == ">=3"
    bridged, not_bridged = find(recs, "OS", 78.5), find(recs, "OS", 45.6)
    assert bridged.comparison == not_bridged.comparison is not None and bridged.p_value == 0.008
    assert bridged.time_months == 24 and bridged.arm != not_bridged.arm
    # a cited study's generic "CART" is the paper's main product (CD19), not every product it names
    cited = find(recs, "CR", 88.0)
    assert not cited.study.is_primary and cited.antigens == ["CD19"]


def test_japanese_daratumumab_cohort() -> None:
    recs = records("ja_dara.txt")
    orr = find(recs, "ORR", 75.0)
    assert (orr.count, orr.n) == (24, 32) and orr.antigens == ["CD38"]
    assert find(recs, "VGPR_OR_BETTER", 46.9)
    pfs = find(recs, "PFS", 14.2)
    assert (pfs.statistic, pfs.ci_low, pfs.ci_high) == ("median", 9.8, 18.6)
    os_median = find(recs, "OS", None)
    assert os_median.not_reached
    assert find(recs, "OS", 68.5).time_months == 24
    assert find(recs, "AE", 40.6).event == "好中球減少"
    assert orr.line_of_therapy == "relapsed/refractory"


def test_russian_inotuzumab_cohort() -> None:
    recs = records("ru_ino.txt")
    assert (find(recs, "CR", 73.0).count, find(recs, "MRD_NEG", 51.4).count) == (27, 19)
    median = find(recs, "OS", 9.8)
    assert (median.statistic, median.ci_low, median.ci_high) == ("median", 6.1, 13.5)
    two_year = find(recs, "OS", 32.0)
    assert (two_year.time_months, two_year.pm) == (24, 8.0)
    with_hsct, without = find(recs, "OS", 55.0), find(recs, "OS", 12.0)
    assert with_hsct.comparison == without.comparison is not None and with_hsct.p_value == 0.003
    assert "allo-hsct" in [c.id for c in with_hsct.interventions]
    assert "allo-hsct" not in [c.id for c in without.interventions]
    assert with_hsct.line_of_therapy == "relapsed/refractory" and with_hsct.population == "adult"


@pytest.mark.parametrize(
    ("endpoint", "value"),
    [("CR", 64.3), ("MRD_NEG", 83.3), ("OS", 57.1), ("EFS", 42.9), ("CRS", 21.4), ("CRS", 3.6)],
)
def test_turkish_blinatumomab_cohort(endpoint: str, value: float) -> None:
    record = find(records("tr_blina.txt"), endpoint, value)
    assert record.study.is_primary and record.antigens == ["CD19", "CD3"]


def test_turkish_transplant_comparison() -> None:
    recs = records("tr_blina.txt")
    yes, no = find(recs, "OS", 75.0), find(recs, "OS", 30.0)
    assert yes.comparison == no.comparison is not None and yes.p_value == 0.02 and yes.time_months == 24


@pytest.mark.parametrize(
    ("paper", "endpoint", "without_hsct", "with_hsct"),
    [("en_review.txt", "CCR", 38.0, 52.0), ("ru_ino.txt", "OS", 28.0, 47.0)],
)
def test_cited_transplant_comparison_keeps_the_papers_drug(
    paper: str, endpoint: str, without_hsct: float, with_hsct: float
) -> None:
    """'patients who did not undergo transplantation' / 'которым не была выполнена трансплантация' name an arm
    without the transplant; a cited result naming only the transplant is about the paper's drug."""
    recs = records(paper)
    no, yes = find(recs, endpoint, without_hsct), find(recs, endpoint, with_hsct)
    assert no.comparison == yes.comparison is not None
    assert no.arm and yes.arm and no.arm != yes.arm
    assert [c.id for c in no.interventions] == ["inotuzumab-ozogamicin"]
    assert [c.id for c in yes.interventions] == ["inotuzumab-ozogamicin", "allo-hsct"]
    assert no.antigens == yes.antigens == ["CD22"] and not no.study.is_primary


def test_p_value_sentence_closes_a_comparison_spread_over_two_sentences() -> None:
    recs = records("ru_ino.txt")
    groups = [find(recs, "EFS", v) for v in (70.0, 30.0, 52.0)]
    assert len({r.comparison for r in groups}) == 1 and groups[0].comparison is not None
    assert {(r.p_operator, r.p_value) for r in groups} == {("=", 0.002)}
