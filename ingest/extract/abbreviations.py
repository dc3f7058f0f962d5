"""Abbreviations a paper defines for itself: 'complete metabolic response (CMR)', 'venetoclax (VEN)',
'классической лимфомы Ходжкина (кЛХ)'. Once defined, the short form names the same concept for the
rest of the paper, so a vocabulary that lacks 'CMR' still reads 'CMR rate was 59%'.

Definitions are found the way Schwartz and Hearst (PSB 2003) find them: a short form in parentheses
right after its long form, the short form's letters in order in the long form, its first letter
starting a word. Here the long form must also be one vocabulary concept ending at the parenthesis,
so an alias only ever points at a concept the vocabulary already knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from kb.vocab import Concept

# the kinds whose concepts a short form may stand for (a combination such as 'ELd' names several
# interventions, so its long form holds more than one concept and is never taken)
KINDS = ("endpoints", "interventions", "diseases")

Aliases = dict[str, tuple[tuple[str, Concept], ...]]

_DEFINITION = re.compile(r"[(（]\s*([^\W\d_][\w/-]{1,9})\s*[)）]")
_CURRENT: ContextVar[Aliases | None] = ContextVar("paper_abbreviations", default=None)


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _spells(short: str, long: str) -> bool:
    """Each letter of the short form in order in the long form, the first at the start of a word
    (Schwartz and Hearst's test, read left to right)."""
    letters = _letters(short)
    words = long.casefold()
    for first in (m.start() for m in re.finditer(r"(?<!\w)\w", words)):
        if words[first] != letters[0]:
            continue
        k, rest = first + 1, letters[1:]
        for ch in rest:
            k = words.find(ch, k)
            if k < 0:
                break
            k += 1
        else:
            return True
    return False


def _is_short_form(short: str) -> bool:
    """Short forms carry a capital ('CMR', 'кЛХ', 'Ven'); a lower-case word in parentheses is a
    gloss or a note ('(median)', '(range)')."""
    return any(ch.isupper() for ch in short) and sum(ch.isalpha() for ch in short) >= 2


def find_abbreviations(text: str) -> Aliases:
    """Per kind, the short forms the text defines for a vocabulary concept, with that concept; a
    short form the vocabulary already reads (as any concept of the kind) is left to it."""
    from ingest.extract.lexicon import find_concepts

    found: dict[str, dict[str, Concept]] = {kind: {} for kind in KINDS}
    clashes: set[tuple[str, str]] = set()
    for d in _DEFINITION.finditer(text):
        short = d.group(1)
        if not _is_short_form(short) or any(find_concepts(short, kind) for kind in KINDS):
            continue
        end = d.start()
        while end > 0 and text[end - 1] in " \u00a0\u3000":
            end -= 1
        window_start = max(0, end - 80)
        ending = {kind: find_concepts(text, kind, window_start, end) for kind in KINDS}
        ending = {kind: ms for kind, ms in ending.items() if ms and ms[-1].end == end}
        if len(ending) != 1:
            continue  # no concept, or one of two kinds ('autologous transplantation': therapy or rate)
        [(kind, mentions)] = ending.items()
        last = mentions[-1]
        if kind == "interventions" and len(mentions) > 1 and mentions[-2].end >= last.start - 40:
            continue  # 'elotuzumab, lenalidomide and dexamethasone (ELd)': a combination
        # the long form: the concept and at most the word before it ('median OS (mOS)'), never a
        # longer name that merely ends in one ('European Research Initiative on CLL (ERIC)')
        before = re.search(r"(?:\w+[\s-]+)?$", text[max(window_start, last.start - 25) : last.start])
        long = text[last.start - len(before.group(0)) if before else last.start : end]
        if not _spells(short, long):
            continue
        known = found[kind].get(short)
        if known is not None and known.id != last.concept.id:
            clashes.add((kind, short))
        found[kind][short] = last.concept
    for words, endpoint in _primary_endpoint_names(text):
        known = found["endpoints"].get(words)
        if known is not None and known.id != endpoint.id:
            clashes.add(("endpoints", words))  # two primary endpoints: neither is 'the' one
        found["endpoints"][words] = endpoint
    for kind, short in clashes:
        found[kind].pop(short, None)  # defined two ways: read neither
    return {kind: tuple(sorted(pairs.items())) for kind, pairs in found.items() if pairs}


def _primary_endpoint_names(text: str) -> Iterator[tuple[str, Concept]]:
    """'la survie sans progression (critère principal)', 'the primary endpoint was PFS': the words
    that call an endpoint the primary one, with that endpoint, so that 'le bénéfice sur le critère
    principal ... (42,8 mois vs 32,5 mois)' reads as PFS. Only where the clause names one endpoint."""
    from ingest.extract.lexicon import vocabulary_mentions
    from kb.vocab import cue

    for m in cue("primary_endpoint").finditer(text):
        lo = max([0, *(b.end() for b in _CLAUSE_END.finditer(text, max(0, m.start() - 80), m.start()))])
        after = _CLAUSE_END.search(text, m.end(), m.end() + 80)
        hi = after.start() if after else min(len(text), m.end() + 80)
        # the endpoint named right beside the words ('survie sans progression (critère principal)',
        # 'the primary endpoint was PFS'); a later 'le bénéfice sur le critère principal' names none
        near = [
            c
            for c in vocabulary_mentions(text[lo:hi], "endpoints")
            if _NAMES_AFTER.fullmatch(text, m.end(), c.start + lo)
            or _NAMES_BEFORE.fullmatch(text, c.end + lo, m.start())
        ]
        named = {c.concept.id: c.concept for c in near}
        if len(named) != 1:
            continue
        [endpoint] = named.values()
        words = m.group()
        for form in {words, words[:1].lower() + words[1:], words[:1].upper() + words[1:]}:
            yield form, endpoint


_CLAUSE_END = re.compile(r"[.;。；]\s|\n")
# What joins the words to the endpoint they define: 'the primary endpoint was PFS', 'critère de jugement
# principal : la survie…', '主要评价指标为PFS'; 'survie sans progression (critère principal)'
_NAMES_AFTER = re.compile(
    r"\s*(?:[(（:：,]|was|is|were|était|est|war|ist|fue|es|foi|é|era|был\w*|являл\w*|—|–|为|是|は|：)?\s*"
    r"(?:the |la |le |l'|el |die |der |o |a )?(?:median |médiane (?:de |de la )?)?",
    re.I,
)
_NAMES_BEFORE = re.compile(r"\s*[(（,]?\s*(?:(?:the|le|la|el|o|a|die|der)\s+)?", re.I)


def current_aliases(kind: str) -> tuple[tuple[str, Concept], ...]:
    """The short forms of the paper being read, for one kind."""
    return (_CURRENT.get() or {}).get(kind, ())


@contextmanager
def paper_abbreviations(text: str) -> Iterator[Aliases]:
    """While the paper is read, vocabulary lookups also know the short forms it defines."""
    aliases = find_abbreviations(text)
    token = _CURRENT.set(aliases)
    try:
        yield aliases
    finally:
        _CURRENT.reset(token)
