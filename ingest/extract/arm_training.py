"""The arm linker's training pairs, from its annotations.

`annotations/arms/arms.jsonl`: one line per stated result whose arm the curators name, offsets into
the same texts as the endpoint annotations: `{"text", "value": [start, end], "arm": [start, end]}`,
the arm being the words of the text that say which group the number is for, or `"arm": null` where
the text does not name it in words. Labelled by hand from the curators' gold.

A (number, candidate) pair is positive when the number is annotated and the candidate overlaps its
arm's words. A number that reports a result (it overlaps an endpoint annotation) and has no arm line
gives only negatives: it is a whole cohort's result. Numbers that report nothing are left out: what
their arm is does not matter.
"""

from __future__ import annotations

import json
from pathlib import Path

ARM_ANNOTATIONS = Path(__file__).parent / "annotations" / "arms" / "arms.jsonl"


def load_arm_annotations(path: Path = ARM_ANNOTATIONS) -> dict[str, list[dict]]:
    by_text: dict[str, list[dict]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            by_text.setdefault(row["text"], []).append(row)
    return by_text


def _overlaps(a: tuple[int, int], b: tuple[int, int] | list[int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def arm_examples(
    entries: list, results: list[tuple[int, int]], arms: list[dict]
) -> tuple[list[dict], list[int]]:
    """(features, label) of every candidate of every traced number that reports a result.
    `entries`: the paper's LinkTrace entries; `results`: spans of the endpoint annotations."""
    X: list[dict] = []  # noqa: N806 (scikit-learn names)
    y: list[int] = []
    for entry in entries:
        if not entry.arm_pairs or entry.source is None:
            continue
        lines = [row for row in arms if _overlaps(entry.source, row["value"])]
        if not lines and not any(_overlaps(entry.source, span) for span in results):
            continue
        named = [row["arm"] for row in lines if row.get("arm")]
        for (_, features), span in zip(entry.arm_pairs, entry.arm_sources, strict=True):
            X.append(features)
            y.append(int(any(_overlaps(span, arm) for arm in named)))
    return X, y
