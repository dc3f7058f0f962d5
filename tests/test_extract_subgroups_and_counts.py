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


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "The 2-year OS was 60% in patients who achieved CR and 20% in those who did not.",
            "en",
            {("OS", 60.0), ("OS", 20.0)},
        ),
        ("Patients with MRD-negative status had a 3-year OS of 80%.", "en", {("OS", 80.0)}),
        (
            "La SG a 3 años fue del 80% en los pacientes en RC y del 30% en los demás.",
            "es",
            {("OS", 80.0), ("OS", 30.0)},
        ),
        ("TY elde eden hastalarda 3 yıllık GSK %80 idi.", "tr", {("OS", 80.0)}),
        ("获得CR的患者3年总生存率为80%。", "zh", {("OS", 80.0)}),
        ("Complete remission was achieved in 45% of patients.", "en", {("CR", 45.0)}),
    ],
)
def test_an_endpoint_that_defines_a_subgroup_is_not_what_its_numbers_measure(text, language, expected):
    assert {(r.endpoint, r.value) for r in extract(text, language)} == expected


def test_a_heading_names_the_endpoint_of_the_numbers_after_it():
    text = (
        "Critère principal : survie sans progression. Médiane : 27,0 mois dans le bras R-FC versus"
        " 18,1 mois dans le bras FC (HR = 0,56 ; p < 0,0001)."
    )
    records = extract(text, "fr")
    assert {(r.endpoint, r.value) for r in records} == {("PFS", 27.0), ("PFS", 18.1), ("PFS", 0.56)}


def test_refractory_to_a_prior_line_is_a_baseline_trait_not_a_non_response():
    text = "Patients had received a median of 4 prior lines, and 78% were refractory to the last line."
    assert extract(text, "en") == []


def test_a_share_that_relapsed_is_a_relapse_rate():
    assert summary("Of patients in CR, 30% relapsed.", "en") == {("RELAPSE", 30.0, None)}


def test_results_others_reported_before_are_cited_not_the_papers_own():
    text = "We treated 40 patients with blinatumomab. The overall response rate was 65%. "
    records = extract(text + "Previous studies have reported an ORR of 73% with ide-cel.", "en")
    primary = {r.value: r.study.is_primary for r in records}
    assert primary == {65.0: True, 73.0: False}
    records = extract(text + "Consistent with previous reports, the complete remission rate was 45%.", "en")
    assert {r.value: r.study.is_primary for r in records} == {65.0: True, 45.0: True}


@pytest.mark.parametrize(
    ("text", "language", "arms"),
    [
        (
            "ПР была достигнута у 34% больных, получавших блинатумомаб, и у 16% больных,"
            " получавших химиотерапию.",
            "ru",
            {34.0: "blinatumomab", 16.0: "chemotherapy"},
        ),
        (
            "Im Polatuzumab-Arm betrug die CR-Rate 40 % gegenüber 18 % im Vergleichsarm.",
            "de",
            {40.0: "polatuzumab vedotin", 18.0: "comparison"},
        ),
        (
            "In a previous study, blinatumomab induced a CR rate of 43% in adults with relapsed ALL [12].",
            "en",
            {43.0: None},
        ),
    ],
)
def test_arms_named_by_a_participle_or_a_compound_and_never_by_a_disease(text, language, arms):
    assert {r.value: r.arm for r in extract(text, language)} == arms
