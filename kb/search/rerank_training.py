"""Search judgments in, the search reranker out; and the scores that tell whether it helps.

    python -m kb.search.rerank_training fit [--home DIR]   # rebuild kb/search/weights/reranker.json
    python -m kb.search.rerank_training cv [--home DIR]    # cross-validated recall@5 and MRR@10

The judgments are the project's search gold: `gold/queries.yaml` (corpus questions) and
`dev/queries.yaml` (questions over the development texts and the corpus) in `../shared`
(`HEMEKB_SHARED` points elsewhere). Each names the papers that answer a question and strings an
answer contains; a candidate is relevant exactly when shared/eval/search_score.py's `relevant`
says so (imported from that file, so training and scoring cannot drift apart).

The questions are asked of the store they were written for: the shipped corpus and the
development texts, ingested by `kb ingest` into `--home` (a temporary one when not given; a
given one is brought up to date first). Every candidate of the fused pool (the three
channels' 50 best) is an example. `cv` holds questions out 5-fold (folds by a fixed shuffle) and
reports, per judgment file, the fused order against the reranked one.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.search.engine import Searcher
from kb.search.rerank import MODEL_PATH, Candidate, Question, Reranker, candidate_features
from kb.settings import Settings
from kb.store import open_store
from kb.vocab import read_yaml

REPO = Path(__file__).resolve().parents[2]
JUDGMENT_FILES = ("gold/queries.yaml", "dev/queries.yaml")
FOLDS = 5
SEED = 20261206


def shared_dir() -> Path:
    return Path(os.environ.get("HEMEKB_SHARED", REPO.parent / "shared"))


def _relevance() -> Callable[[dict, dict], bool]:
    path = shared_dir() / "eval" / "search_score.py"
    spec = importlib.util.spec_from_file_location("search_score", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"no search scorer at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.relevant


@dataclass
class Judged:
    """One question of a judgment file with its fused candidates, each labelled relevant or not,
    and the span it would be shown as (candidates of one span show once)."""

    source: str
    question: Question
    candidates: list[Candidate]
    relevant: list[bool]
    spans: list[tuple[str, int, int]]


def build_store(home: Path) -> None:
    """Ingest the corpus and the development texts into `home`. A store that holds them already is
    brought up to date, not trusted: `kb ingest` extracts again and rewrites each paper whose
    records, mapping or vocabulary changed, so a model is never fitted on an older extractor's index."""
    papers = [REPO / "data" / "papers", shared_dir() / "dev" / "texts"]
    env = {**os.environ, "KB_HOME": str(home)}
    run = subprocess.run(
        [sys.executable, "-m", "kb", "ingest", *map(str, papers)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"kb ingest failed ({run.returncode}): {run.stderr[-2000:]}")


def judged_questions(home: Path) -> list[Judged]:
    """Every question of the judgment files, asked of the knowledge base in `home`."""
    settings = Settings(home=home)
    relevant = _relevance()
    searcher = Searcher(settings)
    store = open_store(settings, writable=False)
    out: list[Judged] = []
    try:
        for name in JUDGMENT_FILES:
            judgments = read_yaml(shared_dir() / name)
            for j in judgments:
                question, pool = searcher.candidates(store, j["q"])
                pool = [(c, hit) for c, hit in pool if hit is not None]
                out.append(
                    Judged(
                        source=name,
                        question=question,
                        candidates=[c for c, _ in pool],
                        relevant=[relevant(hit.model_dump(mode="json"), j) for _, hit in pool],
                        spans=[(c.paper_id, hit.char_start, hit.char_end) for c, hit in pool],
                    )
                )
    finally:
        searcher.close()
        store.close()
    return out


def fit_reranker(questions: Sequence[Judged], C: float | None = None) -> Reranker:  # noqa: N803
    model = Reranker() if C is None else Reranker(C=C)
    features: list[dict[str, float]] = []
    labels: list[int] = []
    for q in questions:
        features += candidate_features(q.question, q.candidates)
        labels += [int(r) for r in q.relevant]
    return model.fit(features, labels)


def measure(q: Judged, order: Sequence[int]) -> tuple[bool, float]:
    """recall@5 and reciprocal rank (within 10) of one question, candidates shown in `order`, one
    per span, as the API shows them."""
    shown: set[tuple[str, int, int]] = set()
    hits: list[bool] = []
    for i in order:
        if q.spans[i] in shown:
            continue
        shown.add(q.spans[i])
        hits.append(q.relevant[i])
        if len(hits) == 10:
            break
    first = next((k for k, h in enumerate(hits) if h), None)
    return (first is not None and first < 5), (0.0 if first is None else 1.0 / (first + 1))


def reranked_order(model: Reranker, q: Judged) -> list[int]:
    position = {id(c): i for i, c in enumerate(q.candidates)}
    return [position[id(c)] for c, _ in model.rank(q.question, q.candidates)]


@dataclass(frozen=True)
class Score:
    source: str
    questions: int
    fused: tuple[float, float]
    reranked: tuple[float, float]


def cross_validate(questions: Sequence[Judged], C: float | None = None) -> list[Score]:  # noqa: N803
    """Each question reranked by a model fitted on the other folds; per judgment file, recall@5 and
    MRR@10 of the fused and the reranked order."""
    shuffled = list(range(len(questions)))
    random.Random(SEED).shuffle(shuffled)
    fold = {i: k % FOLDS for k, i in enumerate(shuffled)}
    reranked: dict[int, tuple[bool, float]] = {}
    for k in range(FOLDS):
        model = fit_reranker([q for i, q in enumerate(questions) if fold[i] != k], C)
        for i, q in enumerate(questions):
            if fold[i] == k:
                reranked[i] = measure(q, reranked_order(model, q))
    scores = []
    for source in JUDGMENT_FILES:
        idx = [i for i, q in enumerate(questions) if q.source == source]
        fused = [measure(questions[i], range(len(questions[i].candidates))) for i in idx]
        again = [reranked[i] for i in idx]
        scores.append(
            Score(
                source=source,
                questions=len(idx),
                fused=_mean(fused),
                reranked=_mean(again),
            )
        )
    return scores


def _mean(results: Sequence[tuple[bool, float]]) -> tuple[float, float]:
    n = max(1, len(results))
    return round(sum(r for r, _ in results) / n, 3), round(sum(m for _, m in results) / n, 3)


def _home(given: str | None) -> tuple[Path, tempfile.TemporaryDirectory[str] | None]:
    if given:
        return Path(given), None
    tmp = tempfile.TemporaryDirectory(prefix="hemekb-rerank-")
    return Path(tmp.name), tmp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["fit", "cv"])
    parser.add_argument(
        "--home", help="knowledge base holding the corpus and the dev texts (built if needed)"
    )
    parser.add_argument("--C", type=float, help="inverse regularisation strength (default: the model's)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    home, tmp = _home(args.home)
    try:
        build_store(home)
        questions = judged_questions(home)
        if args.command == "fit":
            model = fit_reranker(questions, args.C)
            model.save(args.out)
            print(f"wrote {args.out}: {len(model.weights_)} weights from {len(questions)} questions")
            for name, weight in model.top_features(12):
                print(f"  {name:28s} {weight:+.3f}")
        else:
            for s in cross_validate(questions, args.C):
                print(
                    f"{s.source:20s} {s.questions:3d} questions  fused recall@5 {s.fused[0]:.3f} MRR@10 "
                    f"{s.fused[1]:.3f}  reranked recall@5 {s.reranked[0]:.3f} MRR@10 {s.reranked[1]:.3f}"
                )
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
