"""Follow-up durations: "median follow-up of 29.4 months", "中位随访 17.4 个月", "1,6 года наблюдения".

A study's follow-up tells a reviewer how mature its survival figures are. It is stated as a time
value in a follow-up clause, the same clause `values.is_follow_up` recognises to keep such times
out of the outcome values; here they are collected instead, in months, with their span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.extract.lexicon import find_concepts
from ingest.extract.values import is_calendar, is_follow_up, time_unit, time_values, to_float
from kb.vocab import cue

MONTHS_PER = {"months": 1.0, "years": 12.0, "days": 12.0 / 365.25}
# how far before the number the follow-up words and a "median" may stand
_MEDIAN_REACH = 60


@dataclass(frozen=True)
class StatedFollowUp:
    start: int  # the number and its unit, in the text given
    end: int
    months: float
    median: bool  # "median follow-up"; otherwise as stated (a range, "at least", a plain duration)


def follow_ups(text: str) -> list[StatedFollowUp]:
    """Every follow-up duration stated in `text`, in order."""
    found = []
    for m in time_values(text):
        if not is_follow_up(text, m.start(), m.end()) or is_calendar(text, m):  # "随访至2020年"
            continue
        if _about_an_endpoint(text, m.start(), m.end()):
            continue
        months = round(to_float(m["v"]) * MONTHS_PER[time_unit(m)], 2)
        if months > 0:
            found.append(StatedFollowUp(m.start(), m.end(), months, _is_median(text, m.start(), m.end())))
    return found


def _is_median(text: str, start: int, end: int) -> bool:
    """A median follow-up: "median follow-up of", "追跡期間の中央値は", "中位随访" before the number in
    its clause, or between the number and the follow-up words after it ("2.9 yıl medyan takip");
    not a median after the number that is the outcome's ("追跡期間9.1カ月での無増悪生存期間中央値")."""
    before = text[max(0, start - _MEDIAN_REACH) : start]
    before = re.split(r"[,;。，；]", before)[-1]
    if cue("median").search(before):
        return True
    following = cue("follow_up").search(text, end, end + 25)
    return bool(following and cue("median").search(text, end, following.start()))


def _about_an_endpoint(text: str, start: int, end: int) -> bool:
    """A time of an outcome that a follow-up clause stands near: an endpoint's median named between
    the follow-up words and the number ("6-month follow-up demonstrated median OS of 8.4 months"), or
    right after the number, whose landmark it is ("随访统计两组患者3年生存情况")."""
    cues = list(cue("follow_up").finditer(text, max(0, start - _MEDIAN_REACH), start))
    if cues and find_concepts(text, "endpoints", cues[-1].end(), start):
        # an outcome's own median between them; not "Медиана наблюдения БСВ составила 1,6 года", the
        # median observation time of an endpoint
        return bool(cue("median").search(text, cues[-1].end(), start))
    after = find_concepts(text, "endpoints", end, min(len(text), end + 8))
    return bool(after and not text[end : after[0].start].strip(" -の的"))
