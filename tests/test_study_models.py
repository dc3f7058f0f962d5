"""Which study a result belongs to, decided by learned parts: trial names a text states (the
tagger) and whether the text reports its own research or others' (the report-kind classifier).

Real texts of the tune part of ../shared/dev are addressed by name; the other sentences were
written for these tests, with trial names that no annotation contains."""

from __future__ import annotations

import json

import pytest

from ingest.document import read_paper
from ingest.extract import extract_records
from ingest.extract.learned import shipped_parts
from ingest.extract.report_kind import OWN, SECONDARY
from ingest.extract.study_names import candidates
from ingest.extract.study_training import STUDY_ANNOTATIONS, _rows
from ingest.extract.training import shared_dir, text_path
from ingest.normalize import normalize

TEXTS = shared_dir() / "dev" / "texts"
needs_dev = pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/dev is not beside the repository")


def _tagger():
    tagger = shipped_parts().trial_tagger
    assert tagger is not None
    return tagger


@pytest.mark.parametrize(
    ("text", "trial"),
    [
        ("In the randomized phase 3 ZUMA-7 trial, axicabtagene ciloleucel improved EFS (HR 0.40).", "ZUMA-7"),
        ("Dans l'essai de phase III CARTITUDE-4, la SSP à 12 mois était de 75,9 %.", "CARTITUDE-4"),
        ("在III期CARTITUDE-4研究中，12个月PFS率为75.9%。", "CARTITUDE-4"),
        ("В исследовании III фазы CARTITUDE-4 12-месячная ВБП составила 75,9%.", "CARTITUDE-4"),
    ],
)
def test_a_trial_name_no_vocabulary_lists_is_found_in_any_language(text: str, trial: str) -> None:
    assert trial in {m.name for m in _tagger().mentions(text)}


def test_abbreviations_that_are_not_trials_are_not_taken_for_trial_names() -> None:
    text = (
        "Patients with CD19-positive DLBCL received R-CHOP; the FDA granted approval after PET-CT "
        "response (ORR 80%, HR 0.65, 95% CI 0.49-0.78) in the study."
    )
    found = {m.name for m in _tagger().mentions(text)}
    assert not found & {"CD19", "DLBCL", "R-CHOP", "FDA", "PET-CT", "ORR", "HR", "CI"}, found


def test_a_known_trial_is_always_a_trial_name() -> None:
    assert {m.name for m in _tagger().mentions("Results of TOWER were confirmed.")} == {"TOWER"}


def test_study_annotations_are_labels_and_offsets_only() -> None:
    """No third-party sentence in the repository."""
    for row in _rows("trial_names.jsonl"):
        assert set(row) == {"text", "start", "end"} and row["start"] < row["end"]
    for row in _rows("report_kinds.jsonl"):
        assert set(row) == {"text", "report"} and row["report"] in (OWN, SECONDARY)
    assert {p.name for p in STUDY_ANNOTATIONS.iterdir()} == {"trial_names.jsonl", "report_kinds.jsonl"}


@needs_dev
def test_annotated_trial_names_are_candidate_words_of_their_texts() -> None:
    for row in _rows("trial_names.jsonl"):
        text = read_paper(text_path(row["text"])).text
        word = text[row["start"] : row["end"]]
        assert word and candidates(normalize(word).text), (row, word)


@needs_dev
def test_news_of_a_trial_attributes_its_results_to_that_trial_not_to_the_text() -> None:
    """A German congress report on GALLIUM (tune text): the trial's results are GALLIUM's, not
    the report's own research."""
    records = extract_records(read_paper(TEXTS / "dG_03_de.txt"))
    assert records
    assert {r.study.label for r in records} == {"GALLIUM"}
    assert not any(r.study.is_primary for r in records)


@needs_dev
@pytest.mark.parametrize("paper", ["dC_02_tr", "dE_11_zh", "dF_05_es"])
def test_an_abstract_of_own_research_keeps_its_results_primary(paper: str) -> None:
    records = extract_records(read_paper(TEXTS / f"{paper}.txt"))
    assert records and all(r.study.is_primary for r in records), json.dumps(
        [r.study.model_dump() for r in records][:3]
    )
