"""Finding vocabulary concepts with the screen (kb/vocab/screen.py) against running every pattern.

    .venv/bin/python bench/vocabulary_screen.py [--rounds 3]

The texts are the sentences of data/papers and of the dev tune texts (../shared/dev, split on
sentence ends). Each round times, for every sentence and each of the six concept kinds, the
screened `find_concepts` (its answer cache cleared first) and, as the baseline in the same run,
every pattern of the kind run over the sentence (what find_concepts did before the screen), and
checks that both give the same mentions. Prints a Markdown table: seconds and the ratio.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
KINDS = ("interventions", "diseases", "endpoints", "lines", "populations", "trials")


def _texts() -> list[str]:
    from kb.vocab import read_yaml

    shared = REPO.parent / "shared" / "dev"
    tune = {str(entry["paper"]) for entry in read_yaml(shared / "gold-tune.yaml")}
    paths = sorted((REPO / "data" / "papers").glob("*.txt"))
    paths += [p for p in sorted((shared / "texts").iterdir()) if p.stem in tune]
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths]


def main() -> None:
    from ingest.extract import lexicon
    from kb.vocab import concepts

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = _texts()
    windows = [
        (text, m.start(), m.end())
        for text in texts
        for m in re.finditer(r"[^\n.。!?！？]+[.。!?！？]?", text)
    ]
    patterns = {kind: [(c, p) for c in concepts(kind) for p in c.patterns] for kind in KINDS}

    def every_pattern() -> list[set[tuple[int, int, str]]]:
        return [
            {(m.start(), m.end(), c.id) for c, p in patterns[kind] for m in p.finditer(text, start, end)}
            for text, start, end in windows
            for kind in KINDS
        ]

    def screened() -> list[set[tuple[int, int, str]]]:
        lexicon._find_concepts.cache_clear()
        return [
            {(m.start, m.end, m.concept.id) for m in lexicon.find_concepts(text, kind, start, end)}
            for text, start, end in windows
            for kind in KINDS
        ]

    lexicon.find_concepts("warm-up", "endpoints")  # compile the patterns and the screens outside the timing
    print(
        f"{len(texts)} texts, {len(windows)} sentences, {sum(map(len, patterns.values()))} patterns",
        file=sys.stderr,
    )
    print("| round | every pattern s (baseline) | screened s | speed-up |")
    print("| ---: | ---: | ---: | ---: |")
    for round_number in range(1, args.rounds + 1):
        start = time.perf_counter()
        full = every_pattern()
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        fast = screened()
        took = time.perf_counter() - start
        # the screened answer keeps the longest of overlapping mentions: each is one of every_pattern's
        assert all(f <= e for f, e in zip(fast, full, strict=True)), "the screen lost a match"
        print(f"| {round_number} | {baseline:.2f} | {took:.2f} | {baseline / took:.1f}x |")


if __name__ == "__main__":
    main()
