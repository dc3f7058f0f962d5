"""A landmark stated after its rate, and hazard ratios of death, in the languages papers use
(sentences written for these tests)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from ingest.document import read_paper
from ingest.extract import extract_records
from ingest.extract.arms import find_arm_phrases
from kb.model.records import OutcomeRecord


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


def test_the_chinese_control_group_is_an_arm() -> None:
    labels = [a.label for a in find_arm_phrases("达雷妥尤单抗组和对照组的完全缓解率分别为45.0%和25.0%。")]
    assert "对照" in labels


@pytest.mark.parametrize(
    ("text", "what_it_is_not"),
    [
        ("The 30-day risk of death was 5%.", ("endpoint", "OS")),  # mortality, not survival
        ("Sterberisiko nach 100 Tagen: 8 %.", ("endpoint", "OS")),
        ("No progression or death was observed beyond 35 months.", ("statistic", "median")),
        ("No relapse occurred within 24 months.", ("statistic", "median")),
        ("Median PFS was not reached (95% CI, 20.1 months to not estimable).", ("value", 20.1)),
        ("Thirty-five patients (70%) achieved CR, and 10 (20%) achieved PR.", ("value", 20.0)),
        ("The ORR was 80% (CR 50%, PR 30%).", ("value", 30.0)),
    ],
)
def test_a_number_is_not_read_as_what_it_is_not(text: str, what_it_is_not: tuple[str, object]) -> None:
    field, wrong = what_it_is_not
    assert [r for r in extract(text, "en") if getattr(r, field) == wrong] == []


def test_a_rate_after_a_landmark_with_after() -> None:
    records = extract("Overall survival after 5 years was 60%.", "en")
    assert [(r.endpoint, r.value, r.time_months) for r in records] == [("OS", 60.0, 60.0)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "The 1-, 3- and 5-year OS rates were 90%, 75% and 60%, respectively.",
            "en",
            [(60.0, 60.0), (75.0, 36.0), (90.0, 12.0)],
        ),
        (
            "The 1- and 3-year OS rates were 90% and 75%; the CR rate was 50%.",
            "en",
            [(50.0, None), (75.0, 36.0), (90.0, 12.0)],
        ),
        ("1年、3年和5年总生存率分别为90%、75%和60%。", "zh", [(60.0, 60.0), (75.0, 36.0), (90.0, 12.0)]),
        (
            "1-, 2- and 3-year OS rates with ELd versus Ld were 91% versus 83%, 73% versus 69% and"
            " 60% versus 53%.",
            "en",
            [(53.0, 36.0), (60.0, 36.0), (69.0, 24.0), (73.0, 24.0), (83.0, 12.0), (91.0, 12.0)],
        ),
    ],
)
def test_a_list_of_landmarks_gives_its_rates_their_time_points_in_order(
    text: str, language: str, expected: list[tuple[float, float | None]]
) -> None:
    assert sorted((r.value, r.time_months) for r in extract(text, language)) == expected


def test_complete_and_partial_responses_respectively() -> None:
    records = extract(
        "Complete and partial responses were seen in 41.6% and 45.8% of cases, respectively.", "en"
    )
    assert [(r.endpoint, r.value) for r in records] == [("CR", 41.6)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "A total of 24.2% of the patients in the daratumumab group, as compared with 7.3% of the patients"
            " in the control group, had results below the threshold for minimal residual disease (P<0.001).",
            "en",
        ),
        (
            "Un total de 24,2% de los pacientes en el grupo de daratumumab, en comparación con el 7,3% de los"
            " pacientes en el grupo de control, tuvieron resultados por debajo del umbral para la enfermedad"
            " residual mínima (P <0,001).",
            "es",
        ),
    ],
)
def test_results_below_the_mrd_threshold_are_mrd_negativity_with_their_arms(text: str, language: str) -> None:
    records = extract(text, language)
    assert sorted((r.endpoint, r.value, r.arm) for r in records) == [
        ("MRD_NEG", 7.3, "control"),
        ("MRD_NEG", 24.2, "daratumumab"),
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("OS was 60% vs 40% at 2 years (P = 0.01).", "en"),
        ("La supervivencia fue del 60 % frente al 40 % a los 2 años (p = 0,01).", "es"),
    ],
)
def test_a_landmark_after_a_comparison_is_the_time_point_of_all_its_rates(text: str, language: str) -> None:
    records = extract(text, language)
    assert sorted((r.value, r.time_months, r.p_value) for r in records) == [
        (40.0, 24.0, 0.01),
        (60.0, 24.0, 0.01),
    ]
    assert len({r.comparison for r in records}) == 1


@pytest.mark.parametrize(
    ("text", "language", "endpoint", "value", "words"),
    [
        ("Die Ansprechrate lag bei 80 Prozent.", "de", "ORR", 80.0, "80 Prozent"),
        ("Le taux de rémission complète était de 85 pour cent.", "fr", "CR", 85.0, "85 pour cent"),
        ("Le taux de survie à 5 ans était de 60 p. 100.", "fr", "OS", 60.0, "60 p. 100"),
        ("The response rate was 45 per cent.", "en", "ORR", 45.0, "45 per cent"),
        ("Tam remisyon oranı yüzde 62 olarak bulundu.", "tr", "CR", 62.0, "yüzde 62"),
    ],
)
def test_a_percentage_written_in_words_is_a_rate_quoted_as_written(text, language, endpoint, value, words):
    (record,) = extract(text, language)
    assert (record.endpoint, record.value, record.unit) == (endpoint, value, "%")
    assert words in record.evidence.text


@pytest.mark.parametrize(
    ("text", "arms"),
    [
        (
            "The complete remission rates were 48% and 13% for venetoclax plus LDAC and LDAC alone,"
            " respectively.",
            {48.0: "venetoclax + cytarabine", 13.0: "cytarabine"},
        ),
        (
            "The response rates were 52% and 31% for ibrutinib plus rituximab and rituximab alone, "
            "respectively.",
            {52.0: "ibrutinib + rituximab", 31.0: "rituximab"},
        ),
        (
            "The response rates were 52% and 31% for ibrutinib and chlorambucil, respectively.",
            {52.0: "ibrutinib", 31.0: "chlorambucil"},
        ),
        (
            "CR plus CR with incomplete count recovery rates were 48% and 13% for venetoclax plus LDAC and"
            " LDAC alone, respectively.",
            {48.0: "venetoclax + cytarabine", 13.0: "cytarabine"},
        ),
    ],
)
def test_arms_listed_after_their_rates_respectively_are_a_regimen_and_its_backbone(text, arms) -> None:
    """A regimen is one arm of the list after the rates, and the treatment it holds named again is
    the next arm, not the same regimen; 'A and B' is two arms where the list needs two. Two names of
    one endpoint before the rates (CR plus CR with incomplete recovery) are one composite endpoint."""
    records = extract(text, "en")
    assert {r.value: r.arm for r in records} == arms
    assert len({r.comparison for r in records}) == 1 and records[0].comparison is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mosunetuzumab produced a response in 61.5% of patients, and 42.0% had a complete response.",
            [("ORR", 61.5), ("CR", 42.0)],
        ),
        (
            "Response was seen in 31 of 40 patients (77.5%), including 18 complete responses (45.0%).",
            [("ORR", 77.5), ("CR", 45.0)],
        ),
    ],
)
def test_a_response_without_a_qualifier_is_the_overall_response(text: str, expected: list) -> None:
    records = extract(text, "en")
    assert sorted((r.endpoint, r.value) for r in records) == sorted(expected)


def test_a_time_among_responders_is_the_duration_of_response() -> None:
    # a time cannot be a response rate: of the endpoints of its clause it takes the one that can
    records = extract("The median duration of response in responders was 14.2 months.", "en")
    assert [(r.endpoint, r.value, r.unit) for r in records] == [("DOR", 14.2, "months")]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "The 1-year event-free and overall survival rates were 60% and 75%, respectively.",
            "en",
            [("EFS", 60.0), ("OS", 75.0)],
        ),
        (
            "Progression-free and overall survival at 2 years were 48% and 69%, respectively.",
            "en",
            [("PFS", 48.0), ("OS", 69.0)],
        ),
        (
            "Бессобытийная и общая выживаемость составили 45% и 62% соответственно.",
            "ru",
            [("EFS", 45.0), ("OS", 62.0)],
        ),
        (
            "Das ereignisfreie und Gesamtüberleben nach 3 Jahren betrugen 58 % bzw. 71 %.",
            "de",
            [("EFS", 58.0), ("OS", 71.0)],
        ),
    ],
)
def test_survival_endpoints_sharing_one_noun_are_each_named(text: str, language: str, expected: list) -> None:
    # 'event-free and overall survival': the first endpoint's noun is left out, and 'bzw.' (German
    # 'respectively') between the numbers neither ends the sentence nor splits the list
    records = extract(text, language)
    assert sorted((r.endpoint, r.value) for r in records) == sorted(expected)


def test_an_endpoint_that_names_a_group_is_not_the_groups_result() -> None:
    text = (
        "The estimated 5-year overall survival was 71.2% in the MRD-negative group and 45.3% in the "
        "MRD-positive group."
    )
    records = extract(text, "en")
    assert sorted((r.endpoint, r.value) for r in records) == [("OS", 45.3), ("OS", 71.2)]


def test_a_number_that_names_a_cohort_is_no_result() -> None:
    records = extract("The ORR was 71% in cohort 1 and 52% in cohort 2.", "en")
    assert sorted((r.endpoint, r.value) for r in records) == [("ORR", 52.0), ("ORR", 71.0)]


@pytest.mark.parametrize(
    "text",
    [
        "Glofitamab produced an overall response rate of 52% in the 155 patients who received it.",
        "Median PFS was 11.2 months in group A versus 8.3 months in group B.",
    ],
)
def test_pronouns_and_prepositions_name_no_arm(text: str) -> None:
    records = extract(text, "en")
    assert records and not any(r.arm in ("it", "months in") for r in records)


def test_a_very_good_partial_response_alone_takes_its_number_and_makes_no_record() -> None:
    # the contract codes 'VGPR or better', not VGPR alone: its rate is not the complete response's
    records = extract("Best responses were sCR/CR 33%, VGPR 25% and PR 15%.", "en")
    assert [(r.endpoint, r.value) for r in records] == [("CR", 33.0)]


def test_a_landmark_before_compared_rates_is_their_time_point_not_a_median() -> None:
    records = extract("Overall survival 5 years: 60% vs 40%.", "en")
    assert sorted((r.endpoint, r.value, r.time_months) for r in records) == [
        ("OS", 40.0, 60.0),
        ("OS", 60.0, 60.0),
    ]


@pytest.mark.parametrize(
    ("text", "language", "value", "n"),
    [
        ("Minimal residual disease was negative in 45 of 60 patients (75%).", "en", 75.0, 60),
        ("La maladie résiduelle mesurable était négative chez 76 des 97 patients (78 %).", "fr", 78.0, 97),
        ("La enfermedad mínima residual fue negativa en el 62% de los pacientes.", "es", 62.0, None),
    ],
)
def test_mrd_said_to_be_negative_is_mrd_negativity(
    text: str, language: str, value: float, n: int | None
) -> None:
    records = extract(text, language)
    assert [(r.endpoint, r.value, r.n) for r in records] == [("MRD_NEG", value, n)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("共有45%的患者获得反应，中位无进展生存期为8.2个月。", [("ORR", 45.0), ("PFS", 8.2)]),
        ("输注反应发生率为12%。", [("AE", 12.0)]),
        ("不良反应发生率为30%。", [("AE", 30.0)]),
    ],
)
def test_a_bare_response_in_chinese_is_the_overall_response_and_a_reaction_is_an_adverse_event(
    text: str, expected: list
) -> None:
    records = extract(text, "zh")
    assert sorted((r.endpoint, r.value) for r in records) == sorted(expected)


def test_comparisons_listed_respectively_take_their_endpoints_in_order() -> None:
    text = "PFS and OS at 3 years were 62% vs 45% and 80% vs 71%, respectively."
    records = extract(text, "en")
    assert sorted((r.endpoint, r.value) for r in records) == [
        ("OS", 71.0),
        ("OS", 80.0),
        ("PFS", 45.0),
        ("PFS", 62.0),
    ]
    pairs = {r.value: r.comparison for r in records}
    assert pairs[62.0] == pairs[45.0] != pairs[80.0] == pairs[71.0]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "La supervivencia global fue del 80% en los pacientes menores de 60 años y del 40% en los "
            "mayores de 60 años.",
            "es",
            {80.0: "age < 60 years", 40.0: "age > 60 years"},
        ),
        (
            "Genel sağkalım 60 yaş altı hastalarda %72, 60 yaş üstü hastalarda %41 idi.",
            "tr",
            {72.0: "age < 60 years", 41.0: "age > 60 years"},
        ),
        ("The CR rate was 60% for patients younger than 60 years.", "en", {60.0: "age < 60 years"}),
    ],
)
def test_an_age_subgroup_is_the_arm_of_its_rate_in_plain_english(
    text: str, language: str, expected: dict
) -> None:
    records = extract(text, language)
    assert {r.value: r.arm for r in records} == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Das Gesamtüberleben betrug 71 % bei Patienten unter 60 Jahren.", "de"),
        ("Общая выживаемость составила 75 % у больных моложе 60 лет.", "ru"),
    ],
)
def test_the_age_bounding_a_subgroup_is_not_a_median(text: str, language: str) -> None:
    """'unter 60 Jahren', 'моложе 60 лет' read as a median OS of 60 years was a record no text states."""
    records = extract(text, language)
    assert [(r.endpoint, r.value, r.unit) for r in records] == [("OS", records[0].value, "%")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Em estudo anterior, a sobrevida global em 5 anos foi de 40%.\n"
            "Em nossa casuística de 50 pacientes, a sobrevida global em 5 anos foi de 61%.",
            "pt",
        ),
        (
            "In einer früheren Studie lag die Ansprechrate bei 40 %.\n"
            "In unserer Kohorte von 38 Patienten betrug die Ansprechrate 61 %.",
            "de",
        ),
        ("海外の臨床試験では奏効率は40%と報告されている。\n当院で治療した25例の奏効率は61%であった。", "ja"),
    ],
)
def test_a_result_of_an_earlier_study_is_not_the_papers_own(text: str, language: str) -> None:
    records = extract(text, language)
    assert {r.value: r.study.is_primary for r in records} == {40.0: False, 61.0: True}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Daha önce yapılan bir çalışmada genel sağkalım %40 olarak bildirilmiştir [8].", "tr"),
        ("In our cohort of 60 patients, the 2-year overall survival was 52%.", "en"),
    ],
)
def test_words_that_name_no_group_are_not_an_arm(text: str, language: str) -> None:
    """'önce yapılan' (done before) and 'our' / '60 patients' were shown as arms."""
    assert [r.arm for r in extract(text, language)] == [None]


@pytest.mark.parametrize(
    ("text", "language", "arm"),
    [
        ("After nivolumab, the overall response rate was 81% and the CR rate was 71%.", "en", "nivolumab"),
        (
            "En el grupo de daratumumab, la tasa de respuesta global fue del 93% y la de respuesta completa "
            "del 45%.",
            "es",
            "daratumumab",
        ),
    ],
)
def test_a_fronted_group_is_the_arm_of_every_result_after_it(text: str, language: str, arm: str) -> None:
    assert {r.arm for r in extract(text, language)} == {arm}


def test_a_syndrome_is_not_a_group() -> None:
    """The 群 of 症候群 (syndrome) is not the group word 群."""
    assert [r.arm for r in extract("サイトカイン放出症候群は8.1%に認められた。", "ja")] == [None]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "CR and ORR were higher with rituximab than without (38.9% vs 21.5%, P = 0.015; 83.3% vs 60.2%, "
            "P = 0.006).",
            "en",
        ),
        (
            "利妥昔单抗治疗组CR率和ORR均显著高于未应用利妥昔单抗组"
            "(38.9% 比21.5%, P=0.015; 83.3% 比 60.2%, P=0.006)。",
            "zh",
        ),
    ],
)
def test_comparisons_set_apart_by_semicolons_take_the_endpoints_named_together_in_order(
    text: str, language: str
) -> None:
    """No 'respectively': two endpoints, then two comparisons; both went to the nearer endpoint."""
    records = extract(text, language)
    assert sorted((r.endpoint, r.value, r.p_value) for r in records) == [
        ("CR", 21.5, 0.015),
        ("CR", 38.9, 0.015),
        ("ORR", 60.2, 0.006),
        ("ORR", 83.3, 0.006),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Двухлетняя общая выживаемость составила 62,5 %, безрецидивная — 48,3 %.",
            [("DFS", 48.3), ("OS", 62.5)],
        ),
        ("Общая выживаемость составила 70 %, а бессобытийная — 55 %.", [("EFS", 55.0), ("OS", 70.0)]),
    ],
)
def test_a_russian_survival_adjective_standing_alone_names_its_survival(text: str, expected: list) -> None:
    """'безрецидивная — 48,3 %' was read as a relapse rate, 'бессобытийная — 55 %' as overall survival."""
    assert sorted((r.endpoint, r.value) for r in extract(text, "ru")) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("El 73% de los pacientes respondió al tratamiento y el 39% alcanzó una respuesta completa.", "es"),
        ("Hastaların %73'ünde yanıt alındı, %39'unda tam yanıt elde edildi.", "tr"),
        ("Ответ на терапию получен у 73 % пациентов, полная ремиссия — у 39 %.", "ru"),
        ("Ein Ansprechen zeigten 73 % der Patienten, eine komplette Remission 39 %.", "de"),
    ],
)
def test_a_bare_response_is_the_overall_response_beside_a_complete_one(text: str, language: str) -> None:
    """Both numbers were filed as complete responses: the only endpoint the grammar knew by name."""
    assert sorted((r.endpoint, r.value) for r in extract(text, language)) == [("CR", 39.0), ("ORR", 73.0)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("At 12 months, 65% of patients remained progression-free.", "en", ("PFS", 65.0, 12.0)),
        ("At 3 years, 80% of patients were alive.", "en", ("OS", 80.0, 36.0)),
        ("A los 3 años, el 80% de los pacientes estaban vivos.", "es", ("OS", 80.0, 36.0)),
        ("À 3 ans, 80 % des patients étaient en vie.", "fr", ("OS", 80.0, 36.0)),
        ("Через 3 года живы 80 % больных.", "ru", ("OS", 80.0, 36.0)),
    ],
)
def test_the_share_alive_or_free_of_progression_at_a_landmark_is_its_survival(
    text: str, language: str, expected: tuple
) -> None:
    assert [(r.endpoint, r.value, r.time_months) for r in extract(text, language)] == [expected]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Relapse occurred in 12 of 40 patients (30%).", "en"),
        ("Doce pacientes (30%) recayeron.", "es"),
        ("Ein Rezidiv trat bei 30 % der Patienten auf.", "de"),
        ("12例（30%）患者复发。", "zh"),
        ("再発は12例（30%）に認められた。", "ja"),
        ("On iki hastada (%30) nüks gelişti.", "tr"),
    ],
)
def test_a_relapse_told_as_an_event_of_the_cohort_is_its_relapse_rate(text: str, language: str) -> None:
    assert [(r.endpoint, r.value) for r in extract(text, language)] == [("RELAPSE", 30.0)]


def test_patients_treated_for_relapse_are_not_a_relapse_rate() -> None:
    text = "Of the 40 patients, 12 (30%) had relapsed or refractory disease at enrolment."
    assert [r.endpoint for r in extract(text, "en")] == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Neither the median progression-free survival nor the median overall survival was reached.", "en"),
        ("Median PFS and OS were not reached.", "en"),
        (
            "No se alcanzó la mediana de supervivencia libre de progresión ni la de supervivencia global.",
            "es",
        ),
        ("Медианы ОВ и ВБП не достигнуты.", "ru"),
        ("中位PFS和OS均未达到。", "zh"),
    ],
)
def test_not_reached_is_said_of_every_survival_named_with_it(text: str, language: str) -> None:
    records = extract(text, language)
    assert sorted((r.endpoint, r.not_reached) for r in records) == [("OS", True), ("PFS", True)]


def test_a_french_follow_up_is_not_a_median_survival() -> None:
    """'recul médian de 24 mois' made a median OS of 24 months."""
    text = "Avec un recul médian de 24 mois, la SSP médiane était de 15,2 mois et la SG à 2 ans de 72 %."
    assert sorted((r.endpoint, r.value) for r in extract(text, "fr")) == [("OS", 72.0), ("PFS", 15.2)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Le risque de progression ou de décès était réduit de 44 % (HR 0,56 ; p < 0,001).", "fr"),
        ("O risco de progressão ou morte foi reduzido em 44% (HR 0,56; p < 0,001).", "pt"),
        ("El riesgo de progresión o muerte se redujo en un 44% (HR 0,56; p < 0,001).", "es"),
    ],
)
def test_a_risk_reduction_is_not_a_rate(text: str, language: str) -> None:
    assert [(r.endpoint, r.value) for r in extract(text, language)] == [("PFS", 0.56)]


def test_the_russian_abbreviation_of_overall_response() -> None:
    records = extract("Частота ПР составила 45 %, ОО — 78 %.", "ru")
    assert sorted((r.endpoint, r.value) for r in records) == [("CR", 45.0), ("ORR", 78.0)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Akut GVHH insidansı %35, kronik GVHH insidansı %28 idi.", [("AGVHD", 35.0), ("CGVHD", 28.0)]),
        ("Nakil ilişkili mortalite %12 olarak saptandı.", [("NRM", 12.0)]),
    ],
)
def test_turkish_transplant_endpoints(text: str, expected: list) -> None:
    assert sorted((r.endpoint, r.value) for r in extract(text, "tr")) == expected


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("The 100-day non-relapse mortality was 8%.", 3.3),
        ("Patients received a 28-day cycle; the ORR was 8%.", None),
        ("A 7-day course of dexamethasone was given; the CR rate was 8%.", None),
    ],
)
def test_a_landmark_in_days_is_read_and_a_dosing_cycle_is_not(text: str, months: float | None) -> None:
    assert [r.time_months for r in extract(text, "en")] == [months]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("3年無増悪生存率80%, 3年OS90%と良好であった。", "ja"),
        ("3年PFS率为80%，3年OS90%。", "zh"),
    ],
)
def test_an_abbreviation_written_against_its_number_names_it(text: str, language: str) -> None:
    """'3年OS90%': without spaces the abbreviation runs into its rate and still names it."""
    records = extract(text, language)
    assert sorted((r.endpoint, r.value, r.time_months) for r in records) == [
        ("OS", 90.0, 36.0),
        ("PFS", 80.0, 36.0),
    ]


@pytest.mark.parametrize(
    ("text", "language", "arms"),
    [
        (
            "The 2-year PFS and OS in the rituximab group were 70% and 88%, respectively, "
            "compared with 50% and 72% in the control group.",
            "en",
            True,
        ),
        ("观察组的完全缓解率、总有效率分别为40.0%、85.0%，高于对照组的20.0%、60.0%（P<0.05）。", "zh", False),
    ],
)
def test_a_list_compared_with_a_list_keeps_its_endpoints_in_order(text: str, language: str, arms: bool):
    """'PFS and OS were 70% and 88%, respectively, compared with 50% and 72%': the second list is the
    same endpoints in the same order, each compared with its own number of the first."""
    by_value = {r.value: r for r in extract(text, language)}
    first, second = ("PFS", "OS") if language == "en" else ("CR", "ORR")
    a, b, c, d = {"en": (70.0, 50.0, 88.0, 72.0), "zh": (40.0, 20.0, 85.0, 60.0)}[language]
    assert {v: by_value[v].endpoint for v in (a, b, c, d)} == {a: first, b: first, c: second, d: second}
    assert by_value[a].comparison == by_value[b].comparison is not None
    assert by_value[c].comparison == by_value[d].comparison != by_value[a].comparison
    if arms:
        assert "rituximab" in by_value[a].arm.lower() and "control" in by_value[b].arm.lower()


def test_a_full_stop_before_a_blank_line_ends_the_sentence() -> None:
    """A paragraph that ends in a full stop is a sentence of its own even when the next starts with
    a dash: its durations are no time points of the next paragraph's rates."""
    text = (
        "Le temps médian de survie sans événement a été de 39,8 mois dans le groupe A contre 31,1 mois "
        "dans le groupe B.\n\n- réponse globale\nLe pourcentage de réponse globale a été de 86,1 % dans le "
        "groupe A contre 72,7 % dans le groupe B."
    )
    records = extract(text, "fr")
    assert sorted((r.endpoint, r.value, r.time_months) for r in records) == [
        ("EFS", 31.1, None),
        ("EFS", 39.8, None),
        ("ORR", 72.7, None),
        ("ORR", 86.1, None),
    ]


