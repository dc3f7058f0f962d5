"""Finding vocabulary concepts in text: leftmost-longest, non-overlapping matches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from kb.vocab import Concept, concepts
from kb.vocab.screen import PatternScreen


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    concept: Concept


def find_concepts(text: str, kind: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Mentions of every concept of `kind` in text[start:end], longest first where they overlap."""
    return list(_find_concepts(text, kind, start, len(text) if end is None else end))


# A paper's walk asks for the same sentence's concepts a dozen times (its PICO, the paper's PICO, its
# CAR-T products, its endpoints); each asks every pattern of the vocabulary, which grows with every
# language, so the answers are kept (bounded: a few thousand sentences).
@lru_cache(maxsize=8192)
def _find_concepts(text: str, kind: str, start: int, end: int) -> tuple[Mention, ...]:
    found: list[Mention] = []
    owners, patterns, screen = _screened(kind)
    for i in screen.candidates(text[start:end]):
        for m in patterns[i].finditer(text, start, end):
            if m.end() > m.start():
                found.append(Mention(m.start(), m.end(), owners[i]))
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    chosen: list[Mention] = []
    for m in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
        if all(m.end <= o.start or m.start >= o.end for o in chosen):
            chosen.append(m)
    return tuple(sorted(chosen, key=lambda m: m.start))


@cache
def _screened(kind: str) -> tuple[tuple[Concept, ...], tuple[re.Pattern[str], ...], PatternScreen]:
    """Every pattern of the kind's concepts in vocabulary order, its concept, and their screen."""
    pairs = [(c, p) for c in concepts(kind) for p in c.patterns]
    patterns = tuple(p for _, p in pairs)
    return tuple(c for c, _ in pairs), patterns, PatternScreen(patterns)


def first_concept(text: str, kind: str) -> Concept | None:
    mentions = find_concepts(text, kind)
    return mentions[0].concept if mentions else None
