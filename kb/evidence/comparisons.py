"""Comparison rows: one comparison of two arms per row, as RevMan and a meta-analysis take them.

GET /compare?layout=comparisons. Where kb/evidence/compare.py lays results out one study arm per row, this
pairs the records of one comparison (the records sharing a `comparison` id, for one endpoint,
statistic, time point, event and grade): the experimental arm and the control arm side by side,
each with its own label, n, events, value and CI; the effect the paper reports (hazard or odds
ratio with its CI, and the p-value); and, where both arms give events and totals, the risk ratio,
odds ratio and risk difference with 95% CIs computed by statsmodels (marked as computed, with the
method). A comparison of three arms gives one row per experimental arm against the control.

Which arm is the control: the one a reader would call so. An arm whose interventions are all part
of the other arm's ("lenalidomide + dexamethasone" against "daratumumab + lenalidomide +
dexamethasone"), or named as a placebo, standard or control arm, is the control; otherwise the arm
stated second (the paper's "A vs B") is.

Every row carries its evidence level (EVIDENCE_LEVELS, from the stated design), whether it comes
from the study's own report or from a paper citing it, and the links of its sources (DOI, registry).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from kb.evidence.compare import Column, follow_up_text, months_label, number, review_status, value_text
from kb.exports.citations import Bibliographic
from kb.model.endpoints import ENDPOINTS
from kb.model.records import OutcomeRecord, PaperRef, StudyRef

# Evidence levels, strongest first, and how a stated design maps to one (first match wins).
EVIDENCE_LEVELS: tuple[str, ...] = (
    "randomised phase III",
    "randomised phase II",
    "randomised trial, other phase",
    "single-arm trial",
    "trial, randomisation not stated",
    "prospective cohort",
    "retrospective cohort",
    "case series",
    "case report",
    "design not stated",
)
_LEVEL_RULES: tuple[tuple[str, str], ...] = (
    (r"case report", "case report"),
    (r"case series", "case series"),
    (r"retrospective", "retrospective cohort"),
    (r"prospective|registry|expanded[- ]access", "prospective cohort"),
    (r"randomi[sz]ed.*phase (?:iii|3)\b", "randomised phase III"),
    (r"randomi[sz]ed.*phase (?:ii|2)\b(?!/)", "randomised phase II"),
    (r"randomi[sz]ed", "randomised trial, other phase"),
    (r"single[- ]arm", "single-arm trial"),
    (r"phase", "trial, randomisation not stated"),
)
# Words naming a control arm. Chemotherapy is the usual comparator of an immunotherapy in this field;
# "no X" is the arm without the intervention studied.
_CONTROL_WORDS = re.compile(
    r"placebo|control|standard|comparator|observation|best supportive|investigator'?s choice|\bsoc\b"
    r"|chemotherapy|\bno\b|\bwithout\b",
    re.IGNORECASE,
)
_STATISTICS = ("rate", "median", "mean", "count")


def evidence_level(design: str | None) -> str:
    """The evidence level of a stated design (EVIDENCE_LEVELS); "design not stated" without one."""
    text = (design or "").lower()
    for pattern, level in _LEVEL_RULES:
        if re.search(pattern, text):
            return level
    return EVIDENCE_LEVELS[-1]


class ArmResult(BaseModel):
    """One arm's side of a comparison."""

    label: str | None = Field(description="The arm as named (null: not named).")
    n: int | None = Field(default=None, description="Patients of this arm the result is stated for.")
    events: int | None = Field(default=None, description="Patients with the event, when stated.")
    value: float | None = None
    unit: str | None = None
    not_reached: bool = False
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    text: str = Field(description="The value as shown: '36.4 mo (95% CI 30 to 42)'.")
    record: str = Field(description="Id of the outcome record.")
    review: str = Field(
        default="unreviewed", description="The record's review status (kb/evidence/reviews.py)."
    )


class Effect(BaseModel):
    """An effect measure of the comparison, reported by the paper or computed from the arms."""

    measure: Literal["hazard ratio", "odds ratio", "risk ratio", "risk difference"]
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    computed: bool = Field(description="Computed here from the arms' events and totals, not read.")
    method: str | None = Field(default=None, description="How a computed effect and its CI were computed.")
    records: list[str] = Field(default_factory=list, description="Records it was read or computed from.")