@pytest.mark.parametrize(
    ("text", "language", "months"),
    [
        ("The ORR was 80%, with 57% of patients maintaining responses for at least 18 months.", "en", 18.0),
        ("El 60% de los pacientes mantuvo la respuesta a los 12 meses.", "es", 12.0),
        ("La réponse était maintenue chez 60 % des patients à 12 mois.", "fr", 12.0),
        ("Bei 60 % der Patienten hielt das Ansprechen nach 12 Monaten an.", "de", 12.0),
    ],
)
def test_a_share_that_kept_its_response_is_the_duration_of_response(text: str, language: str, months: float):
    """'57% maintaining responses for at least 18 months' is a duration-of-response rate at its
    landmark, not a second response rate."""
    records = [r for r in extract(text, language) if r.value != 80.0]
    assert [(r.endpoint, r.time_months) for r in records] == [("DOR", months)]


def test_a_result_after_the_follow_up_in_one_clause_is_kept() -> None:
    """'The median follow-up was 14.1 months and the median PFS was 27.6m': the second duration
    names its endpoint, so it is a result and not a second follow-up; 'm' after a number is months."""
    records = extract(
        "The median follow-up was 14.1 months and the median PFS was 27.6m (95% CI, 24.2-31.0).", "en"
    )
    assert [(r.endpoint, r.value, r.unit, r.ci_low, r.ci_high) for r in records] == [
        ("PFS", 27.6, "months", 24.2, 31.0)
    ]


