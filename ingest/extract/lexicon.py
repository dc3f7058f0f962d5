"""Finding vocabulary concepts in text: leftmost-longest, non-overlapping matches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ingest.extract.abbreviations import current_aliases
from kb.vocab import Concept, concepts
from kb.vocab.screen import PatternScreen


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    concept: Concept


def find_concepts(text: str, kind: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Mentions of every concept of `kind` in text[start:end], longest first where they overlap; while
    a paper is read, the short forms it defines count too (ingest/extract/abbreviations.py)."""
    aliases = current_aliases(kind)
    return list(_find_concepts(text, kind, start, len(text) if end is None else end, aliases))


def vocabulary_mentions(text: str, kind: str) -> list[Mention]:
    """Mentions of the vocabulary alone, whatever paper is being read: for answers kept across
    papers, which must not depend on the short forms of the one read when they were first asked."""
    return list(_find_concepts(text, kind, 0, len(text)))


# A paper's walk asks for the same sentence's concepts a dozen times (its PICO, the paper's PICO, its
# CAR-T products, its endpoints); each asks every pattern of the vocabulary, which grows with every
# language, so the answers are kept (bounded: a few thousand sentences).
@lru_cache(maxsize=8192)
def _find_concepts(
    text: str, kind: str, start: int, end: int, aliases: tuple[tuple[str, Concept], ...] = ()
) -> tuple[Mention, ...]:
    found: list[Mention] = []
    owners, patterns, screen = _screened(kind)
    for i in screen.candidates(text[start:end]):
        for m in patterns[i].finditer(text, start, end):
            if m.end() > m.start():
                found.append(Mention(m.start(), m.end(), owners[i]))
    for short, concept in aliases:
        if short in text[start:end]:
            for m in _alias_pattern(short).finditer(text, start, end):
                found.append(Mention(m.start(), m.end(), concept))
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    chosen: list[Mention] = []
    for m in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
        if all(m.end <= o.start or m.start >= o.end for o in chosen):
            chosen.append(m)
    return tuple(sorted(chosen, key=lambda m: m.start))


@lru_cache(maxsize=1024)
def _alias_pattern(short: str) -> re.Pattern[str]:
    """A short form as a whole word, in its own case: 'CMR', never 'cmr' inside a word."""
    return re.compile(rf"(?<![\w-]){re.escape(short)}(?![\w-])")


@cache
def _screened(kind: str) -> tuple[tuple[Concept, ...], tuple[re.Pattern[str], ...], PatternScreen]:
    """Every pattern of the kind's concepts in vocabulary order, its concept, and their screen."""
    pairs = [(c, p) for c in concepts(kind) for p in c.patterns]
    patterns = tuple(p for _, p in pairs)
    return tuple(c for c, _ in pairs), patterns, PatternScreen(patterns)


def first_concept(text: str, kind: str) -> Concept | None:
    mentions = find_concepts(text, kind)
    return mentions[0].concept if mentions else None