class ComparisonRow(BaseModel):
    paper: PaperRef
    study: StudyRef
    evidence_level: str = Field(
        description="From the stated design (kb/evidence/comparisons.py EVIDENCE_LEVELS)."
    )
    report: Literal["own report", "secondary report"] = Field(
        description="own report: the paper reports its own study; secondary: a paper citing the study."
    )
    endpoint: str
    statistic: str
    time_months: float | None = None
    qualifier: str | None = Field(default=None, description="Grade or adverse event of the result.")
    experimental: ArmResult
    control: ArmResult
    reported: list[Effect] = Field(
        default_factory=list, description="Hazard or odds ratios the paper states."
    )
    p_value: float | None = None
    p_operator: str | None = None
    computed: list[Effect] = Field(
        default_factory=list, description="Risk ratio, odds ratio, risk difference."
    )
    doi: str | None = None
    pmid: str | None = None


# (key, title, description) of the flat columns, in order.
PAIR_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("study", "study", "Trial or cohort, as the paper names it."),
    ("design", "design", "Study design as stated."),
    ("evidence_level", "evidence level", "From the stated design: " + "; ".join(EVIDENCE_LEVELS) + "."),
    ("report", "report", "own report, or secondary report (a paper citing the study)."),
    ("endpoint", "endpoint", "Endpoint code (CONTRACT.md)."),
    ("statistic", "statistic", "rate, median, mean or count."),
    ("time", "time point", "Landmark of a rate, e.g. 2 y."),
    ("follow_up", "follow-up", "The study's follow-up where the paper states it, e.g. median 29.4 mo."),
    ("experimental", "experimental arm", "The experimental arm, as named."),
    ("experimental_n", "experimental n", "Patients of the experimental arm."),
    ("experimental_events", "experimental events", "Patients with the event, experimental arm."),
    ("experimental_value", "experimental value", "The experimental arm's result, with its CI."),
    ("control", "control arm", "The control arm, as named."),
    ("control_n", "control n", "Patients of the control arm."),
    ("control_events", "control events", "Patients with the event, control arm."),
    ("control_value", "control value", "The control arm's result, with its CI."),
    ("reported_effect", "reported effect", "Hazard or odds ratio the paper states, with its CI."),
    ("p", "p", "The comparison's p-value as stated."),
    ("risk_ratio", "risk ratio (computed)", "Computed from events and totals by statsmodels."),
    ("odds_ratio", "odds ratio (computed)", "Computed from events and totals by statsmodels."),
    ("risk_difference", "risk difference (computed)", "Computed from events and totals by statsmodels."),
    ("registry", "registry", "Registry ids of the study (ClinicalTrials.gov)."),
    ("doi", "DOI", "DOI of the paper."),
    ("pmid", "PMID", "PubMed id of the paper."),
    ("paper", "paper", "File of the paper reporting the results."),
    ("language", "language", "Language of the paper."),
    ("review", "review", "Review status of the experimental and the control arm's records."),
    ("records", "records", "Ids of the outcome records of the row."),
)
LINKED_COLUMNS = {
    "registry": "https://clinicaltrials.gov/study/",
    "doi": "https://doi.org/",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/",
}


class ComparisonRows(BaseModel):
    """The comparisons among the records matching `filters`, one per row, strongest evidence first."""

    layout: Literal["comparisons"] = "comparisons"
    filters: dict[str, str | int | float] = Field(default_factory=dict)
    total_rows: int | None = None
    offset: int = 0
    columns: list[Column]
    rows: list[ComparisonRow]
    papers: list[PaperRef]

    def text_rows(self) -> list[list[str]]:
        return [[_row_texts(row)[c.key] for c in self.columns] for row in self.rows]

    def record_ids(self) -> set[str]:
        return {i for row in self.rows for i in (row.experimental.record, row.control.record)}


def _effect_text(effect: Effect) -> str:
    text = number(round(effect.value, 3))
    if effect.ci_low is not None and effect.ci_high is not None:
        level = f"{number((effect.ci_level or 0.95) * 100)}% CI "
        text += f" ({level}{number(round(effect.ci_low, 3))} to {number(round(effect.ci_high, 3))})"
    return text