@pytest.mark.parametrize(
    ("text", "language", "grade"),
    [
        ("CRS occurred in 72% of patients, grade 3 or higher in 5%.", "en", ">=3"),
        ("Ein Zytokin-Freisetzungssyndrom trat bei 72 % der Patienten auf, Grad ≥ 3 bei 5 %.", "de", ">=3"),
        (
            "Un syndrome de relargage cytokinique est survenu chez 72 % des patients, de grade ≥ 3 chez 5 %.",
            "fr",
            ">=3",
        ),
        ("Синдром высвобождения цитокинов развился у 72 % больных, 3–4-й степени — у 5 %.", "ru", "3-4"),
        ("Синдром высвобождения цитокинов развился у 72 % больных, 3-й степени и выше — у 5 %.", "ru", ">=3"),
    ],
)
def test_a_grade_named_after_the_event_is_the_grade_of_the_next_rate(text: str, language: str, grade: str):
    records = sorted(extract(text, language), key=lambda r: r.value)
    assert [(r.endpoint, r.value, r.grade) for r in records] == [("CRS", 5.0, grade), ("CRS", 72.0, None)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Медиана выживаемости без прогрессирования составила 13,2 мес. (95% ДИ 10,1–16,3).", "ru"),
        ("Das mediane progressionsfreie Überleben betrug 13,2 Mon. (95 %-KI 10,1–16,3).", "de"),
    ],
)
def test_an_interval_after_an_abbreviated_month_is_the_medians(text: str, language: str) -> None:
    assert [(r.endpoint, r.value, r.ci_low, r.ci_high) for r in extract(text, language)] == [
        ("PFS", 13.2, 10.1, 16.3)
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The CR rate was 58% in arm A and 42% in arm B (p = 0.03).", "en"),
        ("Le taux de RC était de 58 % dans le groupe A et de 42 % dans le groupe B.", "fr"),
        ("La tasa de RC fue del 58% en el grupo A y del 42% en el grupo B.", "es"),
        ("Частота ПР составила 58% в группе А и 42% в группе Б.", "ru"),
    ],
)
def test_groups_named_by_a_letter_are_arms(text: str, language: str) -> None:
    records = sorted(extract(text, language), key=lambda r: -r.value)
    assert [(r.value, r.arm) for r in records] == [(58.0, "group A"), (42.0, "group B")]
    assert records[0].comparison == records[1].comparison is not None


