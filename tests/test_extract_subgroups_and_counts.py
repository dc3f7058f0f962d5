"""Subgroups, ages, counts out of a total, hazard ratios and day landmarks the ways abstracts in
several languages write them (sentences written for these tests)."""

from __future__ import annotations

import pytest

from tests.test_extract_common_phrasings import extract


def summary(text: str, language: str) -> set[tuple]:
    return {(r.endpoint, r.value, r.arm) for r in extract(text, language)}


@pytest.mark.parametrize(
    ("text", "language", "endpoint", "value"),
    [
        (
            "Le rapport de risque pour la progression ou le décès était de 0,56 (IC à 95 %, 0,43 à 0,73).",
            "fr",
            "PFS",
            0.56,
        ),
        ("Отношение рисков смерти составило 0,64 (95% ДИ 0,48–0,85; p=0,002).", "ru", "OS", 0.64),
        ("A razão de risco para progressão ou morte foi de 0,61 (IC 95%, 0,47–0,80).", "pt", "PFS", 0.61),
    ],
)
def test_a_hazard_ratio_is_read_whatever_verb_links_it(text, language, endpoint, value):
    records = extract(text, language)
    assert [(r.endpoint, r.statistic, r.value) for r in records] == [(endpoint, "hazard_ratio", value)]


@pytest.mark.parametrize(
    ("text", "language", "n"),
    [
        ("Une maladie résiduelle minimale négative a été obtenue chez 32 patients sur 40 (80 %).", "fr", 40),
        ("MRD-Negativität wurde bei 27 von 36 Patienten (75 %) erreicht.", "de", 36),
        ("Se obtuvo respuesta completa en 32 de 40 pacientes (80%).", "es", 40),
        ("La remissione completa è stata ottenuta in 12 su 16 pazienti (75%).", "it", 16),
        ("Complete remission was achieved in 35 out of 50 patients.", "en", 50),
    ],
)
def test_a_count_out_of_a_total_gives_the_total_as_n(text, language, n):
    (record,) = extract(text, language)
    assert record.n == n


def test_russian_groups_named_by_an_adjective_keep_their_own_values():
    text = (
        "Двухлетняя безрецидивная выживаемость в группе блинатумомаба была 61%,"
        " в контрольной группе — 38% (p=0,02)."
    )
    assert summary(text, "ru") == {("DFS", 61.0, "blinatumomab"), ("DFS", 38.0, "control")}
    text = "В группе высокого риска 3-летняя БСВ составила 45%, в группе стандартного риска — 81%."
    assert summary(text, "ru") == {("EFS", 45.0, "high-risk"), ("EFS", 81.0, "standard-risk")}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("In the subgroup of patients aged 65 years or older, median PFS was 10.2 months.", "en"),
        ("The median age was 62 years, and median PFS was 10.2 months.", "en"),
    ],
)
def test_an_age_is_never_a_result(text, language):
    assert [(r.endpoint, r.value) for r in extract(text, language)] == [("PFS", 10.2)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("In patients older than 60 years, the CR rate was 45%.", "en"),
        ("Chez les patients âgés de plus de 60 ans, le taux de rémission complète était de 45 %.", "fr"),
        ("En los pacientes mayores de 60 años, la tasa de remisión completa fue del 45%.", "es"),
    ],
)
def test_an_age_is_never_a_time_point(text, language):
    assert [(r.endpoint, r.value, r.time_months) for r in extract(text, language)] == [("CR", 45.0, None)]


def test_a_subgroup_after_a_patient_word_names_the_arm():
    text = "For patients in first relapse, the 2-year overall survival was 60%."
    assert summary(text, "en") == {("OS", 60.0, "first relapse")}
    text = "Among patients with high-risk cytogenetics, the complete response rate was 40%."
    assert summary(text, "en") == {("CR", 40.0, "high-risk cytogenetics")}


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("Treatment-related mortality at day 100 was 6%.", 3.3),
        ("The cumulative incidence of grade II-IV acute GVHD by day +100 was 32%.", 3.3),
        ("Blinatumomab was given on days 1 to 28 and the CR rate was 45%.", None),
    ],
)
def test_a_landmark_written_day_first(text, months):
    (record,) = extract(text, "en")
    assert record.time_months == months


def test_gvhd_free_relapse_free_survival_is_not_relapse_free_survival():
    assert extract("GVHD-free, relapse-free survival at 1 year was 41%.", "en") == []
