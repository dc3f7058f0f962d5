"""Every benchmark of hemekb in one run, written up as bench/results/REPORT.md (and REPORT.json).

    .venv/bin/python bench/run_all.py                  # the whole run (about an hour on 2 cores)
    .venv/bin/python bench/run_all.py --quick          # a few minutes: small sizes, short loads
    .venv/bin/python bench/run_all.py --work DIR --reuse-ingest   # keep / reuse the built bases

1. Ingest (bench/ingest_bench.py): the corpus (data/papers), then a synthetic corpus
   (bench/synthetic_corpus.py) in cumulative batches up to 1,000 papers: papers/min, characters/s,
   time per stage, peak RSS; baseline: extraction alone, and the RSS of the loaded model.
2. Query latency, one client at a time (bench/api_latency.py), on the corpus and on the 1,000-paper
   base; baselines: json.loads of all records, embedding + numpy brute force, rdflib in memory
   (bench/sparql_bench.py's side-by-side run).
3. The KNN step alone: sqlite-vec against numpy brute force (bench/search_latency.py's vector_step).
4. The load test (bench/load_test.py): 100 clients for 60 s on each base, `kb serve` with a process
   per core, in a closed loop (no think time: the server's saturation throughput) and paced (users
   thinking 2 s on average); on the 1,000-paper base also paced with the answer cache off, so that
   every answer is computed (the figure for users who mostly ask new questions).

Timings are wall-clock on this machine, whose two cores other work may share: the report gives the
load average at each step, and CPU time where wall time would mislead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

import api_latency  # noqa: E402
import ingest_bench  # noqa: E402
import load_test  # noqa: E402

# The targets of the load and performance issue, on this machine.
TARGET_OUTCOMES_P95_MS = 50.0
TARGET_SEARCH_P95_MS = 150.0
TARGET_PAPERS_PER_MIN = 20.0
# Issue 18's targets for answers nobody asked before (every answer computed), per endpoint.
UNCACHED_TARGETS_P95_MS = {"/outcomes": 100.0, "/search": 250.0, "/sparql": 250.0}
# `kb serve --workers`: a process per core (a request's Python work holds one core: KB_WORKERS).
LOAD_WORKERS = max(1, os.cpu_count() or 1)
# (mode, think time: None for --think, server settings, always-new questions). "paced_uncached"
# (the 1,000-paper base only) turns the answer and SPARQL caches off and asks questions nobody asked
# before (load_test.FreshQuestions): every answer is computed, as for users who mostly ask new ones.
LOAD_RUNS: tuple[tuple[str, float | None, dict[str, str], bool], ...] = (
    ("closed", 0.0, {}, False),
    ("paced", None, {}, False),
    ("paced_uncached", None, {"KB_RESPONSE_CACHE_BYTES": "0", "KB_SPARQL_CACHE_BYTES": "0"}, True),
)


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def step(report: dict[str, Any], name: str, fn: Callable[[], Any]) -> Any:
    """Run one benchmark step; a failure is recorded in the report, and the other steps still run."""
    started = time.perf_counter()
    before = load_average()
    try:
        value = fn()
    except Exception as exc:
        log(f"{name} failed: {type(exc).__name__}: {exc}")
        value = None
        report["failures"].append(f"{name}: {type(exc).__name__}: {exc}")
    report["steps"].append(
        {
            "step": name,
            "seconds": time.perf_counter() - started,
            "load_before": before,
            "load_after": load_average(),
        }
    )
    return value


def vector_knn(home: Path, rounds: int) -> dict[str, Any]:
    """bench/search_latency.py's KNN step: sqlite-vec against numpy brute force over the same vectors."""
    import search_latency

    queries = load_test.search_queries()
    sqlite_ms, numpy_ms, vectors, load_s = search_latency.vector_step(home, queries, rounds)
    return {
        "vectors": vectors,
        "sqlite_vec_p50_ms": statistics.median(sqlite_ms),
        "numpy_p50_ms": statistics.median(numpy_ms),
        "numpy_load_s": load_s,
    }