def _row_texts(row: ComparisonRow) -> dict[str, str]:
    computed = {e.measure: _effect_text(e) for e in row.computed}
    reported = "; ".join(
        f"{'HR' if e.measure == 'hazard ratio' else 'OR'} {_effect_text(e)}" for e in row.reported
    )
    p = ""
    if row.p_value is not None:
        p = f"p {row.p_operator or '='} {number(row.p_value)}"
    texts = {
        "study": row.study.label,
        "design": row.study.design or "",
        "evidence_level": row.evidence_level,
        "report": row.report,
        "endpoint": row.endpoint,
        "statistic": row.statistic,
        "time": months_label(row.time_months) if row.time_months is not None else "",
        "follow_up": follow_up_text(row.study.follow_up),
        "registry": "; ".join(row.study.registry_ids),
        "doi": row.doi or "",
        "pmid": row.pmid or "",
        "paper": row.paper.file,
        "language": row.paper.language or "",
        "records": "; ".join([row.experimental.record, row.control.record]),
        "review": f"experimental {row.experimental.review}; control {row.control.review}",
        "reported_effect": reported,
        "p": p,
        "risk_ratio": computed.get("risk ratio", ""),
        "odds_ratio": computed.get("odds ratio", ""),
        "risk_difference": computed.get("risk difference", ""),
    }
    for side, arm in (("experimental", row.experimental), ("control", row.control)):
        texts[side] = arm.label or ""
        texts[f"{side}_n"] = "" if arm.n is None else str(arm.n)
        texts[f"{side}_events"] = "" if arm.events is None else str(arm.events)
        texts[f"{side}_value"] = arm.text
    return texts


def _arm(record: OutcomeRecord) -> ArmResult:
    return ArmResult(
        label=record.arm,
        n=record.n,
        events=record.count if record.statistic != "count" or record.value is None else int(record.value),
        value=record.value,
        unit=record.unit,
        not_reached=record.not_reached,
        ci_low=record.ci_low,
        ci_high=record.ci_high,
        ci_level=record.ci_level,
        text=value_text(record),
        record=record.id,
        review=review_status(record),
    )


def _label_drugs(record: OutcomeRecord) -> frozenset[str]:
    """The parts of an arm label such as "daratumumab + lenalidomide + dexamethasone"."""
    return frozenset(p.strip().casefold() for p in (record.arm or "").split("+") if p.strip())


def _control_score(record: OutcomeRecord, others: Sequence[OutcomeRecord]) -> int:
    """How much `record` reads as the control arm against `others`."""
    score = 0
    own = {i.id for i in record.interventions}
    if own and any(own < {i.id for i in other.interventions} for other in others):
        score += 2  # its interventions are a part of another arm's: the add-on trial's control
    elif _label_drugs(record) and any(_label_drugs(record) < _label_drugs(other) for other in others):
        score += 2  # the same read from the arm labels (a reviewer's correction names the arm only)
    if _CONTROL_WORDS.search(" ".join(filter(None, (record.arm, record.arm_text)))):
        score += 2
    if any(i.id == "placebo" for i in record.interventions):
        score += 2
    return score


def _split_arms(records: Sequence[OutcomeRecord]) -> tuple[list[OutcomeRecord], OutcomeRecord] | None:
    """(experimental arms, control arm) of one comparison's records, or None without two arms."""
    arms: dict[str, OutcomeRecord] = {}
    for record in sorted(records, key=lambda r: (r.evidence.char_start, r.id)):
        arms.setdefault((record.arm or "").casefold(), record)  # one record per arm: its first statement
    if len(arms) < 2:
        return None
    ordered = list(arms.values())
    scores = [(_control_score(r, [o for o in ordered if o is not r]), i) for i, r in enumerate(ordered)]
    control = ordered[max(scores)[1]]  # ties: the arm stated last, as in "A vs B"
    return [r for r in ordered if r is not control], control


def computed_effects(experimental: ArmResult, control: ArmResult) -> list[Effect]:
    """Risk ratio, odds ratio and risk difference (experimental vs control) with 95% CIs, by
    statsmodels, when both arms give events and totals; [] otherwise."""
    sides = (experimental.events, experimental.n, control.events, control.n)
    if any(v is None for v in sides):
        return []
    e1, n1, e2, n2 = (int(v) for v in sides)  # type: ignore[arg-type]
    if not (n1 > 0 and n2 > 0 and 0 <= e1 <= n1 and 0 <= e2 <= n2):
        return []
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

    records = [experimental.record, control.record]
    effects = []
    for measure, compare, point, method in (
        ("risk ratio", "ratio", "ratio", "log-adjusted"),
        ("odds ratio", "odds-ratio", "odds_ratio", "logit-adjusted"),
        ("risk difference", "diff", "diff", "newcomb"),
    ):
        try:
            with warnings.catch_warnings():  # a zero cell: an infinite estimate, dropped below
                warnings.simplefilter("ignore", RuntimeWarning)
                estimate = float(getattr(test_proportions_2indep(e1, n1, e2, n2, compare=compare), point))
                low, high = confint_proportions_2indep(
                    e1, n1, e2, n2, compare=compare, method=method, alpha=0.05
                )
        except (ZeroDivisionError, ValueError, FloatingPointError):
            continue
        if not all(map(_finite, (estimate, low, high))):
            continue
        effects.append(
            Effect(
                measure=measure,  # type: ignore[arg-type]
                value=estimate,
                ci_low=float(low),
                ci_high=float(high),
                ci_level=0.95,
                computed=True,
                method=f"statsmodels confint_proportions_2indep, {method}",
                records=records,
            )
        )
    return effects


