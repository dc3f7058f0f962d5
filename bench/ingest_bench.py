"""Ingest throughput and memory: the real `kb ingest` path, timed per stage, in a fresh process per batch.

    .venv/bin/python bench/ingest_bench.py HOME PAPER_OR_FOLDER...        # one batch, JSON on stdout
    .venv/bin/python bench/ingest_bench.py --series WORK [--sizes 5,50,200,1000]

One batch is `KnowledgeBase.ingest_paths` (what `kb ingest` runs) in a new process, so its peak RSS
(`resource.getrusage`) is that of one `kb ingest`. The embedding model is loaded first and timed on
its own (every `kb ingest` pays it once). The stages are timed by wrapping, in this process only,
the functions `kb.service` calls: extraction (read + extract), SHACL validation, search preparation
(passages, cards and their embeddings) and the store write (graph + search index). Their sum
against the whole gives what is left (SPARQL look-ups before a write, RDF conversion).

`--series` writes a synthetic corpus (bench/synthetic_corpus.py) of the largest size under WORK and
ingests it in cumulative batches into one knowledge base (WORK/kb-synthetic), so that each batch
shows the rate at that store size; the real corpus (data/papers) goes to WORK/kb-corpus first.
The baseline of each batch is its extraction alone: ratio = ingest time / extraction time.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PAPERS = REPO / "data" / "papers"


def _rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_batch(home: Path, sources: Sequence[Path]) -> dict[str, Any]:
    """Ingest `sources` into `home` here and now; timings, counts and memory as a dict."""
    import ingest.ingestion as ingestion
    import kb.store.paper_writes as paper_writes
    from ingest.ingestion import IngestingKnowledgeBase, expand_sources
    from kb.embedding import embedder
    from kb.settings import Settings

    stages = {"extract": 0.0, "validate": 0.0, "embed": 0.0, "write": 0.0}

    def timed(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[stage] += time.perf_counter() - started

        return wrapper

    paper_writes.validate_paper_graph = timed("validate", paper_writes.validate_paper_graph)
    paper_writes.prepare_paper = timed("embed", paper_writes.prepare_paper)
    paper_writes.write_paper = timed("write", paper_writes.write_paper)

    settings = Settings(home=home)
    files = [path for path, problem in expand_sources(sources) if problem is None]
    chars = sum(len(path.read_text(encoding="utf-8", errors="replace")) for path in files)
    rss_start = _current_rss_mib()
    started = time.perf_counter()
    embedder(settings.embedding_model).documents(["warm-up"])
    model_s = time.perf_counter() - started
    rss_model = _current_rss_mib()

    knowledge_base = IngestingKnowledgeBase(settings, extractor=timed("extract", ingestion.default_extractor))
    cpu_start = time.process_time()
    started = time.perf_counter()
    report = knowledge_base.ingest_paths(sources)
    ingest_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_start
    stats = knowledge_base.stats()
    knowledge_base.close()
    ingested = [p for p in report.papers if p.status == "ingested"]
    return {
        "papers": len(files),
        "ingested": len(ingested),
        "unchanged": sum(p.status == "unchanged" for p in report.papers),
        "failed": [p.line() for p in report.failed],
        "records": sum(p.records for p in ingested),
        "chars": chars,
        "model_load_s": model_s,
        "ingest_s": ingest_s,
        "cpu_s": cpu_s,
        "stages_s": stages,
        "other_s": ingest_s - sum(stages.values()),
        "papers_per_min": 60 * len(files) / ingest_s,
        "chars_per_s": chars / ingest_s,
        "extract_only_papers_per_min": 60 * len(files) / stages["extract"] if stages["extract"] else None,
        "rss_start_mib": rss_start,
        "rss_after_model_mib": rss_model,
        "rss_peak_mib": _rss_mib(),
        "store_papers": stats.papers,
        "store_records": stats.records,
        "store_triples": stats.triples,
    }


def batch_in_subprocess(home: Path, sources: Sequence[Path], timeout: float = 7200) -> dict[str, Any]:
    """`run_batch` in a fresh interpreter (a `kb ingest` of its own); the sources go by a list file."""
    listing = home.parent / f".ingest-{home.name}-{time.time_ns()}.txt"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text("\n".join(str(p) for p in sources) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    try:
        done = subprocess.run(
            [sys.executable, __file__, str(home), "--from-list", str(listing)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        listing.unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"ingest batch failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def series(work: Path, sizes: Sequence[int], mean_chars: int = 6000, log: Callable[[str], None] = print):
    """The corpus into WORK/kb-corpus, then synthetic papers into WORK/kb-synthetic in cumulative batches."""
    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic_corpus import write_corpus

    result: dict[str, Any] = {"sizes": list(sizes), "mean_chars": mean_chars}
    log("ingest: corpus (data/papers)")
    result["corpus"] = batch_in_subprocess(work / "kb-corpus", [PAPERS])
    log(f"  {_summary(result['corpus'])}")
    paths = write_corpus(work / "synthetic-papers", max(sizes), mean_chars=mean_chars)
    result["batches"] = []
    done = 0
    for size in sorted(sizes):
        batch = paths[done:size]
        log(f"ingest: synthetic papers {done + 1}..{size}")
        row = batch_in_subprocess(work / "kb-synthetic", batch)
        row["store_size"] = size
        result["batches"].append(row)
        log(f"  {_summary(row)}")
        done = size
    return result


def _summary(row: dict[str, Any]) -> str:
    return (
        f"{row['ingested']}/{row['papers']} papers, {row['records']} records in {row['ingest_s']:.1f} s:"
        f" {row['papers_per_min']:.1f} papers/min, {row['chars_per_s']:,.0f} chars/s,"
        f" peak RSS {row['rss_peak_mib']:.0f} MiB, {len(row['failed'])} refused"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("home", type=Path, nargs="?", help="KB_HOME to ingest into (one batch)")
    parser.add_argument("sources", type=Path, nargs="*", help="papers or folders (one batch)")
    parser.add_argument("--from-list", type=Path, help="a file naming the sources, one per line")
    parser.add_argument("--series", type=Path, metavar="WORK", help="corpus + cumulative synthetic batches")
    parser.add_argument("--sizes", default="5,50,200,1000", help="store sizes of the series")
    parser.add_argument("--mean-chars", type=int, default=6000)
    args = parser.parse_args(argv)
    if args.series:
        sizes = [int(s) for s in args.sizes.split(",") if s]
        result = series(args.series, sizes, args.mean_chars, log=lambda m: print(m, file=sys.stderr))
        (args.series / "ingest.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=2))
        return
    if args.home is None:
        parser.error("give HOME and sources, or --series WORK")
    sources = list(args.sources)
    if args.from_list:
        sources += [Path(line) for line in args.from_list.read_text(encoding="utf-8").splitlines() if line]
    print(json.dumps(run_batch(args.home, sources)))


if __name__ == "__main__":
    main()
