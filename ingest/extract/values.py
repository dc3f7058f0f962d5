"""The number grammar shared by every language: rates, ± errors, CIs, medians, counts, p-values, HRs.

Works on normalized text (ASCII digits, "%", "~", "-", "(", "="). Decimal commas ("45,5"),
Turkish prefix percent ("%54,4"), "not reached" medians and "N of M" counts are understood here
so that the per-sentence logic only sees typed values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from ingest.extract.lexicon import find_concepts
from kb.vocab import cue, cue_group

NUM = r"\d+(?:[.,]\d+)?"
# A bound of a confidence interval may drop its leading zero ("IC95% = ,40-,81").
_BOUND = rf"(?:{NUM}|[.,]\d+)"
# Units of a duration, by unit, from grammar.yaml (time_units): a new language is a data change.
_UNIT_WORDS = {unit: pattern.pattern for unit, pattern in cue_group("time_units").items()}
_CI_WORDS = (
    r"(?:(?:CI|ДИ|GA|IC|KI|güven aral[ıi][ğg][ıi]|置信区间|信頼区間|신뢰\s?구간|confidence interval|"
    r"intervalos? de confian[zç]a|intervalle de confiance|Konfidenzintervall|intervallo di confidenza)"
    r"(?:\s*[(\[]\s*(?:CI|IC|KI)\s*[)\]])?)(?![A-Za-z])"
)
# "95% CI", "95%-KI", "95 % KI", "%95 GA", "IC 95%", "IC95%", "IC à 95 %", "intervalo de confianza del 95%"
_CI_LABEL = (
    rf"(?:95\s*%\s*-?\s*{_CI_WORDS}|%\s*95\s*{_CI_WORDS}|"
    rf"{_CI_WORDS}\s*(?:(?:à|a|al|de|del|di|du|zu)\s+)?95\s*%)"
)
_CI_SEPARATOR = r"(?:\s*(?:-|~|,|;|to|до|bis)\s*|\s+(?:a|à|al|e)\s+)"
# a bound may carry its time unit ("95% CI, 8.9 months to 14.0 months")
_BOUND_UNIT = rf"(?:\s*(?:{'|'.join(_UNIT_WORDS.values())}))?"
_CI = re.compile(
    rf"\s*[,;]?\s*[(\[]?\s*{_CI_LABEL}\s*[:,=]?\s*"
    rf"%?\s*(?P<lo>-?{_BOUND})\s*%?{_BOUND_UNIT}{_CI_SEPARATOR}%?\s*(?P<hi>-?{_BOUND})\s*%?{_BOUND_UNIT}\s*[)\]]?",
    re.I,
)
# an interval whose upper bound could not be estimated ("95% CI, 20.1 months to not estimable",
# "95% CI 8.4-NR"): its lower bound is no result of its own
_OPEN_CI = re.compile(
    rf"{_CI_LABEL}\s*[:,=]?\s*%?\s*-?{_BOUND}\s*%?{_BOUND_UNIT}{_CI_SEPARATOR}"
    rf"(?:not (?:estimable|evaluable)|NE|NR|NA|{cue('not_reached').pattern})",
    re.I,
)
_CI_LABEL_ONLY = re.compile(_CI_LABEL, re.I)
# "90,3 % [88,4-92,2]": an interval in brackets right after a number is its CI; one in parentheses
# is when the sentence speaks of CIs ("... (IC 95%: ...) vs 90,2% (88,2-92,2)"), else it may be a range.
_BARE_CI = re.compile(
    rf"\s*(?P<open>[(\[])\s*(?P<lo>-?{_BOUND})\s*%?\s*(?:-|~|;|,|to|a|à)\s*(?P<hi>-?{_BOUND})\s*%?\s*[)\]]"
)
_PM_PERCENT = re.compile(
    rf"\(?\s*(?P<v>{NUM})\s*±\s*(?P<pm>{NUM})\s*\)?\s*%|(?P<v2>{NUM})\s*%\s*±\s*(?P<pm2>{NUM})\s*%"
)
_PERCENT_SUFFIX = re.compile(rf"(?<![\d%])(?<!\d[.,])(?P<v>{NUM})\s?%(?!\s*-?\s*{_CI_WORDS})", re.I)
_PERCENT_PREFIX = re.compile(rf"(?<![\d%])%\s?(?P<v>{NUM})(?P<suffix>'?[a-zçğıöşü]*)", re.I)
_TIME_VALUE = re.compile(
    rf"(?<![\dA-Za-z])(?<!\d[.,])(?P<v>{NUM})\s*(?:(?P<paren>\((?P<plo>{NUM})\s*(?P<psep>,|~|-)\s*(?P<phi>{NUM}|NE)\))|"
    rf"(?P<brack>\[\s*(?P<blo>{NUM})\s*,\s*(?P<bhi>{NUM}|[^\]]{{0,40}})\])|"
    rf"(?P<pmx>\(?\s*±\s*(?P<tpm>{NUM})\s*\)?))?\s*"
    rf"(?P<unit>{'|'.join(f'(?P<{k}>{v})' for k, v in _UNIT_WORDS.items())})",
    re.I,
)
_P_VALUE = re.compile(
    r"(?<![A-Za-zА-Яа-я])[pPрР]\s*(?:-?value\s*)?(?P<op><=|>=|≤|≥|<|>|=)\s*(?P<v>\d*[.,]\d+|\d+)"
)
_HR_WORDS = (
    r"(?:\bHR\b|hazard ratio|отношени\w* рисков|(?<![А-Яа-яЁё])ОР(?![А-Яа-яЁё])|riskler oran[ıi]|"
    r"风险比|危险比|風險比|ハザード比|"
    r"raz[óo]n de (?:riesgos?|riesgo instantáneo|azares|tasas? de riesgo)|cociente de riesgos?|"
    r"raz[ãa]o de (?:riscos?|risco instantâneo)|rapports? (?:de|des) risques?(?: instantanés?)?|"
    r"rapporto di rischio|위험비)"
)
# What may stand between the words and the value: "(HR)", "for progression or death was", ", ", "는",
# "は", "为"
_HR_LINK = (
    r"(?:was|were|is|of|de|del|fue|foi|fut|était|a été|est|war|betrug|lag bei|von|era|è stat[oa]|è|di|"
    r"ist|sa|составил[аои]?|был[аои]?|равнял[аои]?с[ья]|равн[аоы]?)"
)
_HR = re.compile(
    rf"{_HR_WORDS}\s*(?:[(\[]\s*HR\s*[)\]])?"
    rf"(?:\s+(?:[^\d;。()\[\]=:,]{{0,60}}?\s)?{_HR_LINK}(?![^\W\d_])|\s+[^\d;。()\[\]=:,]{{1,60}}?(?=,)|"
    rf"\s+[^\d;。()\[\]=:,]{{1,60}}?(?=\s*[:=])|"  # "HR for disease progression or survival: 0.65"
    rf"\s*(?:는|은|이|가|は|が|为|為|是))?"
    rf"\s*[=:,]?\s*(?P<v>{NUM})",
    re.I,
)
# "69 of 110", "18 из 30", "32 patients sur 40", "27 von 36", "32 de 40 pacientes", "15 su 20"
_OUT_OF = r"(?:(?:out )?of|из|sur|von|de|des|dos|das|di|dei|degli|delle|su)"
_COUNT_OF = re.compile(
    rf"(?<![\d.,])(?P<count>\d+)(?:\s+(?:{cue('patient_words').pattern}))?\s+{_OUT_OF}\s+(?P<n>\d+)\b(?![.,]\d|\s*%)"
    r"|(?P<n2>\d+) hastadan (?P<count2>\d+)'"
    r"|\(\s*(?P<count3>\d+)\s*/\s*(?P<n3>\d+)\s*(?:例|patients)?\s*\)",
    re.I,
)
_COUNT_BEFORE_PERCENT = re.compile(
    rf"(?P<count>\d+)\s*(?:{cue('patient_words').pattern})?\s*(?:患者)?\s*\(\s*(?P<v>{NUM})\s*%\s*\)$"
)
_RANGE_WORDS = r"(?:-|–|—|~|～|〜|ile|ila|to|до|至)"
_RANGE_AFTER = re.compile(rf"^\s*%?\s*{_RANGE_WORDS}\s*%?\s*{NUM}\s*%?")
_RANGE_BEFORE = re.compile(
    rf"(?<![A-Za-zА-Яа-яЁё])(?<![A-Za-zА-Яа-яЁё]\d){NUM}\s*%?\s*'?[a-zçğıöşü]*\s*{_RANGE_WORDS}\s*%?\s*$"
)


def to_float(text: str) -> float:
    return float(text.replace(",", "."))  # ",40" and ".40" read as 0.4


def decimals_of(text: str) -> int:
    m = re.search(r"[.,](\d+)$", text)
    return len(m.group(1)) if m else 0


@dataclass
class Value:
    """One reported number with everything attached to it in the text."""

    start: int
    end: int
    kind: str  # "rate" | "time" | "not_reached" | "ratio"
    value: float | None
    decimals: int = 0
    unit: str = "%"
    pm: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    count: int | None = None
    n: int | None = None
    subject_suffix: bool = False  # Turkish "%39'unda": the number is the subject, its endpoint follows
    # fields computed rather than read, with what from ("value": "69 of 110")
    derived: dict[str, str] = field(default_factory=dict)


@dataclass
class PValue:
    start: int
    end: int
    operator: str
    value: float


@cache
def _hedge_before() -> re.Pattern[str]:
    """A hedge right before the number ("about 40%", "cerca del 40%"): background, not a result."""
    return re.compile(rf"(?:{cue('hedge_before').pattern})\s*%?\s*$", re.I)


@cache
def _hedge_after() -> re.Pattern[str]:
    """A hedge right after the number ("%39 dolayında", "40%左右")."""
    return re.compile(rf"^\s*'?[a-zçğıöşü]*\s*(?:{cue('hedge_after').pattern})", re.I)


@cache
def _threshold_before() -> re.Pattern[str]:
    """A threshold word right before the number ("more than 50%", "más de 60 años", "mindestens 5")."""
    return re.compile(rf"(?:{cue('threshold_before').pattern})\s*%?\s*$", re.I)


@cache
def words_around(name: str, gap: str = r"\s*%?\s*") -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The grammar's `<name>_before` words, ending where a number starts (`gap` may stand between),
    and its `<name>_after` words, starting where the number ends: one pair for every cue of the
    kind 'a word beside the number says what it is' (ages, differences, landmarks, conditions)."""
    before = re.compile(rf"(?:{cue(f'{name}_before').pattern}){gap}$", re.I)
    after = re.compile(rf"\s*(?:{cue(f'{name}_after').pattern})", re.I)
    return before, after


