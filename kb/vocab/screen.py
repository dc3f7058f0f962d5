"""A cheap screen in front of the vocabulary patterns: the words a pattern cannot match without.

Every concept pattern is a regular expression (kb/vocab/*.yaml), and finding a paper's concepts
ran each of them (2,846, in eleven languages) over every sentence and passage: a third of ingest
time went to patterns that could not match. Most patterns contain a literal run
of characters that any match must contain ("blinatumomab", "无进展", "sağkalım"); a pattern is run
only when one of its required strings is in the text. The screen is a necessary condition, never a
sufficient one, so the matches (and every export) are exactly those of running every pattern; a
test over the corpus checks that.

Texts and required strings are compared in `screen_text` form: lower-cased as the regular
expression engine folds case under re.IGNORECASE (simple case mapping, plus the extra
equivalences Python's re applies: i/ı, s/ſ, µ/μ, σ/ς...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from re import _casefix, _parser  # type: ignore[attr-defined]
from re._constants import (  # type: ignore[import-not-found]
    ATOMIC_GROUP,
    BRANCH,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    POSSESSIVE_REPEAT,
    SUBPATTERN,
)

Requirement = tuple[str, ...]  # one of these strings is in any text the pattern matches


def _fold_table() -> dict[int, int]:
    """Each character of a group re treats as one letter under IGNORECASE -> the group's first."""
    groups: dict[int, set[int]] = {}
    for char, others in _casefix._EXTRA_CASES.items():
        group = {char, *others}
        for member in list(group):
            group |= groups.get(member, set())
        for member in group:
            groups[member] = group
    return {member: min(group) for member, group in groups.items() if member != min(group)}


_FOLD = _fold_table()


def screen_text(text: str) -> str:
    """`text` as the screen compares it. str.lower() and re's folding differ on one character only,
    'İ' (full lower-casing adds a combining dot), so it is folded to 'i' first."""
    return text.replace("İ", "i").lower().translate(_FOLD)


def _requirement(items: list[tuple[object, object]]) -> Requirement | None:
    """The most selective requirement of a parsed sequence: a literal run, or what a group, an
    alternation (every branch must require something) or a repeat of at least one requires."""
    best: Requirement | None = None

    def consider(found: Requirement | None) -> None:
        nonlocal best
        if found and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found

    run: list[str] = []
    for op, av in items:
        if op is LITERAL:
            run.append(chr(av))  # type: ignore[arg-type]
            continue
        consider(("".join(run),) if run else None)
        run = []
        if op is SUBPATTERN:
            consider(_requirement(list(av[-1])))  # type: ignore[index]
        elif op is ATOMIC_GROUP:
            consider(_requirement(list(av)))  # type: ignore[call-overload]
        elif op is BRANCH:
            branches = [_requirement(list(branch)) for branch in av[1]]  # type: ignore[index]
            if all(branches):
                consider(tuple(dict.fromkeys(s for b in branches for s in b)))  # type: ignore[union-attr]
        elif op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT) and av[0] >= 1:  # type: ignore[index]
            consider(_requirement(list(av[2])))  # type: ignore[index]
        # anything else (a class, a boundary, a look-around) requires no particular string
    consider(("".join(run),) if run else None)
    return best


@cache
def requirement(pattern: re.Pattern[str]) -> Requirement | None:
    """Strings (in screen_text form) one of which every match of `pattern` contains; None when the
    pattern requires none (it is then always run)."""
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except re.error:  # pragma: no cover - the pattern compiled, so it parses
        return None
    found = _requirement(list(parsed))
    return tuple(dict.fromkeys(screen_text(s) for s in found)) if found else None


class PatternScreen:
    """Which of a list of patterns can match a text: those one of whose required strings it contains.

    Each distinct required string is looked for once per text, whatever the number of patterns
    that share it."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self._always = tuple(i for i, p in enumerate(patterns) if requirement(p) is None)
        by_string: dict[str, list[int]] = {}
        for i, pattern in enumerate(patterns):
            for string in requirement(pattern) or ():
                by_string.setdefault(string, []).append(i)
        self._strings = tuple((string, tuple(indexes)) for string, indexes in by_string.items())

    def candidates(self, text: str) -> list[int]:
        """Indexes (ascending) of the patterns that may match `text`; the others cannot."""
        screened = screen_text(text)
        found = set(self._always)
        for string, indexes in self._strings:
            if string in screened:
                found.update(indexes)
        return sorted(found)
