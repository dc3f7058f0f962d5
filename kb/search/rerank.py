"""The search's last step: a learned reranking of the fused candidates.

Reciprocal-rank fusion (kb.search.engine) weighs every channel the same way for every question.
What it cannot weigh: whether a document names the concepts the question asks about itself or only
through its paper, whether it states a result (a number with % or a time unit), which of a paper's
documents comes first, and that the vector and BM25 channels favour documents written in the
question's own script, since they share its surface forms. The reranker scores each candidate on
those signals with a logistic model (kb.logistic) fitted on search judgments: relevant is what
shared/eval/search_score.py calls relevant (kb.search.rerank_training, `fit` and `cv`).

Features are plain functions of a candidate and the question, as the extractor's are; they name
no word, paper or concept, so that what the model learns carries over to questions and papers it
has not seen.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kb.logistic import DictLogistic
from kb.search.concept_terms import DOC_PREFIX, PAPER_PREFIX
from kb.vocab import cue_group

MODEL_PATH = Path(__file__).parent / "weights" / "reranker.json"
# Bump when the features change meaning: a model fitted on other features is refused.
FEATURES_VERSION = 2
REBUILD = "python -m kb.search.rerank_training fit"


@dataclass(frozen=True)
class Candidate:
    """One fused document as the reranker sees it: its rank in each channel (None: not among that
    channel's best), its fused score and rank, and what the index holds of it."""

    doc_id: int
    paper_id: str
    kind: str
    text: str
    terms: frozenset[str]  # concept terms: `c.<kind>.<id>` its own, `p.<kind>.<id>` its paper's
    fused_score: float
    fused_rank: int
    vector_rank: int | None
    bm25_rank: int | None
    concept_rank: int | None


@dataclass(frozen=True)
class Question:
    text: str
    concepts: frozenset[str]  # the `c.` terms of kb.search.concept_terms.query_terms


def _script(text: str) -> str:
    """The text's writing system, as far as it tells languages apart for the channels: kana,
    hangul, CJK ideographs, Cyrillic, else Latin."""
    for name, pattern in _SCRIPTS:
        if pattern.search(text):
            return name
    return "latin"


_SCRIPTS = (
    ("kana", re.compile(r"[\u3040-\u30ff]")),
    ("hangul", re.compile(r"[\uac00-\ud7af]")),
    ("han", re.compile(r"[\u4e00-\u9fff]")),
    ("cyrillic", re.compile(r"[\u0400-\u04ff]")),
)


@cache
def _result_number() -> re.Pattern[str]:
    """A number with % or a time unit of any supported language: how a result is written."""
    units = cue_group("landmark_units")
    return re.compile(
        rf"[%％]\s*\d+(?:[.,·]\d+)?"  # Turkish "%75"
        rf"|\d+(?:[.,·]\d+)?\s*(?:%|％|(?:{units['months'].pattern})|(?:{units['years'].pattern}))",
        re.IGNORECASE,
    )


def channel_features(c: Candidate) -> dict[str, float]:
    """Where each channel ranked the document, and the fusion's verdict."""
    f: dict[str, float] = {}
    for name, rank in (("vector", c.vector_rank), ("bm25", c.bm25_rank), ("concept", c.concept_rank)):
        f[f"rr_{name}"] = 10.0 / (10 + rank) if rank else 0.0
        f[f"in_{name}"] = 1.0 if rank else 0.0
    f["fused"] = 10.0 * c.fused_score
    f["fused_rank_log"] = math.log(c.fused_rank)
    return f


def concept_features(q: Question, c: Candidate) -> dict[str, float]:
    """How many of the question's concepts the document names itself, and its paper anywhere."""
    if not q.concepts:
        return {"question_without_concepts": 1.0}
    asked = {t.split(".", 1)[1] for t in q.concepts}
    own = {t.split(".", 1)[1] for t in c.terms if t.startswith(DOC_PREFIX + ".")}
    paper = {t.split(".", 1)[1] for t in c.terms if t.startswith(PAPER_PREFIX + ".")}
    f = {
        "own_share": len(asked & own) / len(asked),
        "paper_share": len(asked & paper) / len(asked),
        "paper_has_all": float(asked <= paper),
    }
    # per kind of concept: a question's endpoint named by the document itself weighs otherwise than
    # its drug named only in the paper's title
    for kind in sorted({t.split(".", 1)[0] for t in asked}):
        of_kind = {t for t in asked if t.startswith(kind + ".")}
        f[f"own_share:{kind}"] = len(of_kind & own) / len(of_kind)
        f[f"paper_share:{kind}"] = len(of_kind & paper) / len(of_kind)
    return f


def document_features(q: Question, c: Candidate, question_script: str | None = None) -> dict[str, float]:
    """What kind of document, whether it states results, its length, and whether it shares the
    question's script (the channels' scores are inflated by shared surface forms)."""
    numbers = _result_number().findall(c.text)
    return {
        f"kind={c.kind}": 1.0,
        "states_result": float(bool(numbers)),
        "results_stated": min(len(numbers), 5) / 5,
        "has_percent": float("%" in c.text or "％" in c.text),
        "length_log": math.log1p(len(c.text)) / 7,
        "same_script": float((question_script or _script(q.text)) == _script(c.text)),
    }


def paper_features(paper_rank: int, rank_in_paper: int) -> dict[str, float]:
    """The paper's place among the candidates' papers (by their best document) and the document's
    place within its paper."""
    return {f"paper_rank={min(paper_rank, 6)}": 1.0, f"rank_in_paper={min(rank_in_paper, 4)}": 1.0}


def candidate_features(q: Question, candidates: list[Candidate]) -> list[dict[str, float]]:
    """Every feature of each candidate, in fused order."""
    paper_rank: dict[str, int] = {}
    in_paper: dict[str, int] = {}
    question_script = _script(q.text)
    out = []
    for c in sorted(candidates, key=lambda c: c.fused_rank):
        paper_rank.setdefault(c.paper_id, len(paper_rank) + 1)
        in_paper[c.paper_id] = in_paper.get(c.paper_id, 0) + 1
        f = channel_features(c)
        f.update(concept_features(q, c))
        f.update(document_features(q, c, question_script))
        f.update(paper_features(paper_rank[c.paper_id], in_paper[c.paper_id]))
        out.append(f)
    return out


class Reranker(DictLogistic):
    """Is this document an answer to this question? Candidates are ordered by the probability.
    `C` was chosen by the judgments' cross-validated MRR@10 (kb.search.rerank_training cv)."""

    model_name = "search_reranker"
    model_path = MODEL_PATH
    features_version = FEATURES_VERSION
    rebuild_command = REBUILD

    def __init__(
        self,
        C: float = 0.006,  # noqa: N803 (scikit-learn names); chosen by `rerank_training cv`
        threshold: float = 0.5,
        class_weight: str | None = "balanced",
    ) -> None:
        super().__init__(C=C, threshold=threshold, class_weight=class_weight)

    def rank(self, q: Question, candidates: list[Candidate]) -> list[tuple[Candidate, float]]:
        """The candidates with their probability of answering, best first (ties keep the fused order)."""
        fused_order = sorted(candidates, key=lambda c: c.fused_rank)
        scores = self.predict_proba(candidate_features(q, fused_order))
        return sorted(zip(fused_order, scores, strict=True), key=lambda cs: (-cs[1], cs[0].fused_rank))


@cache
def shipped_reranker() -> Reranker:
    """The model that ships with the package, loaded once per process."""
    return Reranker.load()