def _in_age_phrase(text: str, start: int, end: int) -> bool:
    """'bei Patienten unter 60 Jahren', '60 anos ou mais': the number bounds an age subgroup."""
    from ingest.extract.ages import age_phrases  # ages reads its age words with is_age

    lo = max(0, start - 40)
    return any(
        a.start <= start - lo and end - lo <= a.end for a in age_phrases(text[lo : min(len(text), end + 30)])
    )


def is_age(text: str, start: int, end: int) -> bool:
    """'aged 65 years or older', 'older than 60 years', 'в возрасте старше 60 лет': the number (with
    its unit, ending at `end`) is an age that defines a subgroup, not a result or a landmark."""
    before, after = words_around("age", r"\s*[≥>≤<]?\s*")
    return bool(before.search(text, max(0, start - 30), start) or after.match(text, end, end + 20))


_NEITHER_REACHED = re.compile(
    r"\bneither\b[^.;]{0,120}?\bnor\b[^.;]{0,80}?"
    r"\b(?P<verb>(?:was|were|has been|had been) (?:yet )?reached)\b",
    re.I,
)


def _is_threshold(text: str, start: int, end: int) -> bool:
    if is_age(text, start, end) or _in_age_phrase(text, start, end):
        return True
    before = text[max(0, start - 12) : start]
    if _hedge_before().search(text[max(0, start - 16) : start]) or _hedge_after().match(text[end : end + 20]):
        return True  # hedged figures ("about 40%", "%39 dolayında") are background, not results
    after = text[end : end + 16]
    if re.search(r"[<>≤≥]\s*%?\s*$", before):
        return True
    if _threshold_before().search(before):
        return True
    return bool(re.match(r"\s*(?:" + cue("threshold_after").pattern + ")", after, re.I))