# ------------------------------------------------------------------------------------------ report


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def ingest_section(ingest: dict[str, Any]) -> list[str]:
    rows = [("corpus (data/papers)", ingest["corpus"])]
    rows += [
        (f"synthetic, store {b['store_size'] - b['papers'] + 1}–{b['store_size']}", b)
        for b in ingest["batches"]
    ]
    lines = [
        "## Ingest",
        "",
        "Each row is one `kb ingest` (a fresh process: `IngestingKnowledgeBase.ingest_paths`) of the"
        " papers named, into a store that already holds the earlier rows' papers; the model load is"
        " timed apart."
        " Baseline: the same papers' extraction alone (read + extract), timed inside the same run.",
        "",
        "| batch | papers | chars/paper | records | papers/min | chars/s | extraction alone, papers/min"
        " | ratio ingest/extraction time | extract / SHACL / embed / write / other s | peak RSS MiB"
        " | RSS after model MiB | refused |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for name, row in rows:
        stages = row["stages_s"]
        parts = " / ".join(f"{stages[k]:.0f}" for k in ("extract", "validate", "embed", "write"))
        extract_rate = row.get("extract_only_papers_per_min")
        ratio = row["ingest_s"] / stages["extract"] if stages["extract"] else None
        lines.append(
            f"| {name} | {row['papers']} | {row['chars'] / max(1, row['papers']):,.0f} | {row['records']} |"
            f" {row['papers_per_min']:.1f} | {row['chars_per_s']:,.0f} | {_fmt(extract_rate)} |"
            f" {_fmt(ratio, 2)} | {parts} / {row['other_s']:.0f} | {row['rss_peak_mib']:.0f} |"
            f" {row['rss_after_model_mib']:.0f} | {len(row['failed'])} |"
        )
    corpus = ingest["corpus"]
    last = ingest["batches"][-1] if ingest["batches"] else corpus
    lines += [
        "",
        f"Model load (once per `kb ingest`): {corpus['model_load_s']:.1f} s."
        f" Store after the series: {last['store_papers']} papers, {last['store_records']:,} records,"
        f" {last['store_triples']:,} triples"
        f" ({last['store_triples'] / max(1, last['store_records']):.0f} triples/record,"
        f" {last['store_records'] / max(1, last['store_papers']):.1f} records/paper).",
        f"CPU time of the corpus ingest: {corpus['cpu_s']:.0f} s for {corpus['ingest_s']:.0f} s wall"
        f" ({corpus['cpu_s'] / corpus['ingest_s']:.0%} of one core: the rest is waiting for a core).",
    ]
    failed = [line for _, row in rows for line in row["failed"]]
    if failed:
        lines += ["", "Refused papers:", *[f"- `{line[:300]}`" for line in failed[:10]]]
    return lines


def latency_section(title: str, result: dict[str, Any], knn: dict[str, Any] | None) -> list[str]:
    size = result["size"]
    lines = [
        f"### {title}: {size['papers']} papers, {size['records']:,} records, {size['triples']:,} triples",
        "",
        api_latency.markdown(result),
    ]
    if knn:
        lines += [
            "",
            f"KNN step alone over {knn['vectors']:,} vectors (bench/search_latency.py): sqlite-vec"
            f" {knn['sqlite_vec_p50_ms']:.2f} ms, numpy brute force {knn['numpy_p50_ms']:.2f} ms"
            f" (ratio {knn['sqlite_vec_p50_ms'] / knn['numpy_p50_ms']:.2f}); loading the vectors into"
            f" memory: {knn['numpy_load_s']:.1f} s, once per process and index generation.",
        ]
    return [*lines, ""]


def load_section(title: str, result: dict[str, Any]) -> list[str]:
    return [f"### {title}", "", load_test.describe(result), ""]


def targets_section(report: dict[str, Any]) -> list[str]:
    lines = ["## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    # The latency targets are for users (paced: each thinks ~2 s between requests). A closed loop
    # of 100 clients with no think time measures saturation: its latency is clients / throughput.
    paced = report.get("load_1000_paced")
    if paced:
        papers = f"{paced['papers']:,}"
        outcomes = paced["endpoints"].get("/outcomes", {}).get("p95_ms")
        search = paced["endpoints"].get("/search", {}).get("p95_ms")
        if outcomes is not None:
            met = "yes" if outcomes < TARGET_OUTCOMES_P95_MS else "**no**"
            row = f"| /outcomes p95 < 50 ms, {papers} papers, load (paced) | {outcomes:.1f} ms | {met} |"
            lines.append(row)
        if search is not None:
            met = "yes" if search < TARGET_SEARCH_P95_MS else "**no**"
            lines.append(f"| /search p95 < 150 ms, {papers} papers, load (paced) | {search:.1f} ms | {met} |")
    fresh = report.get("load_1000_paced_uncached")
    if fresh:
        papers = f"{fresh['papers']:,}"
        for endpoint, target in UNCACHED_TARGETS_P95_MS.items():
            p95 = fresh["endpoints"].get(endpoint, {}).get("p95_ms")
            if p95 is None:
                continue
            cached = (paced or {}).get("endpoints", {}).get(endpoint, {}).get("p95_ms")
            ratio = f" ({p95 / cached:.1f}x the cached p95)" if cached else ""
            what = "/sparql lookups" if endpoint == "/sparql" else endpoint
            lines.append(
                f"| {what} p95 < {target:.0f} ms, {papers} papers, always-new questions, caches off (paced)"
                f" | {p95:.1f} ms{ratio} | {'yes' if p95 < target else '**no**'} |"
            )
    for key in ("load_corpus_closed", "load_1000_closed"):
        load = report.get(key)
        if load:
            lines.append(
                f"| saturation throughput ({key}; closed loop, no latency target) |"
                f" {load['total']['throughput_rps']:.1f} req/s, p95 {load['total']['p95_ms']:.0f} ms | — |"
            )
    for key in (
        "load_corpus_closed",
        "load_corpus_paced",
        "load_1000_closed",
        "load_1000_paced",
        "load_1000_paced_uncached",
    ):
        load = report.get(key)
        if load:
            errors = load["total"]["errors"]
            lines.append(f"| zero errors ({key}) | {errors} | {'yes' if errors == 0 else '**no**'} |")
    ingest = report.get("ingest")
    if ingest:
        corpus = ingest["corpus"]["papers_per_min"]
        lines.append(
            f"| ingest >= 20 papers/min with embeddings (corpus papers) | {corpus:.1f} |"
            f" {'yes' if corpus >= TARGET_PAPERS_PER_MIN else '**no**'} |"
        )
        for batch in ingest["batches"]:
            rate = batch["papers_per_min"]
            lines.append(
                f"| ingest >= 20 papers/min (synthetic, store {batch['store_size']},"
                f" {batch['chars'] / max(1, batch['papers']):,.0f} chars/paper) | {rate:.1f} |"
                f" {'yes' if rate >= TARGET_PAPERS_PER_MIN else '**no**'} |"
            )
    return [*lines, ""]


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# hemekb benchmark report",
        "",
        f"Made by `bench/run_all.py{' --quick' if report['quick'] else ''}` on {report['date']}:"
        f" {report['machine']}, {os.cpu_count()} cores. Load average at the start: {report['load_start']}"
        " (other work shares these cores; see the steps table at the end).",
        "",
    ]
    lines += targets_section(report)
    if report.get("ingest"):
        lines += [*ingest_section(report["ingest"]), ""]
    lines += ["## Query latency, one client at a time", ""]
    for key, title in (("latency_corpus", "Corpus"), ("latency_1000", "Synthetic base")):
        if report.get(key):
            lines += latency_section(title, report[key], report.get(key.replace("latency", "knn")))
    lines += ["## Load test", ""]
    for key, title in (
        ("load_corpus_closed", "Corpus, closed loop"),
        ("load_corpus_paced", "Corpus, paced"),
        ("load_1000_closed", "Synthetic base, closed loop"),
        ("load_1000_paced", "Synthetic base, paced"),
        ("load_1000_paced_uncached", "Synthetic base, paced, answer cache off (every answer computed)"),
    ):
        if report.get(key):
            lines += load_section(title, report[key])
    lines += ["## Steps", "", "| step | seconds | load before | load after |", "| --- | ---: | --- | --- |"]
    lines += [
        f"| {s['step']} | {s['seconds']:.0f} | {s['load_before']} | {s['load_after']} |"
        for s in report["steps"]
    ]
    if report["failures"]:
        lines += ["", "Failed steps:", *[f"- {f}" for f in report["failures"]]]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, help="folder for the bases (default: a temporary one)")
    parser.add_argument("--reuse-ingest", action="store_true", help="reuse WORK's bases and ingest figures")
    parser.add_argument("--quick", action="store_true", help="small sizes and short loads, to try it out")
    parser.add_argument("--sizes", help="store sizes of the ingest series (default 5,50,200,1000)")
    parser.add_argument("--clients", type=int, help="load test clients (default 100)")
    parser.add_argument("--duration", type=float, help="load test seconds (default 60)")
    parser.add_argument("--think", type=float, default=2.0, help="mean think time of the paced load test")
    parser.add_argument("--rounds", type=int, help="warm rounds of the latency bench (default 20)")
    parser.add_argument("--out", type=Path, default=RESULTS / "REPORT.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in (args.sizes or ("5,20" if args.quick else "5,50,200,1000")).split(",")]
    clients = args.clients or (20 if args.quick else 100)
    duration = args.duration or (10.0 if args.quick else 60.0)
    rounds = args.rounds or (3 if args.quick else 20)

    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "quick": args.quick,
        "load_start": load_average(),
        "steps": [],
        "failures": [],
    }
    temporary = None
    if args.work is None:
        temporary = tempfile.TemporaryDirectory(prefix="hemekb-bench-")
        work = Path(temporary.name)
    else:
        work = args.work
        work.mkdir(parents=True, exist_ok=True)
    try:
        corpus, synthetic = work / "kb-corpus", work / "kb-synthetic"
        saved = work / "ingest.json"
        if args.reuse_ingest and saved.exists():
            report["ingest"] = json.loads(saved.read_text(encoding="utf-8"))
            report["ingest"]["reused_from"] = str(saved)
            log(f"ingest: reusing {saved}")
        else:
            report["ingest"] = step(
                report, "ingest series", lambda: ingest_bench.series(work, sizes, log=log)
            )
            if report["ingest"]:
                saved.write_text(json.dumps(report["ingest"], indent=2) + "\n", encoding="utf-8")
        homes = [("corpus", corpus), ("1000", synthetic)]
        for key, home in homes:
            if not home.exists():
                report["failures"].append(f"no knowledge base at {home}: latency and load steps skipped")
                continue
            log(f"latency: {home.name}")
            # On the synthetic base a round of the /outcomes templates takes minutes: fewer rounds.
            n = rounds if key == "corpus" else max(2, rounds // 5)
            report[f"latency_{key}"] = step(
                report, f"latency {key}", lambda h=home, n=n: api_latency.measure(h, n, log)
            )
            report[f"knn_{key}"] = step(
                report, f"knn {key}", lambda h=home: vector_knn(h, max(2, rounds // 4))
            )
            for mode, think, settings, fresh in LOAD_RUNS:
                if mode == "paced_uncached" and key != "1000":
                    continue
                log(f"load test: {home.name}, {mode}, {clients} clients, {duration:.0f} s")
                pause = args.think if think is None else think
                report[f"load_{key}_{mode}"] = step(
                    report,
                    f"load {key} {mode}",
                    lambda h=home, t=pause, s=settings, f=fresh: load_test.load_test_home(
                        h,
                        workers=LOAD_WORKERS,
                        settings=s,
                        clients=clients,
                        duration=duration,
                        think=t,
                        fresh=f,
                    ),
                )
    finally:
        if temporary is not None:
            temporary.cleanup()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(report), encoding="utf-8")
    args.out.with_suffix(".json").write_text(
        json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8"
    )
    log(f"wrote {args.out}")
    print(markdown(report))


if __name__ == "__main__":
    main()
