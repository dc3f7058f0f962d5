"""Comparison tables: one row per study arm, one column per endpoint and time point.

Like an ORKG comparison or a Cochrane summary-of-findings table, built from outcome records:

- a row is one arm (or the whole cohort) of one study as reported in one paper, with its
  interventions, setting, n, the arms it is compared with, the paper and its language;
- a value column is one endpoint x statistic x time point (x grade or adverse event), its cells
  "value (CI low to high)" or "value ± se", with event counts when the paper gives them;
- a p column follows a value column when any of its results carries a p-value or hazard ratio.

Everything here is plain data; kb/exports/render.py writes it as CSV, XLSX, Markdown, HTML, JSON, CSVW.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field

from kb.model.endpoints import ENDPOINTS
from kb.model.records import FollowUp, OutcomeRecord, PaperRef, StudyRef

_STATISTICS = ("rate", "median", "mean", "count", "hazard_ratio", "odds_ratio")
_UNITS = {"%": "%", "months": " mo", "years": " y", "days": " d", "ratio": "", "n": ""}
WHOLE_COHORT = "whole cohort"


def number(value: float) -> str:
    """A number as a person writes it: 45.0 -> "45", 80.70 -> "80.7", 1e-06 -> "0.000001"."""
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def months_label(months: float) -> str:
    """A time point: whole years as years ("3 y"), anything else in months ("3.3 mo")."""
    if months >= 12 and months % 12 == 0:
        return f"{number(months / 12)} y"
    return f"{number(months)} mo"


class Column(BaseModel):
    """One column of the table: a row attribute, a result (endpoint x statistic x time), or its p."""

    key: str = Field(description="Machine name, unique in the table (also the CSVW column name).")
    title: str = Field(description="Header as shown in CSV, XLSX, Markdown and HTML.")
    kind: Literal["row", "value", "p"]
    endpoint: str | None = None
    statistic: str | None = None
    time_months: float | None = None
    qualifier: str | None = Field(default=None, description="Grade or adverse event the column is about.")
    description: str = ""


class Cell(BaseModel):
    """The results of one row in one value column (usually one) with the text shown for them."""

    text: str
    p_text: str = ""
    value: float | None = None
    unit: str | None = None
    not_reached: bool = False
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    pm: float | None = None
    n: int | None = None
    count: int | None = None
    p_value: float | None = None
    p_operator: str | None = None
    hazard_ratio: float | None = None
    records: list[str] = Field(description="Ids of the outcome records behind the cell.")


class Row(BaseModel):
    paper: PaperRef
    study: StudyRef
    arm: str | None = Field(description="Arm or subgroup as the paper names it; null: the whole cohort.")
    interventions: list[str]
    antigens: list[str]
    diseases: list[str]
    lines_of_therapy: list[str]
    populations: list[str]
    n: list[int] = Field(description="Sample sizes stated for the arm's results (usually one).")
    comparators: list[str] = Field(description="Arms this arm is compared with (same comparison id).")
    cells: dict[str, Cell] = Field(description="Value-column key -> cell; absent: no result.")
    review: str = Field(
        default="unreviewed",
        description="Review status of the row's records (kb/evidence/reviews.py): one status, or counts"
        " by status.",
    )


class ComparisonTable(BaseModel):
    """The comparison of the records matching `filters`."""

    filters: dict[str, str | int | float] = Field(default_factory=dict)
    total_rows: int | None = Field(
        default=None, description="Rows of the whole table; `rows` are rows offset..offset+len(rows) of it."
    )
    offset: int = Field(default=0, description="Rows of the whole table before `rows`.")
    columns: list[Column] = Field(description="The whole table's columns (every page has them all).")
    rows: list[Row]
    papers: list[PaperRef] = Field(description="The papers behind the rows (the table's sources).")

    def text_rows(self) -> list[list[str]]:
        """Every row as the strings of every column, in column order (for CSV, XLSX, Markdown)."""
        out = []
        for row in self.rows:
            fixed = _row_texts(row)
            texts = []
            for column in self.columns:
                if column.kind == "row":
                    texts.append(fixed[column.key])
                else:
                    cell = row.cells.get(column.key.removesuffix("_p"))
                    texts.append("" if cell is None else (cell.p_text if column.kind == "p" else cell.text))
            out.append(texts)
        return out


# Row attributes: the ones that identify the arm lead, the results follow, the context trails.
LEAD_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("study", "study", "Trial or cohort, as the paper names it (never a name the paper does not give)."),
    ("arm", "arm", "Arm or subgroup, as the paper names it; 'whole cohort' when none."),
    ("n", "n", "Number of patients the arm's results are stated for."),
    ("comparator", "comparator", "Arms this arm is compared with."),
)
TRAIL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("interventions", "interventions", "Interventions of the arm."),
    ("antigens", "antigens", "Target antigens of the interventions."),
    ("disease", "disease", "Disease of the patients."),
    ("line_of_therapy", "line of therapy", "Line of therapy or disease setting."),
    ("population", "population", "Age group."),
    ("design", "design", "Study design as stated."),
    ("follow_up", "follow-up", "The study's follow-up where the paper states it, e.g. median 29.4 mo."),
    ("registry", "registry", "Registry ids of the study (ClinicalTrials.gov)."),
    ("role", "role", "own: the paper's own study; cited: a study the paper cites."),
    ("review", "review", "Review status of the row's records: one status, or counts by status."),
    ("paper", "paper", "File of the paper reporting the results."),
    ("language", "language", "Language of the paper (the evidence is in this language)."),
)
ROW_COLUMNS = LEAD_COLUMNS + TRAIL_COLUMNS


def _row_texts(row: Row) -> dict[str, str]:
    return {
        "study": row.study.label,
        "registry": ", ".join(row.study.registry_ids),
        "design": row.study.design or "",
        "role": "own" if row.study.is_primary else "cited",
        "arm": row.arm or WHOLE_COHORT,
        "interventions": " + ".join(row.interventions),
        "antigens": ", ".join(row.antigens),
        "disease": "; ".join(row.diseases),
        "line_of_therapy": "; ".join(row.lines_of_therapy),
        "population": "; ".join(row.populations),
        "n": ", ".join(str(n) for n in row.n),
        "comparator": "; ".join(row.comparators),
        "follow_up": follow_up_text(row.study.follow_up),
        "review": row.review,
        "paper": row.paper.file,
        "language": row.paper.language or "",
    }


# ------------------------------------------------------------------------------ cell texts


def value_text(record: OutcomeRecord) -> str:
    """Cell text: "48.9% (CI 23 to 70.6)", "45% ± 8", "NR", "HR 0.69 (CI 0.56 to 0.85)", "29.3% (12/41)"."""
    unit = _UNITS.get(record.unit, "")
    if record.not_reached:
        text = "NR"
    elif record.value is None:
        text = "not stated"
    else:
        text = number(record.value) + unit
    if record.statistic == "hazard_ratio":
        text = f"HR {text}"
    elif record.statistic == "odds_ratio":
        text = f"OR {text}"
    if record.ci_low is not None or record.ci_high is not None:
        level = f"{number(record.ci_level * 100)}% CI" if record.ci_level else "CI"
        low = "n/a" if record.ci_low is None else number(record.ci_low)
        high = "n/a" if record.ci_high is None else number(record.ci_high)
        text += f" ({level} {low} to {high})"
    if record.pm is not None:
        text += f" ± {number(record.pm)}"
    if record.count is not None and record.statistic != "count":
        text += f" ({record.count}/{record.n})" if record.n is not None else f" ({record.count} events)"
    return text


def p_text(record: OutcomeRecord) -> str:
    parts = []
    if record.hazard_ratio is not None and record.statistic != "hazard_ratio":
        parts.append(f"HR {number(record.hazard_ratio)}")
    if record.p_value is not None:
        parts.append(f"p{record.p_operator or '='}{number(record.p_value)}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------------- building


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def column_for(record: OutcomeRecord) -> Column:
    """The value column of a record's result (one shared instance per column: do not modify it)."""
    qualifier = record.event or (f"grade {record.grade}" if record.grade else None)
    return _column(record.endpoint, record.statistic, record.time_months, qualifier)