def test_the_entire_cohort_is_no_arm() -> None:
    records = extract("The median PFS of the entire cohort was 27.6 months.", "en")
    assert [(r.endpoint, r.arm) for r in records] == [("PFS", None)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("The CR rate increased from 18% to 40%.", "en", [("CR", 18.0), ("CR", 40.0)]),
        (
            "Adding the antibody prolonged median OS from 4.7 to 12.4 months.",
            "en",
            [("OS", 4.7), ("OS", 12.4)],
        ),
        (
            "Die Zugabe verlängerte das Gesamtüberleben von 4,7 auf 12,4 Monate.",
            "de",
            [("OS", 4.7), ("OS", 12.4)],
        ),
        ("Le taux de RC est passé de 18 % à 40 %.", "fr", [("CR", 18.0), ("CR", 40.0)]),
        ("La mediana de SG aumentó de 4,7 a 12,4 meses.", "es", [("OS", 4.7), ("OS", 12.4)]),
        ("Частота ПР увеличилась с 45% до 70%.", "ru", [("CR", 45.0), ("CR", 70.0)]),
        ("中位OS从4.7个月延长至12.4个月。", "zh", [("OS", 4.7), ("OS", 12.4)]),
    ],
)
def test_a_change_from_one_number_to_another_is_a_comparison_not_a_range(text, language, expected) -> None:
    records = sorted(extract(text, language), key=lambda r: r.value)
    assert [(r.endpoint, r.value) for r in records] == expected
    assert records[0].comparison == records[1].comparison is not None