def _is_difference(text: str, start: int, end: int) -> bool:
    """'a gain of 7.6 months', 'um 58 % geringer': a difference between arms, not a result."""
    before, after = words_around("difference")
    return bool(before.search(text[max(0, start - 70) : start]) or after.match(text, end, end + 30))


# "El 84 % de los pacientes alcanzó ...", "81% de taxa de resposta", "77% des patients avaient une
# réponse complète", "%53 tam yanıt", "53% CR": the number is the subject, its endpoint follows.
_OF_AFTER = re.compile(
    r"\s*(?:de|d'|des|du|der|di|dei|degli|della|delle|del|dos|das|do|da)\s+(?:(?:los|las|os|as|les|the)\s+)?",
    re.I,
)
_SUBJECT_ARTICLE = re.compile(r"(?<![^\W\d_])(?:el|El|un|Un|um|Um|l'|L'|il|Il)\s*$")


@cache
def _subject_patients() -> re.Pattern[str]:
    return re.compile(
        rf"(?:{cue('patient_words').pattern}|ell[oa]s|el[ae]s|eux|them|loro|ihnen)(?![^\W\d_])", re.I
    )


def _endpoint_at(text: str, pos: int) -> bool:
    return any(e.start == pos for e in find_concepts(text, "endpoints", pos, min(len(text), pos + 60)))


