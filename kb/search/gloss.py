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
from kb.vocab import Concept, concepts, cue_group
from kb.vocab.screen import PatternScreen

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
def _vocabulary() -> tuple[
    tuple[tuple[Gloss, str], ...], tuple[re.Pattern[str], ...], tuple[int, ...], PatternScreen
]:
    """(gloss, English label) of every concept of KINDS; every pattern (short capitalized ones
    case-sensitive), the index of its concept, and the patterns' screen."""
    named, patterns, owners = [], [], []
    for kind in KINDS:
        for concept in concepts(kind):
            named.append((Gloss(kind, concept.id, _words(concept)), concept.label))
            for pattern in concept.patterns:
                patterns.append(_with_case(pattern))
                owners.append(len(named) - 1)
    return tuple(named), tuple(patterns), tuple(owners), PatternScreen(patterns)


def _mentions(folded: str) -> list[tuple[Gloss, str, list[tuple[int, int]]]]:
    """(gloss, label, spans) of each concept whose patterns match the folded text, in vocabulary order."""
    named, patterns, owners, screen = _vocabulary()
    spans: dict[int, list[tuple[int, int]]] = {}
    for i in screen.candidates(folded):
        hits = [m.span() for m in patterns[i].finditer(folded) if m.end() > m.start()]
        if hits:
            spans.setdefault(owners[i], []).extend(hits)
    return [(*named[owner], found) for owner, found in sorted(spans.items())]


def glosses(text: str) -> list[Gloss]:
    """The concepts `text` mentions, in vocabulary order, each once. A concept named only inside a
    longer name of another concept of its kind is not mentioned: "event-free survival" is EFS, not
    also OS for its "survival"."""
    found = [(gloss, spans) for gloss, _, spans in _mentions(fold(text))]
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


_NUMBER = re.compile(r"(?<![\d.,])\d+(?:[.,·]\d+)?(?![\d])")
_PERCENT = re.compile(r"\s*[%％]")
_UNIT_NAMES = {"years": "years", "months": "months", "days": "days"}


def reading_gloss(text: str) -> str:
    """An English reading aid for a sentence written in another language: the English names of the
    concepts it mentions and its numbers (with %, months, years), in the sentence's order, e.g.
    "allo-HSCT · 3 years · overall survival · 48.9% · 95% · 23.0% · 70.6%". Shown beside the source
    sentence, marked as a gloss: never a translation, never in place of the source."""
    folded = fold(text)
    spans: list[tuple[int, int, str]] = []
    mentioned = _mentions(folded)
    found = [(gloss, hits) for gloss, _, hits in mentioned]
    for gloss, label, hits in mentioned:
        kept = [h for h in hits if not _inside(h, gloss, found)]
        if kept:
            start, end = min(kept)
            spans.append((start, end, label))
    units = cue_group("time_units")
    for m in _NUMBER.finditer(folded):
        if any(s <= m.start() < e for s, e, _ in spans):
            continue
        number = re.sub(r"[,·]", ".", m.group())
        rest = folded[m.end() : m.end() + 8]
        if _PERCENT.match(rest) or folded[max(0, m.start() - 1) : m.start()] in ("%", "％"):  # "%75"
            number += "%"
        else:
            unit = next(
                (
                    name
                    for key, name in _UNIT_NAMES.items()
                    if key in units and units[key].match(rest.lstrip())
                ),
                None,
            )
            number += f" {unit}" if unit else ""
        spans.append((m.start(), m.end(), number))
    return " · ".join(label for _, _, label in sorted(spans))