@pytest.mark.parametrize(
    "text",
    [
        "Median OS was 12.4 months (range, 4.7 to 30.1 months).",
        "ORR increased with dose, ranging from 20% to 60%.",
    ],
)
def test_a_range_stays_a_range_beside_a_change_word(text: str) -> None:
    assert [r.value for r in extract(text, "en")] in ([12.4], [])


def test_two_numbers_of_a_comparison_do_not_share_the_papers_treatment_as_their_arm() -> None:
    """'higher with blinatumomab (44% vs 25%)': the 25% is the other arm, not blinatumomab."""
    records = sorted(extract("CR was higher with blinatumomab (44% vs 25%).", "en"), key=lambda r: -r.value)
    assert [(r.value, r.arm) for r in records] == [(44.0, "blinatumomab"), (25.0, None)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Nach 3 Jahren waren 89 % der Patienten im Daratumumab-Arm progressionsfrei, "
            "verglichen mit 81 % im Kontrollarm.",
            "de",
        ),
        (
            "Через 3 года без прогрессирования жили 89 % больных в группе даратумумаба "
            "и 81 % в контрольной группе.",
            "ru",
        ),
        (
            "À 3 ans, 89 % des patients du bras daratumumab étaient vivants sans progression, "
            "contre 81 % dans le bras contrôle.",
            "fr",
        ),
    ],
)
def test_the_share_progression_free_at_a_landmark_by_arm(text: str, language: str) -> None:
    records = sorted(extract(text, language), key=lambda r: -r.value)
    assert [(r.endpoint, r.value, r.time_months, r.arm) for r in records] == [
        ("PFS", 89.0, 36.0, "daratumumab"),
        ("PFS", 81.0, 36.0, "control"),
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "In der Blinatumomab-Gruppe lag die Rate kompletter Remissionen bei 44 %, in der "
            "Chemotherapie-Gruppe bei 25 %.",
            "de",
        ),
        ("In the blinatumomab arm the CR rate was 44%, and in the chemotherapy arm it was 25%.", "en"),
    ],
)
def test_a_clause_opening_with_its_group_gives_its_numbers_that_arm(text: str, language: str) -> None:
    records = sorted(extract(text, language), key=lambda r: -r.value)
    assert [(r.value, r.arm) for r in records] == [(44.0, "blinatumomab"), (25.0, "chemotherapy")]