def _names_its_endpoint_after(text: str, start: int, end: int) -> bool:
    if _SUBJECT_ARTICLE.search(text[max(0, start - 4) : start]):
        return True
    m = _OF_AFTER.match(text, end)
    if m:
        return bool(_subject_patients().match(text, m.end())) or _endpoint_at(text, m.end())
    gap = re.match(r" ?", text[end:])
    return _endpoint_at(text, end + (gap.end() if gap else 0))


def _is_range_part(text: str, start: int, end: int) -> bool:
    if in_change(text, start, end):
        return False
    return bool(_RANGE_AFTER.match(text[end : end + 14])) or bool(
        _RANGE_BEFORE.search(text[max(0, start - 14) : start])
    )


class _ChangeJoins(NamedTuple):
    before: re.Pattern[str]  # the first number of a change, ending right before this one
    after: re.Pattern[str]  # the second, starting right after this one
    gap: re.Pattern[str]  # all that stands between the two


@cache
def _change_joins() -> _ChangeJoins:
    to = cue("change_to").pattern
    return _ChangeJoins(
        re.compile(rf"(?P<num>{NUM})\s*%?\s*(?:{to})\s*%?\s*$", re.I),
        re.compile(rf"^\s*%?\s*(?:{to})\s*%?\s*(?P<num>{NUM})", re.I),
        re.compile(rf"^\s*%?\s*(?:{to})\s*%?\s*$", re.I),
    )


def is_change(text: str, first_end: int, second_start: int) -> bool:
    """'CR increased from 18% to 40%', 'das Überleben von 4,7 auf 12,4 Monate verlängert', '从4.7个月
    延长至12.4个月': two numbers joined as the start and the end of a change, which compares them
    (not a range: 'ranging from 20% to 60%' is one)."""
    gap = text[first_end:second_start]
    changes = cue("change_words")
    if len(gap) <= 12 and changes.search(gap) and re.search(r"[至到]|\bto\b", gap):
        return True
    if not _change_joins().gap.match(gap):
        return False
    lo = max(0, first_end - 70)
    before = re.split(r"[;。.,，]\s", text[lo:first_end])[-1]
    after = re.split(r"[;。.,，]", text[second_start : second_start + 60])[0]
    if cue("range_words").search(before):
        return False
    return bool(changes.search(before) or changes.search(after))


def in_change(text: str, start: int, end: int) -> bool:
    """Is the number at [start, end) one end of a change ('from 18% to 40%')?"""
    joins = _change_joins()
    before = joins.before.search(text, max(0, start - 24), start)
    if before is not None and is_change(text, before.end("num"), start):
        return True
    after = joins.after.match(text, end)
    return after is not None and is_change(text, end, after.start("num"))


