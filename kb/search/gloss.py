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
    """The concepts `text` mentions, in vocabulary order, each once."""
    folded = fold(text)
    return [gloss for patterns, gloss in _vocabulary() if any(p.search(folded) for p in patterns)]


def gloss_text(text: str) -> str:
    """The English names of what `text` mentions, as one string ("" when it mentions nothing known)."""
    return " ; ".join(g.words for g in glosses(text))
