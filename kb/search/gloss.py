"""English glosses: the vocabulary's canonical English names of the concepts a text mentions.

The vocabularies (kb/vocab/*.yaml) name every drug, disease, endpoint, line of therapy, age group
and trial in each corpus language. Appending the English names of what a passage mentions to the
text the index embeds and tokenizes lets an English query meet a Chinese passage on shared words
("блинатумомаб" is glossed "blinatumomab (BiTE; CD19, CD3)"), and glossing the query lets a Chinese
or Russian query meet English text the same way. Glosses are index-side only: hits quote the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kb.search.text import fold
from kb.vocab import Concept, concepts

KINDS = ("interventions", "diseases", "endpoints", "lines", "populations", "trials")
# An abbreviation this short, written with capitals, is matched with its case: vocabulary
# patterns ignore case, which is right for words ("Blinatumomab", "blinatumomab") but turns the
# English words "all", "blast" and "pd" into the concepts ALL, BLAST (a trial) and Pd (a regimen).
ABBREVIATION_LETTERS = 6
_SYNTAX = re.compile(r"\[[^\]]*\]|\\.")


@dataclass(frozen=True)
class Gloss:
    kind: str
    id: str
    words: str  # English names for the index: label, abbreviation, class, antigens


def _words(concept: Concept) -> str:
    extra = concept.extra
    names = [concept.label]
    if concept.kind == "diseases" and extra.get("short"):
        names.append(str(extra["short"]))
    if concept.kind == "endpoints" and concept.id != concept.label:
        names.append(concept.id.replace("_", " "))
    if extra.get("drug_class"):
        names.append(str(extra["drug_class"]))
    names.extend(concept.antigens)
    return " ".join(dict.fromkeys(names))


def _with_case(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` compiled case-sensitively if it is a short capitalized abbreviation ("ALL", "Pd")."""
    letters = [c for c in _SYNTAX.sub("", pattern.pattern) if c.isalpha()]
    if len(letters) <= ABBREVIATION_LETTERS and any(c.isupper() for c in letters):
        return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)
    return pattern


@cache
def _vocabulary() -> tuple[tuple[tuple[re.Pattern[str], ...], Gloss], ...]:
    return tuple(
        (tuple(_with_case(p) for p in concept.patterns), Gloss(kind, concept.id, _words(concept)))
        for kind in KINDS
        for concept in concepts(kind)
    )


def glosses(text: str) -> list[Gloss]:
    """The concepts `text` mentions, in vocabulary order, each once. A concept named only inside a
    longer name of another concept of its kind is not mentioned: "event-free survival" is EFS, not
    also OS for its "survival"."""
    folded = fold(text)
    found: list[tuple[Gloss, list[tuple[int, int]]]] = []
    for patterns, gloss in _vocabulary():
        spans = [m.span() for p in patterns for m in p.finditer(folded) if m.end() > m.start()]
        if spans:
            found.append((gloss, spans))
    return [gloss for gloss, spans in found if not all(_inside(span, gloss, found) for span in spans)]


def _inside(span: tuple[int, int], gloss: Gloss, found: list[tuple[Gloss, list[tuple[int, int]]]]) -> bool:
    start, end = span
    return any(
        other.kind == gloss.kind and other.id != gloss.id and s <= start and end <= e and e - s > end - start
        for other, spans in found
        for s, e in spans
    )


def gloss_text(text: str) -> str:
    """The English names of what `text` mentions, as one string ("" when it mentions nothing known)."""
    return " ; ".join(g.words for g in glosses(text))
