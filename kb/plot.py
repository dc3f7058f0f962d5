"""Forest-style plots of one endpoint across studies and arms (matplotlib, Agg backend).

One line per result: the value as a square (its area grows with n when n is stated), the
confidence interval as a solid line where the paper gives one, "± se" as a dashed line, a median
not reached as an arrow at the right edge; the cell text of the comparison table on the right.
Times are in months whatever unit the paper used; hazard and odds ratios are on a log axis with a
line at 1. Labels are drawn as text in SVG (the browser renders every script with its own fonts);
PNG uses the first installed font covering the text (Noto / WenQuanYi for Chinese and Japanese,
see scripts/install-chromium).
"""

from __future__ import annotations

import io
import logging
import math
import threading
import warnings
from collections import Counter
from collections.abc import Sequence

from kb.compare import months_label, value_text
from kb.endpoints import ENDPOINTS
from kb.errors import QueryRefused
from kb.records import OutcomeRecord

_TO_MONTHS = {"months": 1.0, "years": 12.0, "days": 12 / 365.25}
_STATISTIC_ORDER = ("rate", "median", "hazard_ratio", "odds_ratio", "mean", "count")
_FONTS = [
    "DejaVu Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
]
MAX_ROWS = 200
_LOCK = threading.Lock()  # rcParams are global: one plot at a time


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


def _scaled(record: OutcomeRecord, value: float | None) -> float | None:
    if value is None:
        return None
    return value * _TO_MONTHS.get(record.unit, 1.0)


def _label(record: OutcomeRecord) -> str:
    label = record.study.label
    if record.arm:
        label += f" — {record.arm}"
    if record.time_months is not None and record.statistic != "median":
        label += f" ({months_label(record.time_months)})"
    qualifier = record.event or (f"grade {record.grade}" if record.grade else None)
    if qualifier:
        label += f" [{qualifier}]"
    return label if len(label) <= 70 else label[:67] + "…"


def forest_plot(
    records: Sequence[OutcomeRecord], endpoint: str, statistic: str | None = None, fmt: str = "png"
) -> bytes:
    """A forest-style plot of `endpoint` (one statistic) across `records`, as PNG or SVG bytes."""
    if fmt not in ("png", "svg"):
        raise QueryRefused(f"unknown plot format {fmt!r}; allowed: png, svg")
    statistic, chosen = plottable(records, endpoint, statistic)

    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ratio = statistic in ("hazard_ratio", "odds_ratio")
    units = {r.unit for r in chosen}
    if units & set(_TO_MONTHS):
        axis_label = f"{statistic} (months)"
    elif units == {"%"}:
        axis_label = f"{statistic} (%)"
    else:
        axis_label = statistic.replace("_", " ")

    values = [_scaled(r, r.value) for r in chosen]
    lows = [_scaled(r, r.ci_low) for r in chosen]
    highs = [_scaled(r, r.ci_high) for r in chosen]
    spreads = [_scaled(r, r.pm) for r in chosen]
    known = [v for v in [*values, *lows, *highs] if v is not None and (not ratio or v > 0)]
    known += [v + s for v, s in zip(values, spreads, strict=True) if v is not None and s is not None]
    top = max(known, default=1.0)
    if units == {"%"}:
        top = max(top, 100.0)

    rc = {
        "font.family": _FONTS,  # a list: matplotlib falls back glyph by glyph
        "svg.fonttype": "none",
        "svg.hashsalt": "hemekb",
        "font.size": 9,
    }
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    with _LOCK, matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        warnings.filterwarnings("ignore", message=".*findfont.*")
        height = 1.4 + 0.32 * len(chosen)
        figure = Figure(figsize=(11, height), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        ys = list(range(len(chosen)))[::-1]
        for y, record, value, low, high, spread in zip(ys, chosen, values, lows, highs, spreads, strict=True):
            if low is not None and high is not None:
                axes.plot([low, high], [y, y], color="#1f4e79", linewidth=1.6, solid_capstyle="butt")
            elif low is not None or high is not None:
                edge = low if low is not None else high
                axes.plot(
                    [edge, value if value is not None else edge], [y, y], color="#1f4e79", linewidth=1.6
                )
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
        if ratio:
            axes.set_xscale("log")
            axes.axvline(1.0, color="#555", linewidth=0.8)
        else:
            axes.set_xlim(0, top * 1.08)
        axes.set_yticks(ys, [_label(r) for r in chosen])
        axes.set_ylim(-0.7, len(chosen) - 0.3)
        axes.set_xlabel(axis_label)
        axes.grid(axis="x", color="#ddd", linewidth=0.6)
        axes.set_axisbelow(True)
        for y, record in zip(ys, chosen, strict=True):
            text = value_text(record) + (f", n={record.n}" if record.n else "")
            axes.annotate(text, xy=(1.01, y), xycoords=("axes fraction", "data"), va="center", fontsize=8)
        meaning = ENDPOINTS.get(endpoint, endpoint)
        axes.set_title(
            f"{endpoint} ({meaning}), {statistic.replace('_', ' ')}: {len(chosen)} results", loc="left"
        )
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, dpi=110, metadata=metadata)
    return buffer.getvalue()
