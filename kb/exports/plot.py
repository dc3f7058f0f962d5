"""Forest plots a reviewer can put in a report (matplotlib, Agg backend).

One endpoint and statistic per figure, one time point per panel (a 1-year and a 3-year rate are
never on one axis; a figure holds as many panels as there are time points). In a panel, results of
randomised trials and of single-arm trials and cohorts are drawn apart (kb/evidence/comparisons.py evidence
levels), each under its study's name, one line per arm: the value as a square (its area grows with
n when n is stated), the confidence interval as a solid line where the paper gives one, "± se" as a
dashed line, a median not reached as an arrow at the right edge; the cell text of the comparison
table on the right. Times are in months whatever unit the paper used; hazard and odds ratios are on a
log axis with a line at 1.

Labels are drawn as text in SVG (the browser renders every script with its own fonts); PNG falls
back glyph by glyph along _FONTS, which scripts/install-fonts (run by scripts/setup) provides for
Chinese and Japanese (WenQuanYi Zen Hei) besides Latin and Cyrillic (DejaVu Sans).
"""

from __future__ import annotations

import io
import logging
import math
import threading
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.errors import QueryRefused
from kb.evidence.compare import months_label, review_status, value_text
from kb.evidence.comparisons import evidence_level
from kb.model.endpoints import ENDPOINTS
from kb.model.records import OutcomeRecord

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_TO_MONTHS = {"months": 1.0, "years": 12.0, "days": 12 / 365.25}
_STATISTIC_ORDER = ("rate", "median", "hazard_ratio", "odds_ratio", "mean", "count")
FONTS = [
    "DejaVu Sans",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
]
MAX_ROWS = 200
_LOCK = threading.Lock()  # rcParams are global: one plot at a time
SECTIONS = ("Randomised trials", "Single-arm trials and cohorts")


def plottable(
    records: Sequence[OutcomeRecord], endpoint: str, statistic: str | None = None
) -> tuple[str, list]:
    """(statistic, records) to plot: one endpoint, one statistic (the commonest when not given)."""
    of_endpoint = [r for r in records if r.endpoint == endpoint]
    if not of_endpoint:
        present = sorted({r.endpoint for r in records}, key=list(ENDPOINTS).index)
        listing = ", ".join(present) if present else "none (no results match the filters)"
        raise QueryRefused(f"no {endpoint} results match these filters; endpoints with results: {listing}")
    if statistic is None:
        counts = Counter(r.statistic for r in of_endpoint)
        statistic = max(counts, key=lambda s: (counts[s], -_STATISTIC_ORDER.index(s)))
    chosen = [r for r in of_endpoint if r.statistic == statistic]
    if not chosen:
        present = ", ".join(sorted({r.statistic for r in of_endpoint}))
        raise QueryRefused(
            f"no {endpoint} results with statistic {statistic!r}; statistics present: {present}"
        )
    if len(chosen) > MAX_ROWS:
        raise QueryRefused(f"{len(chosen)} results to plot; narrow the filters to {MAX_ROWS} or fewer")
    return statistic, chosen


@dataclass(frozen=True)
class Line:
    """One line of a panel: a section or study heading (record None), or one result."""

    label: str
    record: OutcomeRecord | None = None
    heading: int = 0  # 1: section, 2: study


def _section(record: OutcomeRecord) -> str:
    return SECTIONS[0] if evidence_level(record.study.design).startswith("randomised") else SECTIONS[1]


def _arm_label(record: OutcomeRecord) -> str:
    label = record.arm or "whole cohort"
    qualifier = record.event or (f"grade {record.grade}" if record.grade else None)
    if qualifier:
        label += f" [{qualifier}]"
    label = label if len(label) <= 60 else label[:57] + "…"
    # a reviewer's verdict shows on the figure too: a corrected value is not the extractor's
    status = review_status(record)
    return "  " + label + (f" ({REVIEW_MARKS[status]})" if status in REVIEW_MARKS else "")


REVIEW_MARKS = {"corrected": "corrected", "accepted": "checked"}


def panel_lines(records: Sequence[OutcomeRecord]) -> list[Line]:
    """The lines of one panel: randomised then other results, each study under its heading."""
    lines: list[Line] = []
    for section in SECTIONS:
        of_section = [r for r in records if _section(r) == section]
        if not of_section:
            continue
        lines.append(Line(section, heading=1))
        studies: dict[tuple[str, str], list[OutcomeRecord]] = {}
        for record in of_section:
            studies.setdefault((record.paper.id, record.study.id), []).append(record)
        for results in studies.values():
            study = results[0].study
            role = "" if study.is_primary else " (cited)"
            design = f" · {study.design}" if study.design else ""
            lines.append(Line(f"{study.label}{role}{design}", heading=2))
            lines.extend(Line(_arm_label(r), r) for r in results)
    return lines


def panels(records: Sequence[OutcomeRecord]) -> list[tuple[float | None, list[OutcomeRecord]]]:
    """The records by time point (None first: a median, or a rate without a landmark)."""
    by_time: dict[float | None, list[OutcomeRecord]] = {}
    for record in records:
        by_time.setdefault(record.time_months, []).append(record)
    return sorted(by_time.items(), key=lambda item: -1.0 if item[0] is None else item[0])


def _scaled(record: OutcomeRecord, value: float | None) -> float | None:
    if value is None:
        return None
    return value * _TO_MONTHS.get(record.unit, 1.0)


