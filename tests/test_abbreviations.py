"""Short forms a paper defines for itself are read as the concept they stand for, and only those
(sentences written for these tests; the last test reads a real abstract by path)."""

from __future__ import annotations

import pytest

from ingest.document import read_paper
from ingest.extract import extract_records
from ingest.extract.abbreviations import find_abbreviations, paper_abbreviations
from ingest.extract.lexicon import find_concepts

from .test_extract_dev import TEXTS, needs_dev


def _aliases(text: str) -> dict[str, dict[str, str]]:
    return {kind: {short: c.id for short, c in pairs} for kind, pairs in find_abbreviations(text).items()}


@pytest.mark.parametrize(
    ("text", "kind", "short", "concept"),
    [
        ("Patients without complete metabolic response (CMR) were randomised.", "endpoints", "CMR", "CR"),
        ("Induction with venetoclax (VEN) and azacitidine.", "interventions", "VEN", "venetoclax"),
        ("Дети с рецидивом классической лимфомы Ходжкина (кЛХ).", "diseases", "кЛХ", "chl"),
    ],
)
def test_a_defined_short_form_stands_for_its_concept(text: str, kind: str, short: str, concept: str) -> None:
    assert _aliases(text) == {kind: {short: concept}}


@pytest.mark.parametrize(
    "text",
    [
        "Overall survival (OS) was 60%.",  # the vocabulary reads 'OS' already
        "Treated with elotuzumab, lenalidomide and dexamethasone (ELd).",  # a combination, not one drug
        "Registered by the European Research Initiative on CLL (ERIC).",  # a name that ends in a concept
        "Obinutuzumab plus chlorambucil (G-Clb) was given.",  # letters not spelled by 'chlorambucil'
        "Overall survival (median) was 20 months.",  # a note, not a short form
        "After autologous stem cell transplantation (ASCT), 12 relapsed.",  # a therapy or a rate: ambiguous
    ],
)
def test_what_is_not_a_definition_is_not_read_as_one(text: str) -> None:
    assert _aliases(text) == {}


def test_a_short_form_defined_two_ways_is_read_neither_way() -> None:
    text = "Complete metabolic response (CMR) ... complete molecular response (CMR) ..."
    assert "CMR" not in _aliases(text).get("endpoints", {})


def test_the_short_form_counts_only_while_its_paper_is_read() -> None:
    paper = "Complete metabolic response (CMR) was assessed by PET. The CMR rate was 59%."
    sentence = "The CMR rate was 59%."
    assert find_concepts(sentence, "endpoints") == []
    with paper_abbreviations(paper):
        assert [m.concept.id for m in find_concepts(sentence, "endpoints")] == ["CR"]
        assert find_concepts("The cmr rate", "endpoints") == []  # its own case only
    assert find_concepts(sentence, "endpoints") == []


@needs_dev
def test_a_result_stated_with_the_papers_own_short_form_is_found() -> None:
    """dA_02_en defines 'complete metabolic response (CMR)' and reports 'CMR rate was 59% ... and
    94% ...': both complete response rates, which the vocabulary alone did not read."""
    records = extract_records(read_paper(TEXTS / "dA_02_en.txt"))
    assert {59.0, 94.0} <= {r.value for r in records if r.endpoint == "CR"}
