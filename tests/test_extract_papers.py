"""Whole corpus papers, every language: each record quotes its paper exactly, ids are unique and
stable across runs."""

from __future__ import annotations

import pytest

from tests.extraction_cases import assert_deterministic, assert_ids_unique, assert_spans_exact, corpus_paper

PAPERS = ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("paper", PAPERS)
def test_every_mention_of_every_record_quotes_the_paper(paper: str) -> None:
    extraction = corpus_paper(paper)
    assert extraction.records
    assert_spans_exact(extraction)


@pytest.mark.parametrize("paper", PAPERS)
def test_record_ids_are_unique(paper: str) -> None:
    assert_ids_unique(corpus_paper(paper))


def test_record_ids_are_unique_across_the_corpus() -> None:
    ids = [r.id for paper in PAPERS for r in corpus_paper(paper).records]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("paper", PAPERS)
def test_reextraction_gives_the_same_ids(paper: str) -> None:
    assert_deterministic(paper)
