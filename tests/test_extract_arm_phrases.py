"""Arms named the common ways abstracts name them (sentences written for these tests): two arms
sharing one group word, a drug after 'receiving' / 'treated with', the Chinese control group, and
phrases that name every arm rather than one."""

from __future__ import annotations

import pytest

from ingest.extract.arm_labels import english_arm
from ingest.extract.arms import arm_candidates, find_arm_phrases

from .test_extract_common_phrasings import extract


def _arms(text: str, language: str = "en") -> dict[float, str | None]:
    return {r.value: r.arm for r in extract(text, language) if r.value is not None}


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        (
            "OS rates were 72.5% and 60.1% for the daratumumab and control arms, respectively.",
            ["daratumumab", "control"],
        ),
        ("La tasa fue de 47% y 25% en los grupos de daratumumab y control.", ["daratumumab", "control"]),
        (
            "Частота ответа составила 80% и 50% в группах блинатумомаба и химиотерапии.",
            ["блинатумомаба", "химиотерапии"],
        ),
    ],
)
def test_two_arms_sharing_one_group_word_are_two_arms(text: str, labels: list[str]) -> None:
    assert [a.label for a in find_arm_phrases(text)] == labels


def test_a_respectively_list_over_two_arms_of_one_group_word() -> None:
    arms = _arms(
        "The 3-year OS rates were 72.5% and 60.1% for the daratumumab and control arms, respectively."
    )
    assert arms == {72.5: "daratumumab", 60.1: "control"}


def test_a_drug_after_receiving_names_the_arm_of_the_number_before_it() -> None:
    arms = _arms(
        "MRD negativity was achieved in 45% of patients treated with blinatumomab compared with 20% of"
        " those receiving chemotherapy."
    )
    assert arms == {45.0: "blinatumomab", 20.0: "chemotherapy"}


def test_the_regimen_after_receiving_is_the_whole_regimen() -> None:
    text = "Median OS for patients receiving venetoclax plus LDAC was 8.4 months."
    assert [a.label for a in find_arm_phrases(text)] == ["venetoclax + cytarabine"]


def test_the_chinese_control_group_in_a_respectively_list() -> None:
    arms = _arms("达雷妥尤单抗组和对照组的完全缓解率分别为45.0%和25.0%。", "zh")
    assert arms == {45.0: "daratumumab", 25.0: "control"}


@pytest.mark.parametrize(
    "text",
    [
        "Median overall survival was not reached in either arm.",
        "Le bénéfice était similaire dans les deux groupes (survie 80 %).",
    ],
)
def test_a_phrase_that_names_every_arm_is_no_arm(text: str) -> None:
    labels = [a.label.lower() for a in arm_candidates(text)]
    assert not any(word in label.split() for label in labels for word in ("either", "deux"))


def test_a_regimen_code_is_a_candidate_even_when_it_spells_a_function_word() -> None:
    """'DA' (daunorubicin + cytarabine) is a code, not the Portuguese 'da'."""
    text = "The CR rate was 69% for DA+GO and 70% for DA (P = .59)."
    assert "DA" in [a.label for a in arm_candidates(text)]


def test_a_label_never_reaches_across_a_number() -> None:
    text = "併用群13% vs.対照群8%であった。"
    assert all("%" not in a.label for a in arm_candidates(text))


@pytest.mark.parametrize(
    ("phrase", "label"),
    [
        ("grupo de control", "control"),
        ("el grupo de control", "control"),
        ("bras témoin", "control"),
        ("dans le bras contrôle", "control"),
        ("gruppo di controllo", "control"),
        ("Kontrollarm", "control"),
        ("groupe expérimental", "experimental"),
        ("grupo de daratumumab", "daratumumab"),
        ("no CAR-T", "no CAR-T"),
    ],
)
def test_an_arm_phrase_gets_its_english_label(phrase: str, label: str) -> None:
    assert english_arm(phrase) == label


def test_a_compound_group_word_is_one_arm_phrase() -> None:
    arms = _arms(
        "Das mediane PFS betrug 24,1 Monate im Daratumumab-Arm gegenüber 16,3 Monaten im Kontrollarm.", "de"
    )
    assert arms == {24.1: "daratumumab", 16.3: "control"}


@pytest.mark.parametrize(
    ("text", "arms"),
    [
        (
            "Complete response rates were 45% versus 30% for ibrutinib versus chlorambucil.",
            ["ibrutinib", "chlorambucil"],
        ),
        (
            "OS rates were 72.5% and 60.1% for the daratumumab and control arms, respectively.",
            ["daratumumab", "control"],
        ),
    ],
)
def test_the_grammar_names_the_arms_stated_after_the_numbers(text: str, arms: list[str]) -> None:
    """The rule the arm linker weighs (its proposal, before the linker decides)."""
    from ingest.extract.sentences import extract_sentence

    assert [d.arm for d in extract_sentence(text)] == arms