def test_a_clause_opening_with_a_treatment_gives_its_number_that_arm() -> None:
    records = extract("Mit Glofitamab erreichten 39 % der Patienten eine komplette Remission.", "de")
    assert [(r.endpoint, r.value, r.arm) for r in records] == [("CR", 39.0, "glofitamab")]


def test_a_fronted_group_does_not_reach_past_a_semicolon() -> None:
    text = "Dans le groupe daratumumab, le taux de RC était de 45 %; dans le groupe témoin, il était de 20 %."
    records = sorted(extract(text, "fr"), key=lambda r: -r.value)
    assert [(r.value, r.arm) for r in records] == [(45.0, "daratumumab"), (20.0, "control")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Медиана ВБП не достигнута в группе даратумумаба и составила 17,2 мес. в контрольной группе.", "ru"),
        ("Median PFS was not reached in the daratumumab group and was 17.2 mo. in the control group.", "en"),
    ],
)
def test_the_arm_after_an_abbreviated_month_is_the_medians(text: str, language: str) -> None:
    records = {r.value: r for r in extract(text, language)}
    assert records[17.2].arm == "control" and records[None].arm == "daratumumab"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("After a median of 24 months, 65% of patients were alive.", "en"),
        ("Nach median 24 Monaten lebten noch 65 % der Patienten.", "de"),
        ("Après une médiane de 24 mois, 65 % des patients étaient en vie.", "fr"),
    ],
)
def test_the_time_after_a_median_of_is_a_follow_up_not_a_median_survival(text: str, language: str) -> None:
    assert [(r.endpoint, r.value) for r in extract(text, language)] == [("OS", 65.0)]


