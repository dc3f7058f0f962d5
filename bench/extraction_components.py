"""What each learned part of the extractor contributes, measured on text it never saw.

    .venv/bin/python bench/extraction_components.py      # writes bench/results/extraction_components.md
                                                         # and bench/results/extraction_confidence.md

The shipped models (fitted on the corpus and the tune part) score the check part of
../shared/dev with each part switched on and off; the tune part is scored cross-validated by paper
(models refitted without the fold they score). The reliability table bins the check part's records
by their calibrated confidence and counts how many are right (endpoint and value in the gold, and
its time point where the gold states one).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.extract.calibration import shipped_calibration
from ingest.extract.learned import LearnedParts, pipeline_parts, shipped_parts
from ingest.extract.training import (
    cross_validate,
    export_jsonl,
    judged_records,
    score,
    shared_dir,
)

RESULTS = Path(__file__).resolve().parent / "results"
BINS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]


def _refs(gold: Path) -> list[str]:
    return [f"dev/{p['paper']}.txt" for p in yaml.safe_load(gold.read_text(encoding="utf-8"))]


def _row(name: str, s: dict) -> str:
    langs = ", ".join(f"{k} {v['recall']} / {v['precision']}" for k, v in s["languages"].items())
    return f"| {name} | {s['recall']:.3f} | {s['precision']:.3f} | {langs} |"


def _rows(variants: dict[str, LearnedParts | None], refs: list[str], gold: Path) -> list[str]:
    """One table row per variant: the texts extracted with it, scored against the gold."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, selected in variants.items():
            out = Path(tmp) / "records.jsonl"
            started = time.perf_counter()
            export_jsonl(refs, selected, out)
            print(f"{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
            rows.append(_row(name, score(gold, out)))
    return rows


def main() -> None:
    parts = shipped_parts()
    variants = {
        "grammar only (no learned part)": None,
        "+ endpoint linker (shipped: learned.pipeline_parts)": LearnedParts(linker=parts.linker),
        "+ endpoint classifier": LearnedParts(classifier=parts.classifier),
        "linker + classifier": parts,
    }
    check_gold = shared_dir() / "dev" / "gold-check.yaml"
    corpus_gold = shared_dir() / "gold" / "seeds.yaml"
    check = _refs(check_gold)
    corpus = [f"corpus/{p['paper']}.txt" for p in yaml.safe_load(corpus_gold.read_text(encoding="utf-8"))]
    lines = [
        "# Extraction: what each learned part contributes",
        "",
        "`bench/extraction_components.py`; the shipped models, fitted on the corpus and the tune part.",
        "Recall / precision by `../shared/eval/score.py`; per language: recall / precision.",
        "",
        f"## Check part ({len(check)} texts, never used to build)",
        "",
        "| extractor | recall | precision | by language |",
        "| --- | ---: | ---: | --- |",
    ]
    lines += _rows(variants, check, check_gold)
    lines += ["", "## Corpus (5 papers, in training)", "", "| extractor | recall | precision | by language |"]
    lines += ["| --- | ---: | ---: | --- |", *_rows(variants, corpus, corpus_gold)]
    lines += [
        "",
        "## Tune part, cross-validated (5 folds by paper; each fold scored by models fitted without it)",
        "",
        "```",
    ]
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        cross_validate()
    lines += [buffer.getvalue().rstrip(), "```", ""]
    (RESULTS / "extraction_components.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

    judged = judged_records(check, pipeline_parts(parts), check_gold, shipped_calibration())
    table = [
        "# Confidence: is a record with confidence p right p of the time?",
        "",
        "Written by `bench/extraction_components.py`: the records",
        f"of the check part ({len(check)} texts never used to build or calibrate), binned by their",
        "`confidence`; right = the gold has its endpoint and value (and its time point, where the gold",
        "states one). Confidence is calibrated on the cross-validated tune part",
        "(`ingest/extract/calibration.py`).",
        "",
        "| confidence | records | right | share right |",
        "| --- | ---: | ---: | ---: |",
    ]
    for lo, hi in BINS:
        inside = [right for _, _, p, right in judged if lo <= p < hi]
        share = f"{sum(inside) / len(inside):.2f}" if inside else "-"
        label = f"[{lo:.1f}, {min(hi, 1.0):.1f}{']' if hi > 1 else ')'}"
        table.append(f"| {label} | {len(inside)} | {sum(inside)} | {share} |")
    high = [right for _, _, p, right in judged if p >= 0.9]
    table += [
        "",
        f"Records with confidence >= 0.9: {len(high)}, right {sum(high)}"
        + (f" ({sum(high) / len(high):.0%})." if high else "."),
        "",
    ]
    (RESULTS / "extraction_confidence.md").write_text("\n".join(table) + "\n", encoding="utf-8")
    print("\n".join(lines + table))


if __name__ == "__main__":
    main()
