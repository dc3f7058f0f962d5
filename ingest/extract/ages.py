"""Age subgroups: 'patients younger than 60 years', 'menores de 60 años', '60岁以下', '60 yaş üstü',
'aged 65 years or older'. An age with a bound names a group of patients; its label is the bound in
plain English ('age < 60 years'), read from the grammar's bound words, so adding a language is
adding words to grammar.yaml (age_units, age_bound_before, age_bound_after)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ingest.extract.values import is_age
from kb.vocab import cue, cue_group

# units that are ages and nothing else: '60岁', '60歳', '60 yaş', '60세'
_AGE_ONLY_UNIT = re.compile(r"yaş|岁|歲|歳|세", re.I)


@dataclass(frozen=True)
class AgePhrase:
    start: int
    end: int
    bound: str  # '<', '≤', '>', '≥'
    age: str

    @property
    def label(self) -> str:
        return f"age {self.bound} {self.age} {'year' if self.age == '1' else 'years'}"


@cache
def _patterns() -> tuple[
    re.Pattern[str], list[tuple[str, re.Pattern[str]]], list[tuple[str, re.Pattern[str]]]
]:
    number = re.compile(rf"(?<![\d.,])(?P<n>\d{{1,3}})\s*(?:{cue('age_units').pattern})", re.I)
    # the bound words end where the number starts ('younger than 60'), and start where the unit
    # ends ('60 years or older', '60岁以下'), with at most a space between
    before = [
        (bound, re.compile(rf"(?:{pattern.pattern})\s*(?:the age of\s*|возрасте\s*|edad de\s*)?$", re.I))
        for bound, pattern in cue_group("age_bound_before").items()
    ]
    after = [
        (bound, re.compile(rf"\s*(?:{pattern.pattern})", re.I))
        for bound, pattern in cue_group("age_bound_after").items()
    ]
    return number, before, after


@lru_cache(maxsize=512)
def age_phrases(text: str) -> tuple[AgePhrase, ...]:
    """Every bounded age of a text, spanning its bound's words and its unit (cached: the arm rules,
    the arm candidates and the value filter ask for the same sentence)."""
    number, before, after = _patterns()
    out = []
    for m in number.finditer(text):
        start, end, bound = m.start(), m.end(), None
        for name, pattern in after:
            hit = pattern.match(text, end)
            if hit:
                end, bound = hit.end(), name
                break
        for name, pattern in before:
            hit = pattern.search(text, max(0, start - 30), start)
            if hit:
                start, bound = hit.start(), bound or name
                break
        # 'over 2 years', 'less than 5 years' are durations; an age is said so by its unit or words
        # ('younger than', 'aged', 'старше'), or is one no duration of a result reaches
        if bound is not None and (
            _AGE_ONLY_UNIT.search(m.group()) or int(m["n"]) >= 15 or is_age(text, m.start(), m.end())
        ):
            out.append(AgePhrase(start, end, bound, m["n"]))
    return tuple(out)


def age_label(phrase: str) -> str | None:
    """'age < 60 years' for a phrase holding exactly one bounded age; the phrase's other words
    ('patients', 'with del(17p)') are not kept in the label."""
    found = age_phrases(phrase)
    return found[0].label if len(found) == 1 else None