def _attach_ci(text: str, v: Value) -> None:
    # the full stop of an abbreviated unit stands between ("13,2 мес. (95% ДИ 10,1–16,3)")
    after_unit = v.end + 1 if v.kind == "time" and text[v.end : v.end + 1] == "." else v.end
    m = _CI.match(text, after_unit)
    if not m:
        bare = _BARE_CI.match(text, v.end)
        if bare and (bare["open"] == "[" or _CI_LABEL_ONLY.search(text, 0, v.start)):
            m = bare
    if m:
        v.ci_low, v.ci_high = to_float(m["lo"]), to_float(m["hi"])
        v.end = m.end()


def find_values(text: str, prior_cohort: int | None = None) -> list[Value]:
    """Every result-like number of a sentence, left to right, thresholds and ranges left out."""
    taken: list[tuple[int, int]] = []
    out: list[Value] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def add(v: Value, span: tuple[int, int]) -> None:
        taken.append(span)
        out.append(v)

    for m in _CI.finditer(text):
        taken.append((m.start(), m.end()))  # CI bounds are not values of their own
    for m in _OPEN_CI.finditer(text):
        taken.append((m.start(), m.end()))
    for m in _CI_LABEL_ONLY.finditer(text):
        taken.append((m.start(), m.end()))  # nor is the 95% of a CI stated without its bounds
    for m in _P_VALUE.finditer(text):
        taken.append((m.start(), m.end()))  # nor is a p statement, even a malformed one ('p = 45%')
    for m in _PM_PERCENT.finditer(text):
        if free(m.start(), m.end()):
            number, error = m["v"] or m["v2"], m["pm"] or m["pm2"]
            v = Value(m.start(), m.end(), "rate", to_float(number), decimals_of(number), pm=to_float(error))
            _attach_ci(text, v)
            add(v, (m.start(), v.end))
    thresholds: list[tuple[int, int]] = []
    for m in _PERCENT_SUFFIX.finditer(text):
        s, e = m.start(), m.end()
        if free(s, e) and _is_threshold(text, s, e):
            thresholds.append((s, e))
        if not free(s, e) or _is_threshold(text, s, e) or _is_range_part(text, s, e):
            continue
        if _is_difference(text, s, e):
            continue
        v = Value(s, e, "rate", to_float(m["v"]), decimals_of(m["v"]))
        v.subject_suffix = _names_its_endpoint_after(text, s, e)
        _attach_ci(text, v)
        add(v, (s, v.end))
    for m in _PERCENT_PREFIX.finditer(text):
        s, e = m.start(), m.end("v")
        if free(s, e) and _is_threshold(text, s, e):
            thresholds.append((s, m.end()))
        if not free(s, e) or _is_threshold(text, s, e) or _is_range_part(text, s, e):
            continue
        if _is_difference(text, s, e):
            continue  # "riskini %35 azalttı"
        v = Value(s, e, "rate", to_float(m["v"]), decimals_of(m["v"]))
        v.subject_suffix = bool(
            re.match(r"'?(?:[ıiuü]n|s[ıiuü]n)?(?:da|de|ın|in|un|ün|ı|i|u|ü)\b", m["suffix"])
        )
        v.subject_suffix = v.subject_suffix and not re.match(r"'?[ae] ", m["suffix"] + " ")
        v.subject_suffix = v.subject_suffix or (not m["suffix"] and _names_its_endpoint_after(text, s, e))
        _attach_ci(text, v)
        add(v, (s, v.end))
    for m in _TIME_VALUE.finditer(text):
        s, e = m.start(), m.end()
        if not free(s, e) or _is_threshold(text, s, e) or is_follow_up(text, s, e):
            continue
        if _is_difference(text, s, e):
            continue
        if _RANGE_BEFORE.search(text[max(0, s - 14) : s]) and not in_change(text, s, e):
            continue  # "5.6~10.4 月": the upper end of a range
        if is_calendar(text, m):
            continue
        unit = time_unit(m)
        v = Value(s, e, "time", to_float(m["v"]), decimals_of(m["v"]), unit=unit)
        if m["pmx"]:
            v.pm = to_float(m["tpm"])
        if m["paren"] and m["psep"] == ",":
            v.ci_low = to_float(m["plo"])
            v.ci_high = None if m["phi"] == "NE" else to_float(m["phi"])
        elif m["brack"]:
            v.ci_low = to_float(m["blo"])
            v.ci_high = to_float(m["bhi"]) if re.fullmatch(NUM, m["bhi"].strip()) else None
        else:
            _attach_ci(text, v)
        add(v, (s, max(e, v.end)))
    for m in _NEITHER_REACHED.finditer(text):
        # 'neither the median PFS nor the median OS was reached': the 'was reached' is the statement
        if free(m.start("verb"), m.end("verb")):
            add(Value(m.start("verb"), m.end("verb"), "not_reached", None, unit="months"), m.span("verb"))
    for m in cue("not_reached").finditer(text):
        if _RANGE_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
            continue  # "(95% CI, 10–not reached)", "(8.4~未到達)": the open upper end of a range
        if free(m.start(), m.end()):
            add(Value(m.start(), m.end(), "not_reached", None, unit="months"), (m.start(), m.end()))
    for m in _HR.finditer(text):
        if free(m.start(), m.end()):
            v = Value(m.start(), m.end(), "ratio", to_float(m["v"]), decimals_of(m["v"]), unit="ratio")
            _attach_ci(text, v)
            add(v, (m.start(), v.end))
    for v in _shared_unit_values(text, [v for v in out if v.kind in ("time", "rate")], free):
        add(v, (v.start, v.end))
    out = _drop_coordinated_thresholds(text, out, thresholds)
    for v in out:
        _attach_count(text, v)
    for c in find_counts_of(text):
        stated = [
            v
            for v in out
            if v.kind == "rate"
            and (0 <= v.start - c.end <= 16 or 0 <= c.start - v.end <= 16)
            and v.value is not None
            and abs(v.value - (c.value or 0)) < 3.0
        ]
        if stated:
            stated[0].count, stated[0].n = c.count, c.n  # "85% (47 из 57)", "24'ünde (%80)"
        elif free(c.start, c.end):
            out.append(c)
    out += [c for c in find_partitive_counts(text, prior_cohort) if free(c.start, c.end)]
    return sorted(out, key=lambda v: v.start)