def _finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")


def _reported(group: Sequence[OutcomeRecord], ratios: Sequence[OutcomeRecord]) -> list[Effect]:
    effects: list[Effect] = []
    for record in ratios:
        if record.value is None:
            continue
        measure = "hazard ratio" if record.statistic == "hazard_ratio" else "odds ratio"
        effects.append(
            Effect(
                measure=measure,  # type: ignore[arg-type]
                value=record.value,
                ci_low=record.ci_low,
                ci_high=record.ci_high,
                ci_level=record.ci_level,
                computed=False,
                records=[record.id],
            )
        )
    if not effects:  # a hazard ratio carried by the arms' records, without a record of its own
        carried = next((r for r in group if r.hazard_ratio is not None), None)
        if carried is not None and carried.hazard_ratio is not None:
            effects.append(
                Effect(
                    measure="hazard ratio", value=carried.hazard_ratio, computed=False, records=[carried.id]
                )
            )
    return effects


def build_comparison_rows(
    records: Sequence[OutcomeRecord],
    filters: Mapping[str, str | int | float] | None = None,
    *,
    details: Mapping[str, Bibliographic] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> ComparisonRows:
    """The comparisons among `records`, one per row: strongest evidence first, then paper order."""
    groups: dict[tuple[object, ...], list[OutcomeRecord]] = {}
    ratios: dict[tuple[str, str], list[OutcomeRecord]] = {}
    for record in records:
        if record.comparison is None:
            continue
        if record.statistic in ("hazard_ratio", "odds_ratio"):
            ratios.setdefault((record.comparison, record.endpoint), []).append(record)
            continue
        key = (
            record.comparison,
            record.endpoint,
            record.statistic,
            record.time_months,
            record.event,
            record.grade,
        )
        groups.setdefault(key, []).append(record)
    rows: list[ComparisonRow] = []
    for (comparison, endpoint, statistic, time_months, event, grade), group in groups.items():
        split = _split_arms(group)
        if split is None:
            continue
        experimental_arms, control = split
        first = group[0]
        p_record = next((r for r in group if r.p_value is not None), None)
        reported = _reported(group, ratios.get((str(comparison), str(endpoint)), []))
        bibliographic = (details or {}).get(first.paper.id, Bibliographic())
        for experimental in experimental_arms:
            pair = (_arm(experimental), _arm(control))
            rows.append(
                ComparisonRow(
                    paper=first.paper,
                    study=first.study,
                    evidence_level=evidence_level(first.study.design),
                    report="own report" if first.study.is_primary else "secondary report",
                    endpoint=str(endpoint),
                    statistic=str(statistic),
                    time_months=time_months,  # type: ignore[arg-type]
                    qualifier=" ".join(str(q) for q in (event, f"grade {grade}" if grade else None) if q)
                    or None,
                    experimental=pair[0],
                    control=pair[1],
                    reported=reported,
                    p_value=p_record.p_value if p_record else None,
                    p_operator=p_record.p_operator if p_record else None,
                    computed=computed_effects(*pair),
                    doi=bibliographic.doi,
                    pmid=bibliographic.pmid,
                )
            )
    ranks = {code: i for i, code in enumerate(ENDPOINTS)}
    rows.sort(
        key=lambda r: (
            EVIDENCE_LEVELS.index(r.evidence_level),
            r.report != "own report",
            r.paper.file,
            r.study.label,
            ranks.get(r.endpoint, len(ranks)),
            _STATISTICS.index(r.statistic) if r.statistic in _STATISTICS else len(_STATISTICS),
            r.time_months if r.time_months is not None else -1,
            r.experimental.record,
        )
    )
    total = len(rows)
    shown = rows[offset : None if limit is None else offset + limit]
    papers = list({r.paper.id: r.paper for r in shown}.values())
    columns = [Column(key=k, title=t, kind="row", description=d) for k, t, d in PAIR_COLUMNS]
    return ComparisonRows(
        filters=dict(filters or {}),
        total_rows=total,
        offset=offset,
        columns=columns,
        rows=shown,
        papers=papers,
    )


__all__ = [
    "EVIDENCE_LEVELS",
    "ArmResult",
    "ComparisonRow",
    "ComparisonRows",
    "Effect",
    "build_comparison_rows",
    "computed_effects",
    "evidence_level",
]
