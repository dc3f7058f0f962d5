"""Landmark time points of rates: '3-летняя', '3-year', '2 yıllık', '12 ayda', '3年', '100 d内'."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.extract.values import NUM, is_follow_up, to_float
from kb.vocab import cue_group

_DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class TimePoint:
    start: int
    end: int
    months: float
    explicit: bool = True  # "3-летняя", "2 yıllık", "1-year": a landmark by its very form
    listed: int | None = None  # position in a list of landmarks ("1、3年", "1 and 3 years")


_LANDMARK_LIST = re.compile(
    r"(?<![\d.,])(?P<a>\d+)(?:\s*[、和及]\s*|,\s+|\s+(?:and|и|ve)\s+)(?P<b>\d+)\s*-?\s*"
    r"(?P<unit>年|years?|лет|года?|y[ıi]l\w*|个月|months?|мес\w*)",
    re.I,
)


def _landmark_lists(text: str) -> list[TimePoint]:
    out = []
    for m in _LANDMARK_LIST.finditer(text):
        per_year = 1 if re.match(r"个月|month|мес", m["unit"], re.I) else 12
        out.append(TimePoint(m.start("a"), m.end("a"), int(m["a"]) * per_year, True, 0))
        out.append(TimePoint(m.start("b"), m.end(), int(m["b"]) * per_year, True, 1))
    return out


def _number_word_pattern() -> str:
    words = [p.pattern for p in cue_group("number_words").values()]
    return "|".join(words)


_LANDMARK = re.compile(
    rf"(?P<num>{NUM})\s*\.?\s*(?:-\s*)?(?P<unit>"
    r"летн\w*|-?year\b|-?month\b|y[ıi]ll[ıi]k|y[ıi]lda|y[ıi]l\b|aylık|ayda|"
    r"个?月|年|ヵ月|か月|d(?=\s*内)|天(?=内)|years?|months?|лет|года?|мес\w*)",
    re.I,
)


def _word_landmarks(text: str) -> list[TimePoint]:
    out = []
    table = cue_group("number_words")
    for m in re.finditer(r"(?P<w>\w+?)(?:-?\s?)(?P<unit>летн\w*|y[ıi]ll[ıi]k|year|年)", text, re.I):
        for key, pattern in table.items():
            if pattern.fullmatch(m["w"]):
                months = int(key) * 12
                out.append(TimePoint(m.start(), m.end(), months))
    return out


def find_time_points(text: str) -> list[TimePoint]:
    """Landmarks stated in a sentence; follow-up durations and calendar dates are left out."""
    out: list[TimePoint] = []
    for m in _LANDMARK.finditer(text):
        if re.fullmatch(r"(?:19|20)\d\d", m["num"]) or re.search(
            r"(?:19|20)\d\d\s*年\s*$", text[: m.start()][-8:]
        ):
            continue
        if is_follow_up(text, m.start(), m.end()):
            continue
        if re.search(r"[<>≤≥]\s*$", text[max(0, m.start() - 3) : m.start()]) or re.match(
            r"\s*(?:组|群|group)", text[m.end() :]
        ):
            continue  # "relapse ≤6 months", "6个月组": a subgroup definition, not a landmark
        unit = m["unit"].lower()
        value = to_float(m["num"])
        if unit.startswith(("лет", "year", "-year", "y", "年", "год")) or "летн" in unit:
            months = value * 12
        elif unit.startswith(("d", "天")):
            months = round(value / _DAYS_PER_MONTH, 1)
        else:
            months = value
        explicit = bool(re.match(r"летн|-year|-month|y[ıi]ll[ıi]k|y[ıi]lda|ayda|aylık", unit))
        out.append(TimePoint(m.start(), m.end(), months, explicit or m.group(0).count("-") > 0))
    out += _word_landmarks(text)
    lists = _landmark_lists(text)
    out = [p for p in out if not any(q.start <= p.start < q.end or p.start <= q.start < p.end for q in lists)]
    return sorted(out + lists, key=lambda t: t.start)
