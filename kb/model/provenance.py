"""No number without its text: every number of a record is written in its evidence or mentions,
or the record lists the field in `derived` and says what it was computed from.

`unwritten_numbers` is what `kb validate` reports and the tests hold the extractor to. A number is
written when the text states it in any of the ways papers do: "62.7", "62,7", "62·7", "36. 4" (a
PDF line's decimals), ".001" for 0.001, "1,060" for 1060, "nine" for 9.
"""

from __future__ import annotations

import re

from kb.model.records import OutcomeRecord
from kb.vocab import cue_group

NUMBER_FIELDS = ("value", "p_value", "ci_low", "ci_high", "hazard_ratio", "pm", "n", "count")
_NUMBER = re.compile(r"(?<!\d)(?P<whole>\d+)(?:(?P<mark>[,·]|\.\s?)(?P<fraction>\d+))?")
_LEADING_MARK = re.compile(r"(?<![\w.,])[.,](?=(\d+))")  # ".001", "IC95% = ,40-,81"


def stated_numbers(text: str) -> set[float]:
    """Every reading of the numbers of `text`: "5,5" is 5.5 (and 5), "1,060" also 1060, ",40"
    0.40, and numbers written as words ("dokuz hasta", "nine patients")."""
    out: set[float] = set()
    for number, pattern in cue_group("number_words").items():
        if re.search(rf"(?<!\w)(?:{pattern.pattern})(?!\w)", text, pattern.flags):
            out.add(float(number))
    for m in _LEADING_MARK.finditer(text):
        out.add(round(float(f"0.{m[1]}"), 6))
    for m in _NUMBER.finditer(text):
        whole, fraction = m["whole"], m["fraction"]
        out.add(float(whole))
        if fraction is not None:
            out.add(round(float(f"{whole}.{fraction}"), 6))
            out.add(float(fraction))
            if m["mark"] == "," and len(fraction) == 3:
                out.add(float(whole + fraction))  # "1,060"
    return out


def unwritten_numbers(record: OutcomeRecord) -> list[str]:
    """The number fields of `record` that neither its evidence nor its mentions state, and that it
    does not list as derived."""
    written: set[float] = set()
    for span in [record.evidence, *record.mentions]:
        written |= stated_numbers(span.text)
    missing = []
    for name in NUMBER_FIELDS:
        number = getattr(record, name)
        if number is None or name in record.derived:
            continue
        if round(float(number), 6) not in written:
            missing.append(name)
    return missing