_BARE_NUMBER_BEFORE = re.compile(rf"(?<![\d.,%±])(?<![A-Za-z])(?P<v>{NUM})(?=\s*\D[^\d%]{{0,24}}$)")


@cache
def _joiner() -> re.Pattern[str]:
    joiners = f"{cue('comparison').pattern}|{cue('shared_unit_joiners').pattern}"
    return re.compile(rf"\s*(?:{joiners})\s*", re.I)


@cache
def _range_start() -> re.Pattern[str]:
    return re.compile(rf"(?:{cue('range_before').pattern})\s*$", re.I)


def _shared_unit_values(text: str, values: list[Value], free) -> list[Value]:
    """'13.2 vs 8.3 months', '40,4 y de 62,2 %', '57, 56 and 52%': the numbers before a duration or
    a percentage, joined to it by a comparison or a list, share the unit written after the last."""
    out: list[Value] = []
    todo = [v for v in values if v.kind == "time" or text[v.start : v.start + 1] != "%"]
    while todo:
        t = todo.pop()
        for m in _BARE_NUMBER_BEFORE.finditer(text, max(0, t.start - 30), t.start):
            s, e = m.start(), m.end()
            changed = is_change(text, e, t.start)  # "from 4.7 to 12.4 months"
            if not (_joiner().fullmatch(text, e, t.start) or changed) or not free(s, e):
                continue
            if any(s < o.end and o.start < e for o in out):
                continue
            if re.fullmatch(r"(?:19|20)\d\d", m["v"]) or _is_threshold(text, s, e):
                continue
            if _range_start().search(text[max(0, s - 12) : s]) and not changed:
                continue  # "between 6 and 12 months": a range
            if _names_a_number(text, s):
                continue  # "52% in cohort 1 and 48% in cohort 2": the 1 names a cohort
            if t.kind == "rate" and to_float(m["v"]) > 100:
                continue
            v = Value(s, e, t.kind, to_float(m["v"]), decimals_of(m["v"]), unit=t.unit)
            _attach_ci(text, v)
            out.append(v)
            todo.append(v)
            break
    return out


@cache
def _label_before() -> re.Pattern[str]:
    return re.compile(rf"(?:{cue('group_words').pattern}|{cue('number_labels').pattern})\s*$", re.I)