@lru_cache(maxsize=4096)  # a table of 1,000 papers has thousands of results but few columns
def _column(endpoint: str, statistic_code: str, time_months: float | None, qualifier: str | None) -> Column:
    statistic = statistic_code.replace("_", " ")
    title = endpoint + (f" ({qualifier})" if qualifier else "") + f" {statistic}"
    key = f"{endpoint}_{statistic_code}"
    if time_months is not None:
        title += f" at {months_label(time_months)}"
        key += f"_{number(time_months).replace('.', '_')}mo"
    if qualifier:
        key += f"_{_slug(qualifier) or 'q'}"
    description = f"{ENDPOINTS.get(endpoint, endpoint)}, {statistic}"
    if time_months is not None:
        description += f" at {months_label(time_months)}"
    if qualifier:
        description += f"; {qualifier}"
    return Column(
        key=key,
        title=title,
        kind="value",
        endpoint=endpoint,
        statistic=statistic_code,
        time_months=time_months,
        qualifier=qualifier,
        description=description,
    )


def _column_order(column: Column) -> tuple[object, ...]:
    endpoints = list(ENDPOINTS)
    return (
        endpoints.index(column.endpoint) if column.endpoint in endpoints else len(endpoints),
        _STATISTICS.index(column.statistic) if column.statistic in _STATISTICS else len(_STATISTICS),
        column.time_months is not None,
        column.time_months or 0.0,
        column.qualifier or "",
    )


