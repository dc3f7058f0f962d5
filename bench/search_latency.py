"""Search latency and ingest-time embedding throughput, on the corpus and on synthetic growth.

    python bench/search_latency.py [--sizes 10000,100000] [--rounds 10] [--out FILE.md]
    python bench/search_latency.py --home KB_HOME [--rounds 10]      # an existing base instead
    python bench/search_latency.py --ingest FOLDER [--ingest-count 20] [--threads 1,2]

1. Builds a knowledge base from shared/corpus with the real extractor and times the embedding of
   its documents (passages and outcome cards) as the ingest does it: documents/s and texts/s.
2. Serves it with `kb serve` on loopback and times warm `GET /search` calls (the gold queries,
   `--rounds` times each, k=10) from this process: p50 / p95 / max in milliseconds.
3. For each size N in `--sizes`: a copy of that knowledge base plus N synthetic passages (text
   and sentence vectors resampled from the corpus, with noise, ~as many vectors per passage as the
   corpus has), served and timed the same way; and the vector step alone: sqlite-vec's KNN query
   (the baseline, `SearchIndex.nearest_by_sqlite_vec`) against the numpy step searches use
   (`SearchIndex.nearest`, vectors in memory; the time to load them is reported apart).
4. With --home: steps 2 and 3 on that knowledge base as it is (e.g. the 1,000-paper base).
5. With --ingest: the first --ingest-count papers of FOLDER ingested into a fresh knowledge base
   (bench/ingest_bench.py `run_batch`, a fresh process each) once per BLAS thread count in
   --threads (kb.embedding.BLAS_THREADS), in the same run: papers/min and the embedding stage.

Timings are wall-clock on this machine (2 cores, shared with whatever else runs): each figure is
the median of its repetitions' percentiles where it says so.
"""

from __future__ import annotations

import argparse
import json
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

from ingest.ingestion import IngestingKnowledgeBase, default_extractor  # noqa: E402
from kb.embedding import BLAS_THREADS, embedder  # noqa: E402
from kb.search.documents import documents_of  # noqa: E402
from kb.search.engine import Fusion  # noqa: E402
from kb.search.index import SearchIndex, index_path  # noqa: E402
from kb.search.text import tokens  # noqa: E402
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
        index._next_generation(db)  # as every writer does: readers reload their vectors
    index.close()
    return added


def vector_step(
    home: Path, queries: Sequence[str], rounds: int
) -> tuple[list[float], list[float], int, float]:
    """Milliseconds of the KNN step by sqlite-vec and by numpy (as searches run it), vectors, load s."""
    settings = Settings(home=home)
    model = embedder(settings.embedding_model)
    qv = model.queries(list(queries))
    index = SearchIndex(index_path(settings), writable=False)
    depth = Fusion().depth
    with index.reading() as db:
        assert db is not None
        started = time.perf_counter()
        index.nearest(db, qv[0], depth, None)  # loads the vectors into memory
        load_s = time.perf_counter() - started
        sqlite_ms, numpy_ms = [], []
        for _ in range(rounds):
            for v in qv:
                started = time.perf_counter()
                index.nearest_by_sqlite_vec(db, v, depth, None)
                sqlite_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                index.nearest(db, v, depth, None)
                numpy_ms.append((time.perf_counter() - started) * 1000)
        vectors = db.execute("SELECT COUNT(*) FROM docs_vec").fetchone()[0]
    index.close()
    return sqlite_ms, numpy_ms, vectors, load_s


