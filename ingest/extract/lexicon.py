"""Finding vocabulary concepts in text: leftmost-longest, non-overlapping matches."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kb.vocab import Concept, concepts


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
    for c in concepts(kind):
        for pattern in c.patterns:
            for m in pattern.finditer(text, start, end):
                if m.end() > m.start():
                    found.append(Mention(m.start(), m.end(), c))
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    chosen: list[Mention] = []
    for m in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
        if all(m.end <= o.start or m.start >= o.end for o in chosen):
            chosen.append(m)
    return tuple(sorted(chosen, key=lambda m: m.start))


def first_concept(text: str, kind: str) -> Concept | None:
    mentions = find_concepts(text, kind)
    return mentions[0].concept if mentions else None
