"""Bounded ages read as subgroups in the languages papers use (sentences written for these tests)."""

from __future__ import annotations

import pytest

from ingest.extract.ages import age_label, age_phrases


@pytest.mark.parametrize(
    ("phrase", "label"),
    [
        ("patients younger than 60 years", "age < 60 years"),
        ("aged 65 years or older", "age ≥ 65 years"),
        ("у больных старше 60 лет", "age > 60 years"),
        ("bei Patienten unter 60 Jahren", "age < 60 years"),
        ("chez les patients de moins de 60 ans", "age < 60 years"),
        ("naqueles com 60 anos ou mais", "age ≥ 60 years"),
        ("60岁及以上患者", "age ≥ 60 years"),
        ("60歳未満の患者", "age < 60 years"),
        ("60 yaş üstü hastalarda", "age > 60 years"),
    ],
)
def test_a_bounded_age_is_read_as_its_bound(phrase: str, label: str) -> None:
    assert age_label(phrase) == label


@pytest.mark.parametrize(
    "text",
    [
        "Overall survival at 5 years was 40%.",
        "OS over 5 years was 40%.",
        "relapse less than 2 years after diagnosis",
        "The median age was 62 years.",
        "patients aged 18 to 65 years",
    ],
)
def test_durations_and_ages_without_a_bound_are_not_subgroups(text: str) -> None:
    assert age_phrases(text) == ()


def test_the_phrase_spans_the_bound_and_the_unit() -> None:
    text = "La supervivencia fue del 80% en los pacientes menores de 60 años."
    (phrase,) = age_phrases(text)
    assert text[phrase.start : phrase.end] == "menores de 60 años"