def latency_row(home: Path, queries: Sequence[str], rounds: int) -> str:
    """One row of the warm query latency table for the knowledge base under `home`."""
    counts = SearchIndex(index_path(Settings(home=home)), writable=False).counts()
    http = http_latencies(home, queries, rounds)
    sqlite_ms, numpy_ms, vectors, load_s = vector_step(home, queries, max(1, rounds // 2))
    ratio = statistics.median(sqlite_ms) / statistics.median(numpy_ms)
    return (
        f"| {counts['passage']} | {counts['passage'] + counts['outcome']} | {vectors} "
        f"| {percentile(http, 50):.1f} | {percentile(http, 95):.1f} | {max(http):.1f} "
        f"| {statistics.median(sqlite_ms):.1f} | {statistics.median(numpy_ms):.1f} | {ratio:.2f} "
        f"| {load_s:.2f} |"
    )


LATENCY_HEADER = [
    "| passages | documents | vectors | HTTP p50 ms | HTTP p95 ms | HTTP max ms "
    "| KNN sqlite-vec p50 ms | KNN numpy p50 ms | sqlite-vec / numpy | vectors load s |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
]


_INGEST_ONE = """
import json, sys
sys.path.insert(0, {bench!r})
import kb.embedding
kb.embedding.BLAS_THREADS = {threads}
from ingest_bench import run_batch
from pathlib import Path
print(json.dumps(run_batch(Path({home!r}), [Path(p) for p in {sources!r}])))
"""


def ingest_by_threads(sources: Sequence[Path], thread_counts: Sequence[int]) -> list[str]:
    """Table rows: the same papers ingested into a fresh knowledge base per BLAS thread count."""
    rows = [
        "| BLAS threads | papers | papers/min | ingest s | CPU s | embed stage s | extract s | write s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory() as tmp:
        for n, threads in enumerate(thread_counts):
            code = _INGEST_ONE.format(
                bench=str(ROOT / "bench"),
                threads=int(threads),
                home=str(Path(tmp) / f"kb-{n}"),
                sources=[str(p) for p in sources],
            )
            done = subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"ingest with {threads} BLAS threads failed: {done.stderr[-2000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            stages = result["stages_s"]
            rows.append(
                f"| {threads} | {result['ingested']}/{result['papers']} | {result['papers_per_min']:.1f} "
                f"| {result['ingest_s']:.1f} | {result['cpu_s']:.1f} | {stages['embed']:.1f} "
                f"| {stages['extract']:.1f} | {stages['write']:.1f} |"
            )
            print(rows[-1], file=sys.stderr)
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(SHARED / "corpus"))
    ap.add_argument("--queries", default=str(SHARED / "gold" / "queries.yaml"))
    ap.add_argument("--sizes", default="10000,100000", help="synthetic passages to add, comma-separated")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "search_latency.md"))
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--home", type=Path, help="measure this knowledge base as it is (steps 2-3 only)")
    ap.add_argument("--ingest", type=Path, metavar="FOLDER", help="ingest throughput by BLAS threads only")
    ap.add_argument("--ingest-count", type=int, default=20)
    ap.add_argument("--threads", default="1,2", help="BLAS thread counts for --ingest, in run order")
    args = ap.parse_args(argv)

    queries = [j["q"] for j in yaml.safe_load(Path(args.queries).read_text(encoding="utf-8"))]
    papers = sorted(Path(args.corpus).glob("*.txt"))
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"CPU: {os.cpu_count()} cores, load average {load} at the start (other work shares the machine)."
        f" Queries: {len(queries)} gold queries x {args.rounds} rounds, k=10.",
        "",
    ]

    if args.ingest:
        sources = sorted(args.ingest.glob("*.txt"))[: args.ingest_count]
        threads = [int(t) for t in args.threads.split(",") if t]
        lines += [
            f"## Ingest by BLAS threads ({len(sources)} papers of {args.ingest}, a fresh base each)",
            "",
            *ingest_by_threads(sources, threads),
        ]
        return _save(lines, args)
    if args.home:
        lines += [f"## Warm query latency: {args.home}", "", *LATENCY_HEADER]
        lines.append(latency_row(args.home, queries, args.rounds))
        return _save(lines, args)

    n_docs, n_texts, seconds = embedding_throughput(papers)
    lines += [
        f"BLAS threads: {BLAS_THREADS}.",
        "",
        "## Ingest-time embedding",
        "",
        f"{n_docs} documents ({n_texts} embedded texts: passage sentences and outcome cards)"
        f" in {seconds:.1f} s:"
        f" **{n_docs / seconds:.0f} documents/s**, {n_texts / seconds:.0f} texts/s.",
        "",
        "## Warm query latency",
        "",
        *LATENCY_HEADER,
    ]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "corpus"
        kb = IngestingKnowledgeBase(Settings(home=home))
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
            lines.append(latency_row(target, queries, args.rounds))
            print(lines[-1], file=sys.stderr)
            if size:
                shutil.rmtree(target)
    _save(lines, args)


def _save(lines: Sequence[str], args: argparse.Namespace) -> None:
    table = "\n".join(lines) + "\n"
    print(table)
    if not args.no_save:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
