"""Extraction cost per MB of text, from 10 KB to the KB_MAX_TEXT_CHARS cap: is it linear?

    .venv/bin/python bench/ingest_scaling.py WORK [--sizes 10000,100000,1000000,3000000]

Two texts, each cut to every size: `papers`, the five corpus papers one after the other, repeated
(real prose in five languages, tables and references included), and `dense`, one sentence with a
comparison, a CI, a p-value and two medians repeated (the worst case: every sentence a result).
Each copy of the papers has its lines made distinct by one more space after a line's first word
per copy (a run of spaces reads as one): a wrapped line that recurs three times across a text is a
running head to the reader (ingest/layout.py), so plain copies would be read as page furniture,
and most of the text dropped, from the third copy on. Repeated results still merge into one
record, so `records` stops growing after the first copy; the extraction work does not.
Each (text, size) is read and extracted by `ingest.pipeline.extract_paper` in a fresh process
that first extracts a short paper (models loaded, patterns compiled), so the figures are the
paper's own: CPU seconds and the growth of peak memory (resident set) over the warm process. The
budget KB_PAPER_CPU_SECONDS is lifted for the run. Per-MB figures at every size against their
median at the largest sizes show whether the cost is linear. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DENSE = (
    "In the blinatumomab arm the overall response rate was 45% (95% CI, 38% to 52%) versus 28%"
    " with chemotherapy (p = 0.003), and median overall survival was 7.7 versus 4.0 months. "
)

# Run in the fresh process: warm up, then extract the text and report CPU time and memory growth.
_MEASURE = """
import json, resource, sys, time
from pathlib import Path
from ingest.pipeline import extract_paper
extract_paper(Path(sys.argv[2]))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
extraction = extract_paper(Path(sys.argv[1]))
print(json.dumps({
    "cpu": time.process_time() - start,
    "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base,
    "records": len(extraction.records),
    "chars": len(extraction.document.text),
}))
"""


def texts() -> dict[str, str]:
    papers = "\n\n".join(
        p.read_text(encoding="utf-8") for p in sorted((REPO / "data" / "papers").glob("*.txt"))
    )
    return {"papers": papers, "dense": "Dense results\n\n" + DENSE}


def distinct_copy(text: str, k: int) -> str:
    """Copy `k` of `text` with every line that has a space made distinct (module docstring)."""
    if k == 0:
        return text
    lines = []
    for line in text.split("\n"):
        i = line.find(" ", 1)
        lines.append(line if i < 0 else line[:i] + " " * (k + 1) + line[i:])
    return "\n".join(lines)


def cut(text: str, size: int, *, distinct: bool = False) -> str:
    copies, k, length = [], 0, 0
    while length < size:
        copies.append(distinct_copy(text, k) if distinct else text)
        length += len(copies[-1]) + 2
        k += 1
    return "\n\n".join(copies)[:size]


def measure(work: Path, name: str, text: str, size: int) -> dict[str, float]:
    path, warm = work / f"{name}-{size}.txt", work / "warm.txt"
    path.write_text(cut(text, size, distinct=name == "papers"), encoding="utf-8")
    warm.write_text("Warm\n\n" + DENSE * 3, encoding="utf-8")
    env = {**os.environ, "KB_PAPER_CPU_SECONDS": "100000", "KB_MAX_TEXT_CHARS": str(max(size, 3_000_000))}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), str(warm)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--sizes", default="10000,30000,100000,300000,1000000,3000000")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        "| text | characters | records | CPU s | CPU s per MB | ratio | peak memory growth MB | MB per MB |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, text in texts().items():
        rows = [(size, measure(args.work, name, text, size)) for size in sizes]
        per_mb = [m["cpu"] / (m["chars"] / 1e6) for _, m in rows]
        reference = sorted(per_mb[-3:])[1] if len(per_mb) >= 3 else per_mb[-1]  # the larger sizes' median
        for (_, m), cost in zip(rows, per_mb, strict=True):
            growth = m["peak_kb"] / 1024
            print(
                f"| {name} | {m['chars']:,} | {m['records']} | {m['cpu']:.2f} | {cost:.1f} |"
                f" {cost / reference:.2f} | {growth:.0f} | {growth / (m['chars'] / 1e6):.0f} |"
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
