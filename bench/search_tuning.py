"""Choose the search recipe by numbers: passage size, glosses, card text and fusion weights.

    python bench/search_tuning.py [--out bench/results/search_tuning.md]

Builds the papers (shared/corpus and shared/dev/texts: the store the dev judgments are written
for) once with the real extractor into a temporary knowledge base, then, for each way of making
documents (kb.search.documents.Options), a search index of its own, and runs every query of each
judgment file (shared/gold/queries.yaml: the corpus questions the recipe was first tuned on;
shared/dev/queries.yaml: questions over the dev texts and the corpus, in eleven languages) through
the real `Searcher` with each fusion setting (kb.search.engine.Fusion). Hits are judged by
shared/eval/search_score.py's own `relevant` (imported from it), so the numbers are those the
scorer gives over HTTP. Reports recall@5 and MRR@10 per judgment file and setting as a Markdown
table, best mean recall@5 first.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("HEMEKB_SHARED", ROOT.parent / "shared"))

from ingest.ingestion import IngestingKnowledgeBase, default_extractor  # noqa: E402
from kb.embedding import embedder  # noqa: E402
from kb.search.documents import Options, prepare_paper  # noqa: E402
from kb.search.engine import Fusion, Searcher  # noqa: E402
from kb.search.index import SearchIndex  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.store import open_store  # noqa: E402


def load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("search_score", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Row:
    options: Options
    fusion: Fusion
    scores: list[tuple[float, float]]  # (recall@5, MRR@10) per judgment file
    missed: list[str]

    @property
    def recall(self) -> float:
        return sum(r for r, _ in self.scores) / len(self.scores)

    @property
    def mrr(self) -> float:
        return sum(m for _, m in self.scores) / len(self.scores)


def evaluate(searcher, store, judgments, scorer, fusion: Fusion) -> tuple[float, float, list[str]]:
    searcher.fusion = fusion
    hits5, rr, missed = 0, 0.0, []
    for j in judgments:
        hits = [h.model_dump(mode="json") for h in searcher.search(store, j["q"], 10).results]
        ranks = [i for i, h in enumerate(hits[:10]) if scorer.relevant(h, j)]
        if ranks and ranks[0] < 5:
            hits5 += 1
        else:
            missed.append(j["q"])
        if ranks:
            rr += 1 / (ranks[0] + 1)
    return hits5 / len(judgments), rr / len(judgments), missed


def option_grid(quick: bool) -> list[Options]:
    base = Options()
    grid = [base]
    if quick:
        return grid
    sizes = [600, 1000]
    grid += [replace(base, target_chars=t) for t in sizes]
    grid += [
        replace(base, gloss_passages=not base.gloss_passages),
        replace(base, gloss_sentences=not base.gloss_sentences),
        replace(base, sentence_vectors=not base.sentence_vectors),
        replace(base, card_evidence=not base.card_evidence),
        replace(base, gloss_vector=not base.gloss_vector),
        replace(base, gloss_vector=not base.gloss_vector, gloss_sentences=not base.gloss_sentences),
    ]
    return grid


def fusion_grid() -> list[Fusion]:
    base = Fusion()
    grid = [base, replace(base, gloss_query=not base.gloss_query), replace(base, collapse=not base.collapse)]
    for vector_weight, bm25_weight, concept_weight, rrf_k in itertools.product(
        [1.0, 1.5, 2.0], [0.5, 1.0], [0.0, 0.5, 1.0, 1.5, 2.0], [10, 30, 60]
    ):
        grid.append(
            replace(
                base,
                vector_weight=vector_weight,
                bm25_weight=bm25_weight,
                concept_weight=concept_weight,
                rrf_k=rrf_k,
            )
        )
    grid.append(replace(base, vector_weight=1.0, bm25_weight=0.0, concept_weight=0.0))
    return list(dict.fromkeys(grid))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--papers", action="append", help="folder of papers (repeatable; default: corpus and dev texts)"
    )
    ap.add_argument("--queries", action="append", help="judgment file (repeatable; default: gold and dev)")
    ap.add_argument("--scorer", default=str(SHARED / "eval" / "search_score.py"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "search_tuning.md"))
    ap.add_argument("--quick", action="store_true", help="default document options only")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)

    scorer = load_scorer(Path(args.scorer))
    folders = args.papers or [str(SHARED / "corpus"), str(SHARED / "dev" / "texts")]
    query_files = args.queries or [
        str(SHARED / "gold" / "queries.yaml"),
        str(SHARED / "dev" / "queries.yaml"),
    ]
    judgment_sets = [yaml.safe_load(Path(q).read_text(encoding="utf-8")) for q in query_files]
    model = embedder(Settings().embedding_model)
    papers = sorted(p for folder in folders for p in Path(folder).glob("*.txt"))
    extracted = {p: default_extractor(p) for p in papers}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(home=Path(tmp) / "graph-kb")
        kb = IngestingKnowledgeBase(base, extractor=lambda p: extracted[p])
        assert kb.ingest_paths(papers).ok
        kb.close()
        store = open_store(base, writable=False).pinned()
        from kb.model.rdf_mapping import content_digest

        for n, options in enumerate(option_grid(args.quick)):
            settings = Settings(home=Path(tmp) / f"index-{n}")
            started = time.perf_counter()
            with SearchIndex.open(settings, writable=True) as index:
                index.ensure_schema(settings.embedding_model, lambda: model.dimension)
                docs = 0
                for paper in extracted.values():
                    digest = content_digest(paper.meta, paper.records)
                    assert paper.text is not None
                    prepared = prepare_paper(
                        paper.meta.ref(), digest, paper.text, paper.records, model, options
                    )
                    docs += len(prepared.documents)
                    with index.replacing(prepared):
                        pass
            print(f"{options}: {docs} documents in {time.perf_counter() - started:.1f}s", file=sys.stderr)
            searcher = Searcher(settings)
            fusions = fusion_grid() if options == Options() else [Fusion()]
            for fusion in fusions:
                scored = [evaluate(searcher, store, j, scorer, fusion) for j in judgment_sets]
                missed = [q for _, _, m in scored for q in m]
                rows.append(Row(options, fusion, [(r, m) for r, m, _ in scored], missed))
            searcher.close()
    rows.sort(key=lambda r: (-r.recall, -r.mrr))
    default = next(r for r in rows if r.options == Options() and r.fusion == Fusion())
    files = ", ".join(f"{q} ({len(j)})" for q, j in zip(query_files, judgment_sets, strict=True))
    per_file = " | ".join("recall@5 | MRR@10" for _ in query_files)
    lines = [
        f"Papers: {len(papers)} ({', '.join(folders)}). Judgment files, in column order: {files}.",
        "Default (Options(), Fusion()): "
        + "; ".join(f"recall@5 {r:.3f}, MRR@10 {m:.3f}" for r, m in default.scores)
        + ".",
        "",
        f"| {per_file} | passage chars | gloss passages | gloss sentences | sentence vectors "
        "| gloss vector | card + evidence | w_vec | w_bm25 | w_concept | rrf_k | gloss query | collapse |",
        "| --- " * (2 * len(query_files) + 12) + "|",
    ]
    for r in rows:
        o, f = asdict(r.options), asdict(r.fusion)
        cells = " | ".join(f"{rec:.3f} | {mrr:.3f}" for rec, mrr in r.scores)
        lines.append(
            f"| {cells} | {o['target_chars']} | {o['gloss_passages']} "
            f"| {o['gloss_sentences']} | {o['sentence_vectors']} | {o['gloss_vector']} "
            f"| {o['card_evidence']} | {f['vector_weight']} | {f['bm25_weight']} | {f['concept_weight']} "
            f"| {f['rrf_k']} | {f['gloss_query']} | {f['collapse']} |"
        )
    lines += ["", "Missed at 5 by the default:", ""] + [f"- {q}" for q in default.missed]
    table = "\n".join(lines) + "\n"
    print(table)
    if not args.no_save:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