@pytest.mark.parametrize(
    ("text", "language", "arms"),
    [
        (
            "The median PFS was 13.2 months with daratumumab and 8.1 months with placebo (p < 0.001).\n"
            "The median EFS was 3.0 months in both groups.",
            "en",
            {"daratumumab", "placebo"},
        ),
        (
            "La SSP médiane était de 13,2 mois dans le groupe daratumumab contre 8,1 mois "
            "dans le groupe témoin.\n"
            "La médiane de survie globale n'était pas atteinte dans les deux groupes.",
            "fr",
            {"daratumumab", "control"},
        ),
        (
            "無増悪生存期間中央値はA群で13.2ヵ月、B群で8.1ヵ月であった（p<0.001）。\n"
            "無イベント生存期間中央値は両群ともに3.0ヵ月であった。",
            "ja",
            {"group A", "group B"},
        ),
    ],
)
def test_a_result_stated_for_both_groups_is_a_result_of_each_arm(text: str, language: str, arms: set) -> None:
    """'3.0 months in both groups': one result per arm of the study, as its comparison names them,
    compared with each other."""
    records = extract(text, language)
    both = [r for r in records if r.endpoint in ("EFS", "OS")]
    assert {r.arm for r in both} == arms
    assert len({r.comparison for r in both}) == 1 and both[0].comparison is not None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("中位无进展生存期分别为24.8个月和14.5个月（HR=0.56，95%CI：0.43～0.72，P<0.001）。", "zh"),
        ("Median PFS was 24.8 and 14.5 months, respectively (HR 0.56; P < .001).", "en"),
    ],
)
def test_a_hazard_ratio_after_a_respectively_list_is_not_part_of_it(text: str, language: str) -> None:
    """'24.8 and 14.5 months, respectively (HR 0.56)': two medians compared, and their hazard ratio."""
    records = sorted(extract(text, language), key=lambda r: r.value)
    assert [(r.endpoint, r.statistic, r.value) for r in records] == [
        ("PFS", "hazard_ratio", 0.56),
        ("PFS", "median", 14.5),
        ("PFS", "median", 24.8),
    ]
    assert records[1].comparison == records[2].comparison is not None
    assert records[1].p_value == records[2].p_value == 0.001


