"""A paper's text as passages: consecutive sentences packed up to a size, with source offsets.

Passages are what search returns for prose: each is `source[start:end]` (at most MAX_CHARS
characters of the source), the sentences it holds are never cut unless one alone is longer than
that. Relevance on this corpus grows with passage size up to ~800 characters (a passage must hold
the reported figure and the words a query uses): bench/results/search_tuning.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.search.text import clean_with_offsets

MAX_CHARS = 1000
TARGET_CHARS = 800

# Sentence ends in the cleaned text: CJK full stops; a Japanese full-width period not before a
# digit; . ! ? before a space and something that is not lower-case or a digit (so spaced decimals
# such as "87. 5%" are not cut); a period after a figure before a capital ("... 45%. Next").
_SENTENCE_END = re.compile(
    r"""(?:
        [。！？](?:[」』）)\]]*)
      | ．(?![0-9０-９])
      | (?<![0-9])[.!?](?=\s+[^\s0-9a-zа-яёçğışöü(])
      | (?<=[0-9%)])[.](?=\s+[A-ZА-ЯЁ])
    )""",
    re.VERBOSE,
)
_ABBREVIATION = re.compile(
    r"(?:\b(?:et al|e\.g|i\.e|vs|Fig|Tab|Dr|табл|рис|т\.е|т\.д|др|см|соавт)|\b[A-ZА-Я])\.$"
)


@dataclass(frozen=True)
class Passage:
    start: int  # offsets into the source text
    end: int
    text: str  # source[start:end], as written
    clean: str  # the same with PDF layout undone: what is embedded and tokenized


def sentence_spans(clean: str) -> list[tuple[int, int]]:
    """(start, end) of the sentences of a cleaned text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(clean):
        end = match.end()
        if clean[match.start()] == "." and _ABBREVIATION.search(clean[max(start, end - 8) : end]):
            continue
        if clean[start:end].strip():
            spans.append((start, end))
        start = end
    if clean[start:].strip():
        spans.append((start, len(clean)))
    return spans


def split_passages(
    source: str, target_chars: int = TARGET_CHARS, max_chars: int = MAX_CHARS
) -> list[Passage]:
    """Pack consecutive sentences into passages of about `target_chars` source characters.

    `target_chars=0` gives one sentence per passage. No passage spans more than `max_chars`
    source characters: a longer sentence is cut into pieces.
    """
    clean, offsets = clean_with_offsets(source)
    if not clean:
        return []

    def source_len(s: int, e: int) -> int:
        return offsets[e - 1] + 1 - offsets[s]

    pieces: list[tuple[int, int]] = []
    for s, e in sentence_spans(clean):
        while s < e and clean[s] == " ":
            s += 1
        while e > s and clean[e - 1] == " ":
            e -= 1
        while s < e and source_len(s, e) > max_chars:
            cut = s + 1
            while cut < e and source_len(s, cut + 1) <= max_chars:
                cut += 1
            pieces.append((s, cut))
            s = cut
            while s < e and clean[s] == " ":
                s += 1
        if s < e:
            pieces.append((s, e))
    packed: list[tuple[int, int]] = []
    for s, e in pieces:
        if packed and target_chars and source_len(packed[-1][0], e) <= min(target_chars, max_chars):
            packed[-1] = (packed[-1][0], e)
        else:
            packed.append((s, e))
    passages = []
    for s, e in packed:
        start, end = offsets[s], offsets[e - 1] + 1
        body = clean[s:e]
        if len(body.strip()) >= 3:
            passages.append(Passage(start, end, source[start:end], body))
    return passages
