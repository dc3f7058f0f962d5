"""One canonical English "card" per outcome record: what the index embeds and tokenizes for it.

A card reads like a line of an evidence table, e.g.

    inotuzumab ozogamicin (ADC; CD22) versus chemotherapy in adult acute lymphoblastic leukemia
    (ALL), INO-VATE ALL (randomized phase III; NCT01564784): complete remission / response (CR)
    rate 80.7% vs 29.4% with chemotherapy

so that an English query meets a result reported in any language. The figures appear as the paper
writes them ("87. 5", "12,4", "%16") as well as in canonical form, so that a query quoting a
number finds it. The hit search returns for a card is the record's evidence sentence, as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.model.records import OutcomeRecord
from kb.vocab import concept

_STATISTIC = {
    "rate": "rate",
    "median": "median",
    "count": "number",
    "hazard_ratio": "hazard ratio",
    "odds_ratio": "odds ratio",
    "mean": "mean",
}


def _vocab(kind: str, ident: str | None) -> dict[str, object]:
    if not ident:
        return {}
    try:
        found = concept(kind, ident)
    except KeyError:
        return {}
    return {"label": found.label, **found.extra}


def number(value: float) -> str:
    """A figure without a useless ".0"."""
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"


def as_written(value: float, text: str) -> str | None:
    """How `value` is written in `text` ("87. 5", "12,4"), or None if it is not there."""
    whole, _, fraction = number(value).partition(".")
    pattern = re.escape(whole) + (rf"\s?[.,·]\s?{fraction}" if fraction else "")
    match = re.search(rf"(?<![\d.,]){pattern}(?![\d]|[.,]\d)", text)
    return match.group(0) if match else None


def _figure(value: float | None, unit: str, evidence: str) -> str:
    if value is None:
        return ""
    canonical = number(value)
    written = as_written(value, evidence)
    shown = canonical if written in (None, canonical) else f"{written} ({canonical})"
    if unit == "%":
        return f"{shown}%"
    return f"{shown} {unit}" if unit not in ("ratio", "n") else shown


def _time(months: float | None) -> str:
    if months is None:
        return ""
    if months >= 12 and months % 12 == 0:
        years = int(months // 12)
        return f"at {years} year{'s' if years > 1 else ''}"
    return f"at {number(months)} months"


def _interventions(record: OutcomeRecord) -> str:
    parts = []
    for item in record.interventions:
        info = _vocab("interventions", item.id)
        drug_class = str(info.get("drug_class") or "")
        detail = [drug_class] if drug_class and drug_class != item.label else []
        detail += [str(a) for a in info.get("antigens") or []]  # type: ignore[union-attr]
        parts.append(f"{item.label} ({'; '.join(detail)})" if detail else item.label)
    if not parts and record.arm:
        parts.append(record.arm)
    return " + ".join(parts) or "treatment"


def _setting(record: OutcomeRecord) -> str:
    disease = record.disease.label if record.disease is not None else ""
    words = [w for w in (record.population, record.line_of_therapy) if w and w not in disease]
    if record.disease is not None:
        info = _vocab("diseases", record.disease.id)
        short = info.get("short")
        words.append(f"{record.disease.label} ({short})" if short else record.disease.label)
    return " ".join(words)


def _study(record: OutcomeRecord) -> str:
    study = record.study
    label = "the authors' own cohort" if study.is_primary else study.label
    # an own study named after a trial keeps its name; one named after the paper ("Vavilova et al.
    # 2023 cohort", "this paper's phase II") is the authors' own cohort
    named_after_paper = study.label.endswith(("cohort", "(own cohort)")) or study.label.startswith(
        "this paper's"
    )
    if study.is_primary and study.label and not named_after_paper:
        label = f"{study.label}, the authors' own study"
    detail = [d for d in (study.design, *study.registry_ids) if d]
    return f"{label} ({'; '.join(detail)})" if detail else label


def card(record: OutcomeRecord, others: Sequence[OutcomeRecord] = ()) -> str:
    """The English card of `record`; `others` are the records it is compared with."""
    endpoint = _vocab("endpoints", record.endpoint)
    name = str(endpoint.get("label") or record.endpoint)
    what = f"{name} ({record.endpoint.replace('_', ' ')})"
    if record.event:
        what += f": {record.event}"
    if record.grade:
        what += f", grade {record.grade}"
    statistic = _STATISTIC.get(record.statistic, record.statistic)
    figure = "not reached" if record.not_reached else _figure(record.value, record.unit, record.evidence.text)
    result = " ".join(w for w in (what, _time(record.time_months), statistic, figure) if w)
    if record.ci_low is not None and record.ci_high is not None:
        result += f" (95% CI {number(record.ci_low)}-{number(record.ci_high)})"
    if record.n is not None:
        result += f" in {record.n} patients"
    if record.arm and record.interventions:
        result += f", arm {record.arm}"
    for other in others:
        figure = "not reached" if other.not_reached else _figure(other.value, other.unit, other.evidence.text)
        result += (
            f" vs {figure} with {_interventions(other) if other.interventions else other.arm or 'comparator'}"
        )
    if record.p_value is not None:
        result += f", p {record.p_operator or '='} {number(record.p_value)}"
    if record.hazard_ratio is not None:
        result += f", hazard ratio {number(record.hazard_ratio)}"
    comparators = [o for o in others if o.interventions]
    head = _interventions(record)
    if comparators:
        head += " versus " + " and ".join(", ".join(i.label for i in o.interventions) for o in comparators)
    setting = _setting(record)
    return f"{head}{' in ' + setting if setting else ''}, {_study(record)}: {result}"


def cards(records: Sequence[OutcomeRecord]) -> list[str]:
    """The card of each record, comparisons read from the records' shared `comparison` ids."""
    groups: dict[str, list[OutcomeRecord]] = {}
    for record in records:
        if record.comparison:
            groups.setdefault(record.comparison, []).append(record)
    return [
        card(r, [o for o in groups.get(r.comparison or "", []) if o.id != r.id] if r.comparison else [])
        for r in records
    ]