def test_a_japanese_grade_word_and_a_count_that_is_no_group() -> None:
    """'グレード3以上' is a grade; 'グレード3のCRSは2例' is two patients, not a group named so."""
    assert [
        (r.endpoint, r.grade)
        for r in extract("グレード3以上のサイトカイン放出症候群は5%に認められた。", "ja")
    ] == [("CRS", ">=3")]
    assert [(r.grade, r.arm) for r in extract("グレード3のCRSは2例（5%）であった。", "ja")] == [("3", None)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "La durée médiane de survie sans progression (critère principal) a été de 39,8 mois "
            "contre 32,2 mois.\nL'analyse actualisée a confirmé le bénéfice sur le critère principal "
            "(42,8 mois contre 32,5 mois).",
            "fr",
        ),
        (
            "The primary endpoint was progression-free survival.\n"
            "The primary endpoint was met: 42.8 months with the combination versus 32.5 months "
            "with the control.",
            "en",
        ),
    ],
)
def test_the_words_for_the_primary_endpoint_name_it_once_the_text_says_which_it_is(text: str, language: str):
    assert {(r.endpoint, r.value) for r in extract(text, language)} >= {("PFS", 42.8), ("PFS", 32.5)}


def test_turkish_survival_abbreviations() -> None:
    records = extract("5 yıllık GS %62, PSK %48, HSS %51 ve OSS %45 olarak bulundu.", "tr")
    assert sorted((r.endpoint, r.value, r.time_months) for r in records) == [
        ("DFS", 51.0, 60.0),
        ("EFS", 45.0, 60.0),
        ("OS", 62.0, 60.0),
        ("PFS", 48.0, 60.0),
    ]


def test_a_rate_in_patients_aged_over_a_bound_is_that_age_groups() -> None:
    text = "The CR rate was 85.7% in the younger cohort and 62.5% in patients aged 60 years or older."
    records = {r.value: r for r in extract(text, "en")}
    assert records[62.5].arm == "age ≥ 60 years" and records[85.7].arm == "younger"


def test_an_italian_share_of_complete_responses_is_the_complete_response_rate() -> None:
    records = extract("Il tasso di risposta globale è stato del 73%, con il 45% di risposte complete.", "it")
    assert sorted((r.endpoint, r.value) for r in records) == [("CR", 45.0), ("ORR", 73.0)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "La SG a 3 años fue del 78,3% en el grupo de combinación frente al 65,1% en el grupo control.",
            "es",
        ),
        ("A SG em 3 anos foi de 78,3% no grupo de combinação versus 65,1% no grupo controle.", "pt"),
    ],
)
def test_a_combination_group_is_labelled_in_english(text: str, language: str) -> None:
    records = {r.value: r for r in extract(text, language)}
    assert (records[78.3].arm, records[65.1].arm) == ("combination", "control")


@pytest.mark.parametrize(
    ("text", "language", "drug", "antigens"),
    [
        ("Patients given magrolimab with azacitidine had a CR rate of 33%.", "en", "magrolimab", {"CD47"}),
        ("Частота общего ответа на цевостамаб составила 55%.", "ru", "cevostamab", {"FcRH5", "CD3"}),
        ("伊匹木单抗联合纳武利尤单抗的总缓解率为30%。", "zh", "ipilimumab", {"CTLA-4", "PD-1"}),
    ],
)
def test_an_immunotherapy_beyond_the_corpus_gives_its_targets(
    text: str, language: str, drug: str, antigens: set[str]
) -> None:
    """Drugs of the field the corpus never names (kb/vocab/interventions.yaml): a result of one
    carries the drug and its target antigens (sentences written for these tests)."""
    records = extract(text, language)
    assert records, text
    assert drug in {c.id for c in records[0].interventions}
    assert antigens <= set(records[0].antigens)
