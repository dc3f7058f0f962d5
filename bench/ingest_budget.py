"""The evaluation's ingest budget: `kb ingest` of the corpus and of the dev texts, each exported.

    .venv/bin/python bench/ingest_budget.py WORK [--jobs 1,auto] [--rounds 2]

One run is what an evaluator types, in fresh processes and empty knowledge bases:
`kb ingest data/papers`, `kb export outcomes --format jsonl`, `kb ingest ../shared/dev/texts`,
`kb export outcomes --format jsonl`, each timed from the outside (wall seconds, process start-up
and model loading included). `--jobs 1` (one process) is the baseline of every ratio, measured in
the same run; rounds alternate the order so that a change in the machine's load hits both. The
exports of every run must be byte-identical to the baseline's. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KB = [sys.executable, "-m", "kb"]
SETS = {"corpus": REPO / "data" / "papers", "dev": REPO.parent / "shared" / "dev" / "texts"}


def _timed(command: list[str], home: Path, out: Path | None = None) -> float:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KB_")}, "KB_HOME": str(home)}
    start = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        subprocess.run(command, cwd=REPO, env=env, stdout=sink, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def run(work: Path, jobs: str, tag: str) -> dict[str, float]:
    times: dict[str, float] = {}
    for name, folder in SETS.items():
        home = work / f"kb-{tag}-{name}"
        shutil.rmtree(home, ignore_errors=True)
        times[f"{name} ingest"] = _timed([*KB, "ingest", "--jobs", jobs, str(folder)], home)
        out = work / f"{tag}-{name}.jsonl"
        times[f"{name} export"] = _timed([*KB, "export", "outcomes", "--format", "jsonl"], home, out)
    times["total"] = sum(times.values())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--jobs", default="1,auto")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    settings = args.jobs.split(",")
    rows = []
    for round_number in range(1, args.rounds + 1):
        order = settings if round_number % 2 else list(reversed(settings))
        measured = {jobs: run(args.work, jobs, f"r{round_number}-j{jobs}") for jobs in order}
        baseline = measured[settings[0]]
        for jobs in order:
            for name in SETS:
                same = (args.work / f"r{round_number}-j{jobs}-{name}.jsonl").read_bytes() == (
                    args.work / f"r{round_number}-j{settings[0]}-{name}.jsonl"
                ).read_bytes()
                if not same:
                    raise SystemExit(f"round {round_number}: --jobs {jobs} exported other {name} records")
            t = measured[jobs]
            rows.append(
                f"| {round_number} | {jobs} | {t['corpus ingest']:.1f} | {t['corpus export']:.1f} "
                f"| {t['dev ingest']:.1f} | {t['dev export']:.1f} | {t['total']:.1f} "
                f"| {baseline['total'] / t['total']:.2f} | {os.getloadavg()[0]:.1f} |"
            )
            print(rows[-1], file=sys.stderr)
    print("| round | --jobs | corpus ingest s | corpus export s | dev ingest s | dev export s | total s "
          "| speed vs --jobs 1 | load avg after |")  # fmt: skip
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