@contextmanager
def _drawing() -> Iterator[None]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    rc = {
        "font.family": FONTS,  # a list: matplotlib falls back glyph by glyph
        "svg.fonttype": "none",
        "svg.hashsalt": "hemekb",
        "font.size": 9,
    }
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    with _LOCK, matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        warnings.filterwarnings("ignore", message=".*findfont.*")
        yield


def label_image(text: str) -> bytes:
    """`text` drawn alone as plot labels are drawn, as grey pixels: what a test compares to know
    that a script's glyphs are drawn, not replaced by the missing-glyph box."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _drawing():
        figure = Figure(figsize=(1, 0.4), dpi=60)
        canvas = FigureCanvasAgg(figure)
        figure.text(0.05, 0.3, text, fontsize=14)
        canvas.draw()
        return bytes(canvas.buffer_rgba())[1::4]


def forest_plot(
    records: Sequence[OutcomeRecord], endpoint: str, statistic: str | None = None, fmt: str = "png"
) -> bytes:
    """A forest plot of `endpoint` (one statistic) across `records`, a panel per time point, as PNG
    or SVG bytes."""
    if fmt not in ("png", "svg"):
        raise QueryRefused(f"unknown plot format {fmt!r}; allowed: png, svg")
    statistic, chosen = plottable(records, endpoint, statistic)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    grouped = [(time, panel_lines(results)) for time, results in panels(chosen)]
    with _drawing():
        heights = [1.0 + len(lines) for _, lines in grouped]
        figure = Figure(figsize=(11, 0.9 + 0.3 * sum(heights)), layout="constrained")
        FigureCanvasAgg(figure)
        axes_list = figure.subplots(len(grouped), 1, squeeze=False, height_ratios=heights)[:, 0]
        meaning = ENDPOINTS.get(endpoint, endpoint)
        figure.suptitle(
            f"{endpoint} ({meaning}), {statistic.replace('_', ' ')}: {len(chosen)} results", x=0.01, ha="left"
        )
        for axes, (time, lines) in zip(axes_list, grouped, strict=True):
            _draw_panel(axes, lines, statistic, time)
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, dpi=110, metadata=metadata)
    return buffer.getvalue()


def _draw_panel(axes: Axes, lines: list[Line], statistic: str, time: float | None) -> None:
    chosen = [line.record for line in lines if line.record is not None]
    ratio = statistic in ("hazard_ratio", "odds_ratio")
    units = {r.unit for r in chosen}
    if units & set(_TO_MONTHS):
        axis_label = f"{statistic} (months)"
    elif units == {"%"}:
        axis_label = f"{statistic} (%)"
    else:
        axis_label = statistic.replace("_", " ")
    known: list[float] = []
    for r in chosen:
        value, spread = _scaled(r, r.value), _scaled(r, r.pm)
        known += [
            v
            for v in (value, _scaled(r, r.ci_low), _scaled(r, r.ci_high))
            if v is not None and (not ratio or v > 0)
        ]
        if value is not None and spread is not None:
            known.append(value + spread)
    top = max(known, default=1.0)
    if units == {"%"}:
        top = max(top, 100.0)
    ys = list(range(len(lines)))[::-1]
    for y, line in zip(ys, lines, strict=True):
        record = line.record
        if record is None:
            continue
        value, low, high, spread = (
            _scaled(record, v) for v in (record.value, record.ci_low, record.ci_high, record.pm)
        )
        if low is not None and high is not None:
            axes.plot([low, high], [y, y], color="#1f4e79", linewidth=1.6, solid_capstyle="butt")
        elif low is not None or high is not None:
            edge = low if low is not None else high
            axes.plot([edge, value if value is not None else edge], [y, y], color="#1f4e79", linewidth=1.6)
        if value is not None and spread is not None:
            axes.plot(
                [value - spread, value + spread], [y, y], color="#7f7f7f", linestyle="--", linewidth=1.2
            )
        if record.not_reached:
            axes.annotate(
                "NR",
                xy=(top * 1.02, y),
                xytext=(top * 0.9, y),
                va="center",
                ha="right",
                arrowprops={"arrowstyle": "->", "color": "#a33"},
                color="#a33",
            )
        elif value is not None:
            size = 30 + (min(math.sqrt(record.n), 25) * 6 if record.n else 0)
            axes.scatter([value], [y], marker="s", s=size, color="#1f4e79", zorder=3)
        text = value_text(record) + (f", n={record.n}" if record.n else "")
        axes.annotate(text, xy=(1.01, y), xycoords=("axes fraction", "data"), va="center", fontsize=8)
    if ratio:
        axes.set_xscale("log")
        axes.axvline(1.0, color="#555", linewidth=0.8)
    else:
        axes.set_xlim(0, top * 1.08)
    axes.set_yticks(ys, [line.label for line in lines])
    for tick, line in zip(axes.get_yticklabels(), lines, strict=True):
        if line.heading:
            tick.set_fontweight("bold")
            tick.set_color("#333" if line.heading == 2 else "#1f4e79")
    axes.tick_params(axis="y", length=0)
    axes.set_ylim(-0.7, len(lines) - 0.3)
    axes.set_xlabel(axis_label)
    axes.grid(axis="x", color="#ddd", linewidth=0.6)
    axes.set_axisbelow(True)
    when = (
        f"at {months_label(time)}"
        if time is not None
        else ("" if statistic == "median" else "no time point stated")
    )
    axes.set_title(
        f"{statistic.replace('_', ' ')} {when}".strip()
        + f" · {len(chosen)} result{'' if len(chosen) == 1 else 's'}",
        loc="left",
        fontsize=9,
    )
