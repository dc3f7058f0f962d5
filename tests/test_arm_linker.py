"""Which arm or subgroup a result belongs to, decided by the arm linker (a learned part), and the
English label a record gives it with the words as written kept beside it.

The sentences were written for these tests (regimen codes and group words of the kinds published
abstracts use, in several languages); the annotations the linker learns from are labels and
offsets into the tune part of ../shared/dev and the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.document import read_paper
from ingest.extract import extract_records
from ingest.extract.arm_labels import english_arm
from ingest.extract.arm_training import ARM_ANNOTATIONS
from ingest.extract.training import shared_dir, text_path

TEXTS = shared_dir() / "dev" / "texts"
needs_dev = pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/dev is not beside the repository")


def _arms(tmp_path: Path, text: str) -> dict[float, tuple[str | None, str | None]]:
    path = tmp_path / "abstract.txt"
    path.write_text(text, encoding="utf-8")
    return {r.value: (r.arm, r.arm_text) for r in extract_records(read_paper(path)) if r.value is not None}


@pytest.mark.parametrize(
    ("text", "arms"),
    [
        (
            "Results: Median PFS was 19.4 months with ELd and 14.9 months with Ld (HR 0.70; P < 0.001).",
            {19.4: ("ELd", "ELd"), 14.9: ("Ld", "Ld")},
        ),
        (
            "Bulgular: Tam remisyon oranı kemoterapi grubunda %41, blinatumomab grubunda %63 olarak bulundu "
            "(p=0,01).",
            {41.0: ("chemotherapy", "kemoterapi grubunda"), 63.0: ("blinatumomab", "blinatumomab grubunda")},
        ),
        (
            "Результаты: Общая выживаемость составила 72% в группе с блинатумомабом и 41% в группе "
            "химиотерапии (р = 0,003).",
            {
                72.0: ("blinatumomab", "в группе с блинатумомабом"),
                41.0: ("chemotherapy", "группе химиотерапии"),
            },
        ),
        (
            "結果：全奏効率はInO群で80.7%、標準化学療法群で29.4%であった（P<0.001）。",
            {80.7: ("inotuzumab ozogamicin", "InO群"), 29.4: ("chemotherapy", "標準化学療法群")},
        ),
        (
            "Resultados: La SLP a 3 años fue de 70,6% en el grupo con daratumumab y 55,6% en el grupo "
            "control (p=0,02).",
            {70.6: ("daratumumab", "grupo con daratumumab"), 55.6: ("control", "grupo control")},
        ),
        pytest.param(
            "Results: The overall response rate was 58% in patients with prior BCMA-directed therapy and 75% "
            "in BCMA-naive patients (P = 0.03).",
            {
                58.0: ("prior BCMA-directed therapy", "with prior BCMA-directed therapy"),
                75.0: ("BCMA-naive", "BCMA-naive"),
            },
            # a known miss: the second subgroup scores just under the threshold and is left without arm
            marks=pytest.mark.xfail(strict=True, reason="second subgroup of the comparison gets no arm"),
        ),
    ],
)
def test_each_number_of_a_comparison_gets_its_own_arm_in_english_with_the_words_kept(
    tmp_path: Path, text: str, arms: dict[float, tuple[str, str]]
) -> None:
    got = _arms(tmp_path, text)
    assert {v: got.get(v) for v in arms} == arms


def test_results_of_the_whole_cohort_get_no_arm(tmp_path: Path) -> None:
    got = _arms(
        tmp_path,
        "Results: The overall response rate was 81% among 64 patients; 52% achieved a complete response.",
    )
    assert got == {81.0: (None, None), 52.0: (None, None)}


def test_arms_a_comparison_would_merge_keep_their_own_words(tmp_path: Path) -> None:
    """One drug the vocabularies do not know must not give two compared arms one label."""
    got = _arms(tmp_path, "结果：甲药联合化疗组的ORR为78%，单纯化疗组为61%（P=0.02）。")
    assert got[78.0][0] != got[61.0][0]
    assert got[61.0] == ("单纯化疗组", "单纯化疗组")


@pytest.mark.parametrize(
    ("phrase", "label"),
    [
        ("kemoterapi grubunda", "chemotherapy"),
        ("kemoterapi kolunda", "chemotherapy"),
        ("kemoterapi alan grupta", "chemotherapy"),  # 'the group receiving chemotherapy'
        ("kemoterapi almayan grupta", "no chemotherapy"),
        ("blinatumomab ile tedavi edilen hastalarda", "blinatumomab"),
        ("protokolü alan", "protocol"),
        ("без ТГСК", "no allo-HSCT"),
        ("pembrolizumab arm", "pembrolizumab"),
        ("≤6个月", "≤6 months"),
        ("年龄≥60岁", "age ≥ 60 years"),
        ("標準治療群", "standard therapy"),
        ("対照群", "control"),
        ("高危組", "high-risk"),
        ("异基因细胞来源组", "allogeneic cell-derived"),
        ("Pola-BR", "Pola-BR"),  # the vocabularies name only part of it: kept as written
        ("ALL-REZ 2016", "ALL-REZ 2016"),
    ],
)
def test_arm_labels_are_english_where_the_vocabularies_can_say_it(phrase: str, label: str) -> None:
    assert english_arm(phrase) == label


def _rows() -> list[dict]:
    return [
        json.loads(line) for line in ARM_ANNOTATIONS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_arm_annotations_are_labels_and_offsets_only() -> None:
    rows = _rows()
    assert len(rows) > 300
    for row in rows:
        assert set(row) == {"text", "value", "arm"}
        assert row["value"][0] < row["value"][1]
        assert row["arm"] is None or row["arm"][0] < row["arm"][1]


@needs_dev
def test_arm_annotations_point_at_numbers_and_words_of_their_texts() -> None:
    tune = {
        line.split(": ", 1)[1].strip()
        for line in (shared_dir() / "dev" / "gold-tune.yaml").read_text(encoding="utf-8").splitlines()
        if line.startswith("- paper: ")
    }
    for row in _rows():
        if row["text"].startswith("dev/"):
            assert Path(row["text"]).stem in tune, row
        text = text_path(row["text"]).read_text(encoding="utf-8")
        assert any(ch.isdigit() for ch in text[row["value"][0] : row["value"][1]]), row
        if row["arm"]:
            assert text[row["arm"][0] : row["arm"][1]].strip(), row
