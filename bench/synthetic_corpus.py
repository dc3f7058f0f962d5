"""A synthetic corpus of N papers recombined from the real passages of data/papers, for `kb ingest`.

    .venv/bin/python bench/synthetic_corpus.py OUT_DIR [--papers 1000] [--seed 7] [--mean-chars 6000]

Each synthetic paper is made from one real paper (round robin over the sources, so the languages
keep the corpus mix): its opening blocks (title, authors, abstract: what metadata and the paper's
own study are read from) followed by a random subset of its other blocks (blank-line-separated,
joined so that none ends mid-sentence), in their original order, so sentences, tables and the
anaphora the extractor follows stay as written.
Blocks that state numbers are preferred, so every paper yields outcome records; sizes vary around
`--mean-chars` (never above the source's own size). Files are named `synNNNNN_<source stem>.txt`,
so paper ids, and therefore record ids, are unique. The same arguments give the same files.

Only real text is used: `kb ingest` runs the real extractor on it and stores real records.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAPERS = REPO / "data" / "papers"

_BLOCK_SPLIT = re.compile(r"\n[ \t\u3000]*\n")
_NUMBER = re.compile(r"\d")
# A block that ends a sentence (PDF text breaks blocks mid-sentence: "P＝" then a blank line).
_SENTENCE_END = re.compile(r"[.!?。．！？][)\]）」』\"'”’]*\s*$")
HEAD_CHARS = 1500  # the opening blocks kept whole: title, authors, abstract


@dataclass(frozen=True)
class Source:
    stem: str
    head: list[str]
    body: list[str]

    @property
    def chars(self) -> int:
        return sum(len(b) for b in self.head) + sum(len(b) for b in self.body)


def _units(text: str) -> list[str]:
    """Blank-line-separated blocks, joined until each ends a sentence, so none is cut mid-sentence."""
    units: list[str] = []
    pending: list[str] = []
    for block in _BLOCK_SPLIT.split(text):
        if not block.strip():
            continue
        pending.append(block)
        if _SENTENCE_END.search(block):
            units.append("\n\n".join(pending))
            pending = []
    if pending:
        units.append("\n\n".join(pending))
    return units


def load_sources(folder: Path = PAPERS) -> list[Source]:
    """The real papers of `folder`, each split into its opening blocks and the rest."""
    sources = []
    for path in sorted(folder.glob("*.txt")):
        blocks = _units(path.read_text(encoding="utf-8"))
        head: list[str] = []
        while blocks and sum(len(b) for b in head) < HEAD_CHARS:
            head.append(blocks.pop(0))
        sources.append(Source(path.stem, head, blocks))
    if not sources:
        raise SystemExit(f"no .txt papers in {folder}")
    return sources


def synthetic_paper(source: Source, rng: random.Random, mean_chars: int) -> str:
    """One paper: the source's head, then body blocks drawn (numbers first) up to a size, in order."""
    budget = min(source.chars, max(HEAD_CHARS, int(rng.lognormvariate(0, 0.5) * mean_chars)))
    budget -= sum(len(b) for b in source.head)
    order = list(range(len(source.body)))
    rng.shuffle(order)
    # Blocks with numbers are where results are stated; take them first, then prose to fill.
    order.sort(key=lambda i: not _NUMBER.search(source.body[i]))
    chosen: list[int] = []
    for i in order:
        if budget <= 0:
            break
        chosen.append(i)
        budget -= len(source.body[i])
    blocks = source.head + [source.body[i] for i in sorted(chosen)]
    return "\n\n".join(blocks) + "\n"


def write_corpus(out: Path, papers: int, seed: int = 7, mean_chars: int = 6000) -> list[Path]:
    """Write `papers` synthetic .txt files to `out` (created); returns their paths in name order."""
    sources = load_sources()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(papers):
        source = sources[n % len(sources)]
        path = out / f"syn{n:05d}_{source.stem}.txt"
        path.write_text(synthetic_paper(source, rng, mean_chars), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the .txt papers to")
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mean-chars", type=int, default=6000, help="typical paper size in characters")
    args = parser.parse_args(argv)
    paths = write_corpus(args.out, args.papers, args.seed, args.mean_chars)
    chars = sum(len(p.read_text(encoding="utf-8")) for p in paths)
    print(f"{len(paths)} papers, {chars:,} characters, in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