def _names_a_number(text: str, start: int) -> bool:
    """A number right after a group word or a label word ('arm 2', 'cohort 1', 'grade 3') is a name."""
    return bool(_label_before().search(text, max(0, start - 14), start))


_COORDINATION = re.compile(r"^\s*'?[a-zçğıöşü]*\s*(?:,|and|и|ve|veya|or|или|和|及|与|、)\s*%?\s*$", re.I)


def _drop_coordinated_thresholds(
    text: str, values: list[Value], thresholds: list[tuple[int, int]]
) -> list[Value]:
    """'over 80% and 90%', '%80 ve %90'ın üzerine': a threshold word covers the whole coordination."""
    out = []
    for v in values:
        coordinated = any(
            v.kind == "rate"
            and (
                (t_end <= v.start and _COORDINATION.match(text[t_end : v.start]))
                or (v.end <= t_start and _COORDINATION.match(text[v.end : t_start]))
            )
            for t_start, t_end in thresholds
        )
        if not coordinated:
            out.append(v)
    return out


def is_follow_up(text: str, start: int, end: int) -> bool:
    """'медиана наблюдения ... 1,6 года', '中位随访 17.4 个月', '2.9 yıl medyan takip süresi':
    a follow-up time in the same clause, not an outcome."""
    follow_up = cue("follow_up")
    after = follow_up.search(text, end, end + 25)
    if after and not re.search(r"[,;。]", text[end : after.start()]):
        return True
    for m in follow_up.finditer(text, max(0, start - 60), start):
        between = _strip_parens(text[m.end() : start])
        own = _TIME_VALUE.search(between)
        if own and not re.search(r"[(（]", between[own.end() :]):
            gap = between[own.end() :]
            joined = re.search(rf"(?<!\w)(?:{cue('list_and').pattern}|vs|versus)(?!\w)|和|及", gap)
            if len(gap) <= 40 and joined and not _TIME_VALUE.search(gap) and not _names_an_endpoint(gap):
                # "a median follow-up of 34.3 months for arm A and 21.0 months for arm B": a list (but
                # "follow-up was 14.1 months and the median PFS was 27.6 months" is a result)
                return True
            # "追跡期間中央値54.9ヵ月における5年PFS": the follow-up has its own duration (but "1,6 года
            # (максимально 6,4 года)" is its range)
            continue
        if not re.search(r"(?<!\d),|[;。]", between):
            return True
    return False


def _names_an_endpoint(text: str) -> bool:
    return bool(find_concepts(text, "endpoints"))


def time_values(text: str) -> Iterator[re.Match[str]]:
    """Every number with a time unit ("29.4 months", "1,6 года", "17.4个月"), with its range or ±."""
    return _TIME_VALUE.finditer(text)


def time_unit(match: re.Match[str]) -> str:
    """The unit ("months", "years", "days") of a match of time_values."""
    return next(k for k in _UNIT_WORDS if match[k])


def is_calendar(text: str, match: re.Match[str]) -> bool:
    """A match of time_values that is a year or a date ("2015年", "2020年 10月"), not a duration."""
    s, e = match.start(), match.end()
    return bool(
        re.fullmatch(r"(?:19|20)\d\d", match["v"]) or (text[e - 1 : e] in "年月" and _is_date(text, s, e))
    )


def _strip_parens(text: str) -> str:
    return re.sub(r"\([^()]*\)", "", text)


def _is_date(text: str, start: int, end: int) -> bool:
    """'2015年 10月' and '201X年' are dates, not durations."""
    around = text[max(0, start - 8) : end + 6]
    return bool(re.search(r"(?:19|20)[\dX]{2}\s*年", around))


_COUNT_PAREN = re.compile(
    r"(?<![\d.])(?<!\d,)(?P<count>\d+)(?:'[a-zçğıöşü]+)?\s*(?:"
    + cue("patient_words").pattern
    + r")?\s*(?:患者)?\s*[(]\s*%?\s*$"
)


_COUNT_N_EQUALS = re.compile(r"\bn\s*=\s*(?P<count>\d+)\s*[;,]\s*%?$")


