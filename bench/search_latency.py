"""Search latency and ingest-time embedding throughput, on the corpus and on synthetic growth.

    python bench/search_latency.py [--sizes 10000,100000] [--rounds 10] [--out FILE.md]

1. Builds a knowledge base from shared/corpus with the real extractor and times the embedding of
   its documents (passages and outcome cards) as the ingest does it: documents/s and texts/s.
2. Serves it with `kb serve` on loopback and times warm `GET /search` calls (the gold queries,
   `--rounds` times each, k=10) from this process: p50 / p95 / max in milliseconds.
3. For each size N in `--sizes`: a copy of that knowledge base plus N synthetic passages (text
   and sentence vectors resampled from the corpus, with noise, ~as many vectors per passage as the
   corpus has), served and timed the same way; and the vector step alone, sqlite-vec KNN against
   a brute-force numpy baseline (one matrix product over the same vectors, in the same run).

Timings are wall-clock on this machine (2 cores, shared with whatever else runs): each figure is
the median of its repetitions' percentiles where it says so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("HEMEKB_SHARED", ROOT.parent / "shared"))

from kb.embedding import embedder  # noqa: E402
from kb.search.documents import documents_of  # noqa: E402
from kb.search.engine import Fusion  # noqa: E402
from kb.search.index import MAX_KNN, VECTORS_PER_DOC, SearchIndex, index_path  # noqa: E402
from kb.search.text import tokens  # noqa: E402
from kb.service import KnowledgeBase, default_extractor  # noqa: E402
from kb.settings import Settings  # noqa: E402


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`kb serve` over `home` on a free loopback port, stopped on exit."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
        env["KB_HOME"] = str(home)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kb", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=120)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.client.get("/health")
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("kb serve did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=30)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def http_latencies(home: Path, queries: Sequence[str], rounds: int) -> list[float]:
    """Milliseconds per warm GET /search (k=10), every query `rounds` times."""
    with Server(home) as server:
        for q in queries:  # warm: model loaded, pages cached, records read once
            assert server.client.get("/search", params={"q": q, "k": 10}).status_code == 200
        times = []
        for _ in range(rounds):
            for q in queries:
                started = time.perf_counter()
                response = server.client.get("/search", params={"q": q, "k": 10})
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
        return times


def embedding_throughput(papers: Sequence[Path]) -> tuple[int, int, float]:
    """(documents, embedded texts, seconds) to embed the corpus' documents as the ingest does."""
    model = embedder(Settings().embedding_model)
    model.documents(["warm-up"])
    docs = []
    for path in papers:
        paper = default_extractor(path)
        assert paper.text is not None
        docs.extend(documents_of(paper.text, paper.records))
    texts = [t for d in docs for t in d.embedded]
    started = time.perf_counter()
    model.documents(texts)
    return len(docs), len(texts), time.perf_counter() - started


def grow(home: Path, size: int, seed: int = 7) -> int:
    """Add `size` synthetic passages to the index under `home`; returns the vectors added."""
    rng = np.random.default_rng(seed)
    index = SearchIndex(index_path(Settings(home=home)), writable=True)
    db = index._writer()
    passages = [r[0] for r in db.execute("SELECT indexed FROM docs WHERE kind = 'passage'")]
    passage_vectors = (
        "SELECT embedding FROM docs_vec WHERE doc_id IN (SELECT id FROM docs WHERE kind = 'passage')"
    )
    blobs = [r[0] for r in db.execute(passage_vectors)]
    pool = np.stack([np.frombuffer(b, dtype=np.float32) for b in blobs])
    per_doc = len(pool) / len(passages)  # sentence vectors per passage, as in the corpus
    first = db.execute("SELECT MAX(id) FROM docs").fetchone()[0] + 1
    added = 0
    with db.atomic():
        for start in range(0, size, 1000):
            paper = f"synthetic-{start // 1000:04d}"
            db.execute(
                "INSERT INTO papers (id, file, title, language, digest) VALUES (?, ?, ?, 'en', '-')",
                [paper, paper + ".txt", paper],
            )
            count = min(1000, size - start)
            ids = range(first + start, first + start + count)
            picks = rng.integers(0, len(passages), size=count)
            db.conn.executemany(
                "INSERT INTO docs (id, paper_id, kind, char_start, char_end, text, indexed)"
                " VALUES (?, ?, 'passage', 0, 1, ?, ?)",
                [(i, paper, passages[p], passages[p]) for i, p in zip(ids, picks, strict=True)],
            )
            db.conn.executemany(
                "INSERT INTO docs_fts (rowid, tokens) VALUES (?, ?)",
                [(i, " ".join(tokens(passages[p]))) for i, p in zip(ids, picks, strict=True)],
            )
            owners = [i for i in ids for _ in range(max(1, int(rng.poisson(per_doc))))]
            vectors = pool[rng.integers(0, len(pool), size=len(owners))]
            vectors = vectors + rng.normal(0, 0.03, size=vectors.shape).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            db.conn.executemany(
                "INSERT INTO docs_vec (embedding, doc_id) VALUES (?, ?)",
                [(v.astype(np.float32).tobytes(), i) for v, i in zip(vectors, owners, strict=True)],
            )
            added += len(owners)
    index.close()
    return added


