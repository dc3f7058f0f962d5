"""Landmark time points of rates: '3-летняя', '3-year', '2 yıllık', '12 ayda', '3年', '100 d内'."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache

from ingest.extract.values import NUM, is_age, is_follow_up, to_float, words_around
from kb.vocab import cue, cue_group

_DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class TimePoint:
    start: int
    end: int
    months: float
    explicit: bool = True  # "3-летняя", "2 yıllık", "1-year": a landmark by its very form
    listed: int | None = None  # position in a list of landmarks ("1、3年", "1 and 3 years")


_UNITS = {unit: pattern.pattern for unit, pattern in cue_group("landmark_units").items()}
_LIST_UNIT = f"(?P<years>{_UNITS['years']})|(?P<months>{_UNITS['months']})"
# between the numbers of a list: "1、3", "1 and 3", "1, 3 and 5", "1-, 3- and 5-year" (a comma
# followed by a space: "1,5 years" is a decimal)
_AND = cue("list_and").pattern
_LIST_SEPARATOR = rf"\s*-?\s*(?:[、和及및]\s*|,\s+(?:(?:{_AND})\s+)?|(?:{_AND})\s+)"
_LANDMARK_LIST = re.compile(
    rf"(?<![\d.,])(?P<items>\d+(?:{_LIST_SEPARATOR}\d+){{1,4}})\s*-?\s*(?P<unit>{_LIST_UNIT})",
    re.I,
)


def _landmark_lists(text: str) -> list[TimePoint]:
    out = []
    for m in _LANDMARK_LIST.finditer(text):
        per_year = 1 if m["months"] else 12
        items = list(re.finditer(r"\d+", m["items"]))
        offset = m.start("items")
        for k, item in enumerate(items):
            end = m.end() if k == len(items) - 1 else offset + item.end()
            out.append(TimePoint(offset + item.start(), end, int(item.group()) * per_year, True, k))
    return out


_LANDMARK = re.compile(
    rf"(?P<num>{NUM})\s*\.?\s*(?:-\s*)?(?P<unit>"
    + "|".join(f"(?P<{unit}>{pattern})" for unit, pattern in _UNITS.items())
    + ")",
    re.I,
)
_WORD_LANDMARK = re.compile(
    rf"(?P<w>\w+?)(?:-?\s?)(?P<unit>{cue('word_landmark_units').pattern})",
    re.I,
)


_DAY_FIRST = re.compile(
    rf"(?:{cue('day_first').pattern})\s*[-]?\s*(?P<plus>\+)?\s*(?P<num>\d+)\b(?![.,]\d)", re.I
)


def _day_first_landmarks(text: str) -> list[TimePoint]:
    """'NRM at day 100', 'by day +30', 'día +100': a landmark in days, written day first."""
    out = []
    for m in _DAY_FIRST.finditer(text):
        days = int(m["num"])
        if days >= 28 or m["plus"]:
            out.append(TimePoint(m.start(), m.end(), round(days / _DAYS_PER_MONTH, 1), True))
    return out


def _word_landmarks(text: str) -> list[TimePoint]:
    out = []
    table = cue_group("number_words")
    for m in _WORD_LANDMARK.finditer(text):
        for key, pattern in table.items():
            if pattern.fullmatch(m["w"]):
                months = int(key) * 12
                out.append(TimePoint(m.start(), m.end(), months))
    return out


@cache
def _around() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    before, after = words_around("landmark", r"\s*")
    return before, after, cue("median")


def _by_preposition(text: str, start: int, end: int) -> bool:
    """'OS at 5 years', 'SG a los 5 años', 'survie à 5 ans', '3년째', '2年時点': a landmark by its
    preposition (not the 'a' of a range, '2 a 5 años')."""
    before, after, _ = _around()
    m = before.search(text, max(0, start - 16), start)
    if m and not re.search(r"\d\s*$", text[max(0, m.start() - 4) : m.start()]):
        return True
    return bool(after.match(text, end))


def _is_median_value(text: str, start: int) -> bool:
    """'median OS was 12 months', '중앙 생존 기간은 3.7년': the duration is the median itself."""
    _, _, median = _around()
    window_start = max(0, start - 40)
    found = list(median.finditer(text, window_start, start))
    return bool(found) and not re.search(r"[,;。，%\d]", text[found[-1].end() : start])


def find_time_points(text: str) -> list[TimePoint]:
    """Landmarks stated in a sentence; follow-up durations and calendar dates are left out."""
    out: list[TimePoint] = []
    for m in _LANDMARK.finditer(text):
        if re.fullmatch(r"(?:19|20)\d\d", m["num"]) or re.search(
            r"(?:19|20)\d\d\s*年\s*$", text[: m.start()][-8:]
        ):
            continue
        if is_follow_up(text, m.start(), m.end()) or is_age(text, m.start(), m.end()):
            continue
        if re.search(r"[<>≤≥]\s*$", text[max(0, m.start() - 3) : m.start()]) or re.match(
            r"\s*(?:组|群|group)", text[m.end() :]
        ):
            continue  # "relapse ≤6 months", "6个月组": a subgroup definition, not a landmark
        value = to_float(m["num"])
        if m["years"] or m["explicit_years"]:
            months = value * 12
        elif m["days"]:
            months = round(value / _DAYS_PER_MONTH, 1)
        else:
            months = value
        explicit = bool(m["explicit_years"] or m["explicit_months"]) or _by_preposition(
            text, m.start(), m.end()
        )
        if not explicit and "-" not in m.group(0) and _is_median_value(text, m.start()):
            continue
        out.append(TimePoint(m.start(), m.end(), months, explicit or m.group(0).count("-") > 0))
    out += _word_landmarks(text) + _day_first_landmarks(text)
    lists = _landmark_lists(text)
    out = [p for p in out if not any(q.start <= p.start < q.end or p.start <= q.start < p.end for q in lists)]
    return sorted(_listed_runs(text, sorted(out, key=lambda t: t.start)) + lists, key=lambda t: t.start)


_SEPARATOR_ONLY = re.compile(_LIST_SEPARATOR)


def _listed_runs(text: str, points: list[TimePoint]) -> list[TimePoint]:
    """'1年、3年和5年', '1 year, 3 years and 5 years': landmarks each with its unit, joined as a list,
    are a list too (their numbers are given in order)."""
    out: list[TimePoint] = []
    run: list[TimePoint] = []
    for p in [*points, None]:
        if p is not None and run and _SEPARATOR_ONLY.fullmatch(text[run[-1].end : p.start]):
            run.append(p)
            continue
        if len(run) > 1:
            out += [dataclasses.replace(q, explicit=True, listed=k) for k, q in enumerate(run)]
        else:
            out += run
        run = [p] if p is not None else []
    return out