def _attach_count(text: str, v: Value) -> None:
    """'36 例(87.8%)', '7 (38,9%)', '12'si (%57)', '(n = 7; 33,3%)': the count stated with a rate."""
    if v.kind != "rate" or v.pm is not None or v.count is not None:
        return
    window = text[max(0, v.start - 30) : v.start + (1 if text[v.start] == "%" else 0)]
    m = _COUNT_PAREN.search(window) or _COUNT_N_EQUALS.search(window)
    if m and not re.search(rf"{_OUT_OF}\s*$", window[: m.start("count")], re.I):
        v.count = int(m["count"])


def find_counts_of(text: str) -> list[Value]:
    """'69 of 110', '110 hastadan 69'unda': a count with its denominator, as a rate."""
    out = []
    for m in _COUNT_OF.finditer(text):
        count = int(m["count"] or m["count2"] or m["count3"])
        n = int(m["n"] or m["n2"] or m["n3"])
        if n > 0 and count <= n:
            v = Value(m.start(), m.end(), "rate", round(count / n * 100, 1), 1, count=count, n=n)
            v.derived["value"] = f"{count} of {n}"
            out.append(v)
    return out


_COHORT_WORDS = (
    r"(?:hasta\w*|пациент\w*|больн\w*|дет\w*|patients|children|例(?:患者)?|pacientes|doentes|enfermos|"
    r"Patienten|pazienti|명의? 환자|명)"
)
_PARTITIVE = re.compile(
    r"(?:bu hastalardan|bunlardan|из них(?:\s+у)?|of (?:them|whom)|其中)\s*(?P<a>\d+)(?!\s*\(|\d|[.,]\d)"
    r"|(?<![\d.,])(?P<b>\d+)\s*hastada\b(?!\s*\()"
    r"|(?P<n>\d+)\s*例(?:患者)?中有?\s*(?P<c>\d+)\s*例"
)


def cohort_sizes(text: str) -> list[tuple[int, int]]:
    """(position, size) of every 'N patients' in a text, number words included ('dokuz hasta')."""
    out = [(m.start(), int(m.group(1))) for m in re.finditer(rf"(?<![\d.,])(\d+)\s*{_COHORT_WORDS}", text)]
    for value, pattern in cue_group("number_words").items():
        for m in re.finditer(rf"(?:{pattern.pattern})\s+{_COHORT_WORDS}", text, re.I):
            out.append((m.start(), int(value)))
    return sorted(out)


def find_partitive_counts(text: str, prior_cohort: int | None) -> list[Value]:
    """'bu hastalardan 6'sında', 'из них у 33', '9 hastada', '10 例患者中有 5 例': a count of a
    cohort stated just before (in this sentence or the previous one), as a rate."""
    out = []
    sizes = cohort_sizes(text)
    for m in _PARTITIVE.finditer(text):
        if re.match(r"'?\w*\s*\(?\s*%", text[m.end() : m.end() + 12]):
            continue  # "45'inin (%65)": the rate is stated, the count attaches to it
        count = int(m["a"] or m["b"] or m["c"])
        from_previous = False
        if m["n"]:
            n: int | None = int(m["n"])
        else:
            before = [size for pos, size in sizes if pos < m.start() and size > count]
            from_previous = not before
            n = before[-1] if before else (prior_cohort if prior_cohort and prior_cohort > count else None)
        if not n:
            continue
        start = m.start("c") if m["c"] else m.start("a") if m["a"] else m.start("b")
        v = Value(start, m.end(), "rate", round(count / n * 100, 1), 1, count=count, n=n)
        v.derived["value"] = f"{count} of {n}"
        if from_previous:
            v.derived["n"] = "the cohort size the previous sentence states"
        v.subject_suffix = True
        out.append(v)
    return out


def find_p_values(text: str) -> list[PValue]:
    """p-values as stated; 'p = 45%' or 'p = 1.5' are not probabilities (an OCR slip or a
    variable named p), so they are left out rather than stored as significance."""
    ops = {"≤": "<=", "≥": ">="}
    found = []
    for m in _P_VALUE.finditer(text):
        value = to_float(m["v"])
        if value > 1 or text[m.end() : m.end() + 2].lstrip().startswith("%"):
            continue
        found.append(PValue(m.start(), m.end(), ops.get(m["op"], m["op"]), value))
    return found
