"""Finding vocabulary concepts in text: leftmost-longest, non-overlapping matches."""

from __future__ import annotations

from dataclasses import dataclass

from kb.vocab import Concept, concepts


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    concept: Concept

    @property
    def text_span(self) -> tuple[int, int]:
        return self.start, self.end


def find_concepts(text: str, kind: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Mentions of every concept of `kind` in text[start:end], longest first where they overlap."""
    end = len(text) if end is None else end
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
    return sorted(chosen, key=lambda m: m.start)


def first_concept(text: str, kind: str) -> Concept | None:
    mentions = find_concepts(text, kind)
    return mentions[0].concept if mentions else None
