"""Comparison tables: one row per study arm, one column per endpoint and time point.

Like an ORKG comparison or a Cochrane summary-of-findings table, built from outcome records:

- a row is one arm (or the whole cohort) of one study as reported in one paper, with its
  interventions, setting, n, the arms it is compared with, the paper and its language;
- a value column is one endpoint x statistic x time point (x grade or adverse event), its cells
  "value (CI low to high)" or "value ± se", with event counts when the paper gives them;
- a p column follows a value column when any of its results carries a p-value or hazard ratio.

Everything here is plain data; kb/render.py writes it as CSV, XLSX, Markdown, HTML, JSON, CSVW.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from kb.endpoints import ENDPOINTS
from kb.records import OutcomeRecord, PaperRef, StudyRef

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


class ComparisonTable(BaseModel):
    """The comparison of the records matching `filters`."""

    filters: dict[str, str | int] = Field(default_factory=dict)
    columns: list[Column]
    rows: list[Row]
    papers: list[PaperRef] = Field(description="The papers behind the rows (the table's sources).")

    def value_columns(self) -> list[Column]:
        return [c for c in self.columns if c.kind != "row"]

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
    ("registry", "registry", "Registry ids of the study (ClinicalTrials.gov)."),
    ("role", "role", "own: the paper's own study; cited: a study the paper cites."),
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
    qualifier = record.event or (f"grade {record.grade}" if record.grade else None)
    statistic = record.statistic.replace("_", " ")
    title = record.endpoint + (f" ({qualifier})" if qualifier else "") + f" {statistic}"
    key = f"{record.endpoint}_{record.statistic}"
    if record.time_months is not None:
        title += f" at {months_label(record.time_months)}"
        key += f"_{number(record.time_months).replace('.', '_')}mo"
    if qualifier:
        key += f"_{_slug(qualifier) or 'q'}"
    description = f"{ENDPOINTS.get(record.endpoint, record.endpoint)}, {statistic}"
    if record.time_months is not None:
        description += f" at {months_label(record.time_months)}"
    if qualifier:
        description += f"; {qualifier}"
    return Column(
        key=key,
        title=title,
        kind="value",
        endpoint=record.endpoint,
        statistic=record.statistic,
        time_months=record.time_months,
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


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def build_comparison(
    records: Sequence[OutcomeRecord], filters: dict[str, str | int] | None = None
) -> ComparisonTable:
    """The comparison table of `records` (in their order: rows keep the order of first results)."""
    columns: dict[str, Column] = {}
    groups: dict[tuple[str, str, str | None], list[OutcomeRecord]] = {}
    by_comparison: dict[tuple[str, str], list[OutcomeRecord]] = {}
    for record in records:
        column = column_for(record)
        columns.setdefault(column.key, column)
        groups.setdefault((record.paper.id, record.study.id, record.arm), []).append(record)
        if record.comparison is not None:
            by_comparison.setdefault((record.paper.id, record.comparison), []).append(record)

    position = {record.id: index for index, record in enumerate(records)}
    study_first: dict[tuple[str, str], int] = {}
    for index, record in enumerate(records):
        study_first.setdefault((record.paper.id, record.study.id), index)
    rows = []
    order = []
    for (paper_id, study_id, arm), members in groups.items():
        first = position[members[0].id]
        order.append((members[0].paper.file, study_first[(paper_id, study_id)], first))
        rows.append(_row(members, arm, by_comparison))
    rows = [row for _, row in sorted(zip(order, rows, strict=True), key=lambda pair: pair[0])]

    value_columns = sorted(columns.values(), key=_column_order)
    has_p = {key for row in rows for key, cell in row.cells.items() if cell.p_text}
    table_columns = [
        Column(key=key, title=title, kind="row", description=d) for key, title, d in LEAD_COLUMNS
    ]
    for column in value_columns:
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
    papers = list({r.paper.id: r.paper for r in records}.values())
    return ComparisonTable(filters=dict(filters or {}), columns=table_columns, rows=rows, papers=papers)


def _row(
    members: list[OutcomeRecord],
    arm: str | None,
    by_comparison: dict[tuple[str, str], list[OutcomeRecord]],
) -> Row:
    first = members[0]
    ns = sorted({r.n for r in members if r.n is not None})
    comparators = []
    for record in members:
        if record.comparison is None:
            continue
        for other in by_comparison[(record.paper.id, record.comparison)]:
            if other.arm != arm or other.study.id != record.study.id:
                comparators.append(other.arm or other.study.label)
    cells: dict[str, list[OutcomeRecord]] = {}
    for record in members:
        cells.setdefault(column_for(record).key, []).append(record)
    return Row(
        paper=first.paper,
        study=first.study,
        arm=arm,
        interventions=_unique(i.label for r in members for i in r.interventions),
        antigens=_unique(a for r in members for a in r.antigens),
        diseases=_unique(r.disease.label if r.disease else None for r in members),
        lines_of_therapy=_unique(r.line_of_therapy for r in members),
        populations=_unique(r.population for r in members),
        n=ns,
        comparators=_unique(comparators),
        cells={key: _cell(found, several_n=len(ns) > 1) for key, found in cells.items()},
    )


def _cell(records: list[OutcomeRecord], several_n: bool) -> Cell:
    texts = []
    for record in records:
        text = value_text(record)
        if several_n and record.n is not None:
            text += f" [n={record.n}]"
        texts.append(text)
    first = records[0]
    one = len(records) == 1
    return Cell(
        text="; ".join(texts),
        p_text="; ".join(t for t in dict.fromkeys(p_text(r) for r in records) if t),
        value=first.value if one else None,
        unit=first.unit,
        not_reached=first.not_reached if one else False,
        ci_low=first.ci_low if one else None,
        ci_high=first.ci_high if one else None,
        ci_level=first.ci_level if one else None,
        pm=first.pm if one else None,
        n=first.n if one else None,
        count=first.count if one else None,
        p_value=first.p_value if one else None,
        p_operator=first.p_operator if one else None,
        hazard_ratio=first.hazard_ratio if one else None,
        records=[r.id for r in records],
    )