def build_comparison(
    records: Sequence[OutcomeRecord],
    filters: dict[str, str | int | float] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> ComparisonTable:
    """The comparison table of `records` (in their order: rows keep the order of first results), or
    its rows offset..offset+limit: the columns are always the whole table's, and only the rows
    asked for are built (at 1,000 papers a table can have thousands of rows)."""
    columns: dict[str, Column] = {}
    groups: dict[tuple[str, str, str | None], list[OutcomeRecord]] = {}
    by_comparison: dict[tuple[str, str], list[OutcomeRecord]] = {}
    column_keys: dict[str, str] = {}
    has_p: set[str] = set()
    study_first: dict[tuple[str, str], int] = {}
    order: dict[tuple[str, str, str | None], tuple[str, int, int]] = {}
    for index, record in enumerate(records):
        column = column_for(record)
        columns.setdefault(column.key, column)
        column_keys[record.id] = column.key
        if p_text(record):
            has_p.add(column.key)
        study = study_first.setdefault((record.paper.id, record.study.id), index)
        group = (record.paper.id, record.study.id, record.arm)
        groups.setdefault(group, []).append(record)
        order.setdefault(group, (record.paper.file, study, index))
        if record.comparison is not None:
            by_comparison.setdefault((record.paper.id, record.comparison), []).append(record)
    ordered = sorted(groups, key=order.__getitem__)
    page = ordered[offset:] if limit is None else ordered[offset : offset + limit]
    rows = [_row(groups[group], group[2], by_comparison, column_keys) for group in page]

    table_columns = [
        Column(key=key, title=title, kind="row", description=d) for key, title, d in LEAD_COLUMNS
    ]
    for column in sorted(columns.values(), key=_column_order):
        table_columns.append(column)
        if column.key in has_p:
            table_columns.append(
                column.model_copy(
                    update={
                        "key": column.key + "_p",
                        "title": column.title + ": p",
                        "kind": "p",
                        "description": f"p-value or hazard ratio of the comparison ({column.description})",
                    }
                )
            )
    table_columns += [
        Column(key=key, title=title, kind="row", description=d) for key, title, d in TRAIL_COLUMNS
    ]
    shown = {record.id for group in page for record in groups[group]}
    papers = list({r.paper.id: r.paper for r in records if r.id in shown}.values())
    return ComparisonTable.model_validate(
        {
            "filters": dict(filters or {}),
            "total_rows": len(ordered),
            "offset": offset,
            "columns": table_columns,
            "rows": rows,
            "papers": papers,
        }
    )


def _row(
    members: list[OutcomeRecord],
    arm: str | None,
    by_comparison: dict[tuple[str, str], list[OutcomeRecord]],
    column_keys: dict[str, str],
) -> dict[str, object]:
    # One pass over the members: at 1,000 papers a table has thousands of rows (built per request).
    first = members[0]
    interventions: dict[str, None] = {}
    antigens: dict[str, None] = {}
    diseases: dict[str, None] = {}
    lines: dict[str, None] = {}
    populations: dict[str, None] = {}
    comparators: dict[str, None] = {}
    ns: set[int] = set()
    cells: dict[str, list[OutcomeRecord]] = {}
    for record in members:
        for intervention in record.interventions:
            if intervention.label:
                interventions[intervention.label] = None
        for antigen in record.antigens:
            if antigen:
                antigens[antigen] = None
        if record.disease is not None and record.disease.label:
            diseases[record.disease.label] = None
        if record.line_of_therapy:
            lines[record.line_of_therapy] = None
        if record.population:
            populations[record.population] = None
        if record.n is not None:
            ns.add(record.n)
        if record.comparison is not None:
            for other in by_comparison[(record.paper.id, record.comparison)]:
                if other.arm != arm or other.study.id != record.study.id:
                    name = other.arm or other.study.label
                    if name:
                        comparators[name] = None
        cells.setdefault(column_keys[record.id], []).append(record)
    several_n = len(ns) > 1
    # A dict: the table is validated once, in pydantic-core, instead of a model per row and cell.
    return {
        "paper": first.paper,
        "study": first.study,
        "arm": arm,
        "interventions": list(interventions),
        "antigens": list(antigens),
        "diseases": list(diseases),
        "lines_of_therapy": list(lines),
        "populations": list(populations),
        "n": sorted(ns),
        "comparators": list(comparators),
        "cells": {key: _cell(found, several_n) for key, found in cells.items()},
        "review": review_summary(members),
    }


def review_status(record: OutcomeRecord) -> str:
    return record.review.status if record.review is not None else "unreviewed"


def review_summary(records: Sequence[OutcomeRecord]) -> str:
    """'unreviewed', 'corrected', or 'corrected 1, unreviewed 3' for records of several statuses."""
    counts = Counter(review_status(record) for record in records)
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))


def follow_up_text(follow_up: FollowUp | None) -> str:
    """'median 29.4 mo', '2 y'; '' when the paper does not state the study's follow-up."""
    if follow_up is None:
        return ""
    return ("median " if follow_up.median else "") + months_label(follow_up.months)


def _cell(records: list[OutcomeRecord], several_n: bool) -> dict[str, object]:
    texts = []
    for record in records:
        text = value_text(record)
        if several_n and record.n is not None:
            text += f" [n={record.n}]"
        texts.append(text)
    first = records[0]
    one = len(records) == 1
    return {
        "text": "; ".join(texts),
        "p_text": "; ".join(t for t in dict.fromkeys(p_text(r) for r in records) if t),
        "value": first.value if one else None,
        "unit": first.unit,
        "not_reached": first.not_reached if one else False,
        "ci_low": first.ci_low if one else None,
        "ci_high": first.ci_high if one else None,
        "ci_level": first.ci_level if one else None,
        "pm": first.pm if one else None,
        "n": first.n if one else None,
        "count": first.count if one else None,
        "p_value": first.p_value if one else None,
        "p_operator": first.p_operator if one else None,
        "hazard_ratio": first.hazard_ratio if one else None,
        "records": [r.id for r in records],
    }