def vector_step(home: Path, queries: Sequence[str], rounds: int) -> tuple[list[float], list[float], int]:
    """Milliseconds of the KNN step: sqlite-vec, and numpy brute force over the same vectors."""
    settings = Settings(home=home)
    model = embedder(settings.embedding_model)
    qv = model.queries(list(queries))
    index = SearchIndex(index_path(settings), writable=False)
    depth = Fusion().depth
    with index.reading() as db:
        assert db is not None
        rows = db.execute("SELECT doc_id, embedding FROM docs_vec").fetchall()
        owners = np.array([r[0] for r in rows])
        matrix = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        sqlite_ms, numpy_ms = [], []
        for _ in range(rounds):
            for v in qv:
                started = time.perf_counter()
                index.nearest(db, v, depth, None)
                sqlite_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                scores = matrix @ v
                top = np.argpartition(-scores, min(depth * VECTORS_PER_DOC, MAX_KNN))[
                    : depth * VECTORS_PER_DOC
                ]
                top = top[np.argsort(-scores[top])]
                list(dict.fromkeys(owners[top].tolist()))[:depth]
                numpy_ms.append((time.perf_counter() - started) * 1000)
    index.close()
    return sqlite_ms, numpy_ms, len(matrix)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(SHARED / "corpus"))
    ap.add_argument("--queries", default=str(SHARED / "gold" / "queries.yaml"))
    ap.add_argument("--sizes", default="10000,100000", help="synthetic passages to add, comma-separated")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "search_latency.md"))
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)

    queries = [j["q"] for j in yaml.safe_load(Path(args.queries).read_text(encoding="utf-8"))]
    papers = sorted(Path(args.corpus).glob("*.txt"))
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"CPU: {os.cpu_count()} cores, load average {load} at the start (other work shares the machine)."
        f" Queries: {len(queries)} gold queries x {args.rounds} rounds, k=10.",
        "",
    ]

    n_docs, n_texts, seconds = embedding_throughput(papers)
    lines += [
        "## Ingest-time embedding",
        "",
        f"{n_docs} documents ({n_texts} embedded texts: passage sentences and outcome cards)"
        f" in {seconds:.1f} s:"
        f" **{n_docs / seconds:.0f} documents/s**, {n_texts / seconds:.0f} texts/s.",
        "",
        "## Warm query latency",
        "",
        "| passages | documents | vectors | HTTP p50 ms | HTTP p95 ms | HTTP max ms "
        "| KNN sqlite-vec p50 ms | KNN numpy p50 ms | sqlite-vec / numpy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "corpus"
        kb = KnowledgeBase(Settings(home=home))
        report = kb.ingest_paths(papers)
        kb.close()
        assert report.ok, [p.line() for p in report.failed]
        for size in [0, *[int(s) for s in args.sizes.split(",") if s]]:
            target = home
            if size:
                target = Path(tmp) / f"grown-{size}"
                shutil.copytree(home, target)
                started = time.perf_counter()
                grow(target, size)
                print(f"grew by {size} passages in {time.perf_counter() - started:.0f}s", file=sys.stderr)
            counts = SearchIndex(index_path(Settings(home=target)), writable=False).counts()
            http = http_latencies(target, queries, args.rounds)
            sqlite_ms, numpy_ms, vectors = vector_step(target, queries, max(1, args.rounds // 2))
            ratio = statistics.median(sqlite_ms) / statistics.median(numpy_ms)
            lines.append(
                f"| {counts['passage']} | {counts['passage'] + counts['outcome']} | {vectors} "
                f"| {percentile(http, 50):.1f} | {percentile(http, 95):.1f} | {max(http):.1f} "
                f"| {statistics.median(sqlite_ms):.1f} | {statistics.median(numpy_ms):.1f} | {ratio:.2f} |"
            )
            print(lines[-1], file=sys.stderr)
            if size:
                shutil.rmtree(target)
    table = "\n".join(lines) + "\n"
    print(table)
    if not args.no_save:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
