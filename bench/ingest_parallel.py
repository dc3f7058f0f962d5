"""`kb ingest --jobs N` against one process: papers/min on the same papers, measured in the same run.

    .venv/bin/python bench/ingest_parallel.py WORK [--papers 20] [--jobs 1,2] [--rounds 2]

Each measurement is one `KnowledgeBase.ingest_paths(jobs=N)` in a fresh interpreter into an empty
knowledge base (WORK/kb-...), as a `kb ingest` would run: the wall time counts everything from the
call to its return, model loading included (in the parent for jobs=1, in each worker otherwise).
The progress callback stamps each paper as it is decided, which gives the steady rate too:
papers after the first over the time from the first to the last. Sets: N synthetic papers
(bench/synthetic_corpus.py, real passages of data/papers) and data/papers itself. Rounds alternate
the order of the job counts, so a change in the machine's load during the run hits both; jobs=1
is the baseline of every ratio. Writes WORK/ingest_parallel.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PAPERS = REPO / "data" / "papers"


def run_one(home: Path, jobs: int, sources: list[Path]) -> dict[str, Any]:
    """One ingest here and now; papers/min overall and steady, and what each paper became."""
    from ingest.ingestion import IngestingKnowledgeBase
    from kb.settings import Settings
    from kb.store.paper_writes import PaperStatus

    stamps: list[float] = []

    def progress(event: object) -> None:
        if isinstance(event, PaperStatus):
            stamps.append(time.perf_counter())

    load = os.getloadavg()[0]
    knowledge_base = IngestingKnowledgeBase(Settings(home=home))
    cpu_start = _cpu_s()
    started = time.perf_counter()
    report = knowledge_base.ingest_paths(sources, jobs=jobs, progress=progress)
    wall = time.perf_counter() - started
    knowledge_base.close()
    cpu = _cpu_s() - cpu_start  # this process only: the workers are the fork server's children
    papers = len(report.papers)
    steady = (papers - 1) / (stamps[-1] - stamps[0]) * 60 if papers > 1 and stamps[-1] > stamps[0] else None
    return {
        "jobs": jobs,
        "papers": papers,
        "ingested": sum(p.status == "ingested" for p in report.papers),
        "failed": [p.line() for p in report.failed],
        "records": sum(p.records for p in report.papers),
        "wall_s": wall,
        "first_paper_s": stamps[0] - started if stamps else None,
        "papers_per_min": 60 * papers / wall,
        "steady_papers_per_min": steady,
        "load_avg_1min_before": load,
        "parent_cpu_s": cpu,
    }


def _cpu_s() -> float:
    """User + system CPU seconds of this process."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def in_subprocess(home: Path, jobs: int, sources: list[Path]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    args = [sys.executable, __file__, "--one", str(home), str(jobs), *map(str, sources)]
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(work: Path, papers: int, job_counts: list[int], rounds: int) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic_corpus import write_corpus

    synthetic = write_corpus(work / "synthetic-papers", papers)
    sets = {f"synthetic ({papers} papers)": [Path(p) for p in synthetic], "data/papers": [PAPERS]}
    rows = []
    for round_no in range(rounds):
        order = job_counts if round_no % 2 == 0 else job_counts[::-1]
        for name, sources in sets.items():
            for jobs in order:
                home = work / f"kb-{round_no}-{'corpus' if name == 'data/papers' else 'synthetic'}-j{jobs}"
                row = {"set": name, "round": round_no + 1, **in_subprocess(home, jobs, sources)}
                print(
                    f"{name} round {round_no + 1} jobs={jobs}: {row['papers_per_min']:.1f} papers/min"
                    f" ({row['wall_s']:.1f} s, steady {row['steady_papers_per_min'] or 0:.1f}/min)",
                    file=sys.stderr,
                )
                rows.append(row)
    return {"cpus": os.cpu_count(), "rows": rows}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| set | round | jobs | papers | records | wall s | first paper s | papers/min | vs jobs=1 |"
        " steady papers/min | vs jobs=1 | parent CPU s | load avg before |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base = {(r["set"], r["round"]): r for r in result["rows"] if r["jobs"] == 1}
    for r in result["rows"]:
        b = base[(r["set"], r["round"])]
        steady, b_steady = r["steady_papers_per_min"], b["steady_papers_per_min"]
        ratio = r["papers_per_min"] / b["papers_per_min"]
        lines.append(
            f"| {r['set']} | {r['round']} | {r['jobs']} | {r['papers']} | {r['records']} | {r['wall_s']:.1f}"
            f" | {r['first_paper_s']:.1f} | {r['papers_per_min']:.1f} | {ratio:.2f}"
            f" | {steady:.1f} | {steady / b_steady:.2f} | {r['parent_cpu_s']:.1f}"
            f" | {r['load_avg_1min_before']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        home, jobs, sources = Path(sys.argv[2]), int(sys.argv[3]), [Path(s) for s in sys.argv[4:]]
        print(json.dumps(run_one(home, jobs, sources)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--papers", type=int, default=20)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    result = measure(args.work, args.papers, [int(j) for j in args.jobs.split(",")], args.rounds)
    (args.work / "ingest_parallel.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
