"""A landmark stated after its rate, and hazard ratios of death, in the languages papers use
(sentences written for these tests)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from ingest.document import read_paper
from ingest.extract import extract_records
from ingest.extract.arms import find_arm_phrases
from kb.records import OutcomeRecord


def extract(text: str, language: str) -> list[OutcomeRecord]:
    """The records of a one-sentence paper, read as `kb ingest` reads a file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"probe_{language}.txt"
        path.write_text(text, encoding="utf-8")
        return extract_records(read_paper(path))


@pytest.mark.parametrize(
    ("text", "language", "endpoint", "value", "months"),
    [
        ("Overall survival was 60% at 5 years.", "en", "OS", 60.0, 60.0),
        ("EFS was 16.2% (95% CI, 10.1-22.3) at 5 years.", "en", "EFS", 16.2, 60.0),
        ("La sobrevida libre de eventos fue del 16,2 % a los 5 años.", "es", "EFS", 16.2, 60.0),
        ("Die progressionsfreie Überlebensrate betrug 62,1 % nach 3 Jahren.", "de", "PFS", 62.1, 36.0),
        ("A sobrevida global foi de 45% aos 2 anos.", "pt", "OS", 45.0, 24.0),
    ],
)
def test_a_landmark_after_its_rate_is_the_rates_time_point(
    text: str, language: str, endpoint: str, value: float, months: float
) -> None:
    records = extract(text, language)
    assert [(r.endpoint, r.value, r.time_months) for r in records] == [(endpoint, value, months)]


def test_each_rate_takes_the_landmark_right_after_it() -> None:
    records = extract("OS was 60% at 2 years and 40% at 5 years.", "en")
    assert sorted((r.value, r.time_months) for r in records) == [(40.0, 60.0), (60.0, 24.0)]


def test_a_range_of_years_is_not_a_landmark() -> None:
    """'de 2 a 5 años': the 'a' of a range, not the preposition of a landmark."""
    records = extract("La supervivencia global fue del 70 % de 2 a 5 años.", "es")
    assert all(r.time_months != 60.0 for r in records)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The risk of death was lower with daratumumab (hazard ratio, 0.70; 95% CI, 0.55 to 0.89).", "en"),
        ("Overall, the hazard ratio for death was 0.70 (95% CI, 0.55-0.89).", "en"),
        ("Риск смерти снизился (ОР 0,70; 95% ДИ 0,55–0,89).", "ru"),
        ("El riesgo de muerte fue menor (HR 0,70; IC 95%: 0,55-0,89).", "es"),
        ("死亡风险降低（HR=0.70，95%CI 0.55~0.89）。", "zh"),
    ],
)
def test_a_hazard_ratio_of_death_is_one_of_overall_survival(text: str, language: str) -> None:
    records = extract(text, language)
    assert [(r.endpoint, r.statistic, r.value) for r in records] == [("OS", "hazard_ratio", 0.70)]


@pytest.mark.parametrize(
    "text",
    ["The 30-day risk of death was 5%.", "Sterberisiko nach 100 Tagen: 8 %."],
)
def test_a_rate_of_the_risk_of_death_is_not_survival(text: str) -> None:
    assert [r for r in extract(text, "en") if r.endpoint == "OS"] == []


def test_the_chinese_control_group_is_an_arm() -> None:
    labels = [a.label for a in find_arm_phrases("达雷妥尤单抗组和对照组的完全缓解率分别为45.0%和25.0%。")]
    assert "对照" in labels


@pytest.mark.parametrize(
    "text",
    ["No progression or death was observed beyond 35 months.", "No relapse occurred within 24 months."],
)
def test_a_duration_after_beyond_or_within_is_no_median(text: str) -> None:
    assert [r for r in extract(text, "en") if r.statistic == "median"] == []


def test_a_rate_after_a_landmark_with_after() -> None:
    records = extract("Overall survival after 5 years was 60%.", "en")
    assert [(r.endpoint, r.value, r.time_months) for r in records] == [("OS", 60.0, 60.0)]
