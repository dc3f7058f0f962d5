"""The search reranker is an artifact: rebuilt from the judgments by one command it reproduces the
shipped weights, it beats the fused order on questions it was not fitted on, and through the HTTP
API the dev questions find their answers over the store they were written for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kb.logistic import ModelMismatch
from kb.search.rerank import (
    MODEL_PATH,
    Candidate,
    Question,
    Reranker,
    candidate_features,
    concept_features,
    shipped_reranker,
)
from kb.search.rerank_training import (
    Score,
    build_store,
    cross_validate,
    fit_reranker,
    judged_questions,
    shared_dir,
)
from tests.conftest import LiveServer
from tests.model_files import stale_copy

SHARED = shared_dir()
REPO = Path(__file__).resolve().parents[1]
needs_judgments = pytest.mark.skipif(
    not ((SHARED / "dev" / "queries.yaml").exists() and (SHARED / "dev" / "texts").is_dir()),
    reason="../shared/dev (texts and search judgments) is not here",
)


def _candidate(rank: int, paper: str, text: str, terms: set[str], **ranks: int | None) -> Candidate:
    return Candidate(
        doc_id=rank,
        paper_id=paper,
        kind="passage",
        text=text,
        terms=frozenset(terms),
        fused_score=1.0 / (10 + rank),
        fused_rank=rank,
        vector_rank=ranks.get("vector", rank),
        bm25_rank=ranks.get("bm25"),
        concept_rank=ranks.get("concept"),
    )


def test_a_document_naming_the_asked_endpoint_itself_outranks_one_naming_it_through_its_paper() -> None:
    """'overall survival after CAR-T': of two passages of one CAR-T paper, the one stating the OS
    rate comes first, though fusion put the other one (the methods) first."""
    question = Question(
        "overall survival after CAR-T",
        frozenset({"c.endpoints.os", "c.interventions.cart", "c.classes.cart"}),
    )
    paper_terms = {"p.endpoints.os", "p.interventions.cart", "p.classes.cart"}
    methods = _candidate(1, "p1", "Patients were enrolled between 2016 and 2019.", paper_terms, bm25=1)
    result = _candidate(
        2, "p1", "The 2-year overall survival was 64.5%.", paper_terms | {"c.endpoints.os"}, bm25=2
    )
    ranked = [c for c, _ in shipped_reranker().rank(question, [methods, result])]
    assert ranked[0] is result


def test_concept_shares_count_the_documents_own_concepts_and_its_papers_apart() -> None:
    question = Question("q", frozenset({"c.endpoints.os", "c.interventions.blinatumomab"}))
    c = _candidate(1, "p", "text", {"c.endpoints.os", "p.endpoints.os", "p.interventions.blinatumomab"})
    f = concept_features(question, c)
    assert f["own_share"] == 0.5 and f["paper_share"] == 1.0 and f["paper_has_all"] == 1.0
    assert f["own_share:endpoints"] == 1.0 and f["own_share:interventions"] == 0.0


def test_features_rank_papers_by_their_best_document() -> None:
    question = Question("q", frozenset())
    docs = [_candidate(1, "a", "x", set()), _candidate(2, "b", "y", set()), _candidate(3, "a", "z", set())]
    features = candidate_features(question, docs)
    assert [f for f in features[2] if f.startswith(("paper_rank", "rank_in_paper"))] == [
        "paper_rank=1",
        "rank_in_paper=2",
    ]


def test_a_reranker_of_other_features_is_refused_with_the_command_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(ModelMismatch, match=r"python -m kb\.search\.rerank_training fit"):
        Reranker.load(stale_copy(MODEL_PATH, tmp_path))


@pytest.fixture(scope="module")
def judged_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus and the dev texts in one knowledge base: the store the judgments are written for."""
    home = tmp_path_factory.mktemp("judged") / "kb"
    build_store(home)
    return home


@needs_judgments
def test_rebuild_reproduces_the_shipped_reranker_and_it_beats_fusion_held_out(judged_home: Path) -> None:
    """`python -m kb.search.rerank_training fit` gives the shipped weights; questions held out
    5-fold find as many answers in the top 5 as fusion alone does and rank them higher, over the
    67 questions of both judgment files together (MRR@10 +0.02). Per file the test would judge
    noise: one question of 45 moving from rank 5 to 6 is -0.022 recall@5, and a refit after any
    change of the extracted records moves a few such questions either way."""
    questions = judged_questions(judged_home)
    rebuilt, shipped = fit_reranker(questions), shipped_reranker()
    assert rebuilt.weights_.keys() == shipped.weights_.keys()
    for name, weight in rebuilt.weights_.items():
        assert weight == pytest.approx(shipped.weights_[name], abs=1e-4), name
    scores = cross_validate(questions)
    for score in scores:
        print(score)
    total = sum(score.questions for score in scores)

    def pooled(measure: Callable[[Score], float]) -> float:
        return sum(measure(score) * score.questions for score in scores) / total

    # the scores are rounded to 3 places: count the questions answered in the top 5
    fused_found = sum(round(s.fused[0] * s.questions) for s in scores)
    reranked_found = sum(round(s.reranked[0] * s.questions) for s in scores)
    assert reranked_found >= fused_found, (fused_found, reranked_found)
    fused_mrr, reranked_mrr = pooled(lambda s: s.fused[1]), pooled(lambda s: s.reranked[1])
    assert reranked_mrr >= fused_mrr + 0.02, (fused_mrr, reranked_mrr)


@pytest.fixture(scope="module")
def judged_server(judged_home: Path) -> Iterator[LiveServer]:
    server = LiveServer(judged_home, timeout=120)
    yield server
    server.stop()


# Over HTTP, with the shipped model (fitted on these questions: a regression gate, not a held-out
# figure; the held-out one is the cross-validation above).
DEV_GATE = {"recall@5": 0.8, "mrr@10": 0.63}


@needs_judgments
def test_dev_questions_find_their_answers_over_http(judged_server: LiveServer) -> None:
    run = subprocess.run(
        [
            sys.executable,
            str(SHARED / "eval" / "search_score.py"),
            "--api",
            judged_server.url,
            "--queries",
            str(SHARED / "dev" / "queries.yaml"),
            "--json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    score = json.loads(run.stdout)
    print(score)
    for metric, floor in DEV_GATE.items():
        assert score[metric] >= floor, score
