"""GET /compare: comparison tables (one row per study arm) and GET /compare/plot: forest plots."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES
from api.routes.common import (
    FILTER_NAMES,
    MAX_OFFSET,
    FiltersDep,
    choose_format,
    download,
    format_query,
    page_headers,
    reject_unknown,
)
from kb.errors import QueryRefused
from kb.evidence.compare import ComparisonTable
from kb.evidence.comparisons import ComparisonRows
from kb.exports.citations import details_of
from kb.exports.plot import forest_plot
from kb.exports.render import COMPARE_FORMATS, FORMATS, PLOT_FORMATS, render_comparison

router = APIRouter(tags=["compare"])

MAX_COMPARED = 5000
# Rows per JSON answer unless `limit` says otherwise; downloads (CSV, XLSX, ...) hold the whole table.
JSON_PAGE_ROWS = 200
_PARAMETERS = [*FILTER_NAMES, "layout", "offset", "limit", "format"]
_PLOT_PARAMETERS = [*FILTER_NAMES, "statistic", "format"]

_EXAMPLE_TABLE = {
    "filters": {"antigen": "CD38"},
    "columns": [
        {
            "key": "study",
            "title": "study",
            "kind": "row",
            "description": "Trial or cohort, as the paper names it.",
        },
        {
            "key": "PFS_median",
            "title": "PFS median",
            "kind": "value",
            "endpoint": "PFS",
            "statistic": "median",
            "description": "progression-free survival, median",
        },
    ],
    "rows": [
        {
            "paper": {"id": "004_7bbdc09f035e49b5", "file": "004_7bbdc09f035e49b5.txt", "language": "zh"},
            "study": {
                "id": "004_7bbdc09f035e49b5-study-pollux",
                "label": "POLLUX",
                "registry_ids": ["NCT02076009"],
                "is_primary": False,
                "design": "randomized phase III",
            },
            "arm": "daratumumab",
            "interventions": ["daratumumab"],
            "antigens": ["CD38"],
            "diseases": ["relapsed/refractory multiple myeloma"],
            "lines_of_therapy": ["relapsed/refractory"],
            "populations": [],
            "n": [],
            "comparators": ["达雷妥尤单抗联合"],
            "cells": {"PFS_median": {"text": "17.5 mo", "value": 17.5, "unit": "months", "records": ["…"]}},
        }
    ],
    "papers": [{"id": "004_7bbdc09f035e49b5", "file": "004_7bbdc09f035e49b5.txt", "language": "zh"}],
}

_RESPONSES = {
    **ERROR_RESPONSES,
    200: {
        "description": "The comparison table as JSON, CSV, XLSX (comparison, results and sources sheets),"
        " Markdown, HTML, CSV-on-the-Web metadata (describing the CSV of the same query), or the"
        " citations of its papers as RIS or BibTeX.",
        "content": {
            "application/json": {"example": _EXAMPLE_TABLE},
            "text/csv": {"example": "study,registry,…,PFS median\r\nPOLLUX,NCT02076009,…,17.5 mo\r\n"},
            FORMATS["xlsx"].media_type: {"schema": {"type": "string", "format": "binary"}},
            "text/markdown": {"example": "# hemekb comparison\n\n| study | … | PFS median |\n"},
            "text/html": {"example": '<!doctype html><html lang="en">…</html>'},
            "application/csvm+json": {
                "example": {"@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}], "url": "…"}
            },
            "application/x-research-info-systems": {"example": "TY  - GEN\r\nTI  - …\r\nER  - \r\n"},
            "application/x-bibtex": {"example": "@misc{hemekb:004_7bbdc09f035e49b5,\n  title = {…}\n}\n"},
        },
    },
}


def compared_records(kb: KnowledgeBaseDep, filters: FiltersDep) -> list:
    records = kb.all_outcomes(filters)
    if len(records) > MAX_COMPARED:
        raise QueryRefused(
            f"{len(records)} results match; narrow the filters to {MAX_COMPARED} or fewer to compare"
        )
    return records


@router.get("/compare", response_model=ComparisonTable | ComparisonRows, responses=_RESPONSES)
def compare(
    request: Request,
    kb: KnowledgeBaseDep,
    filters: FiltersDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.", examples=[0])] = 0,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_COMPARED,
            description=f"Rows per answer (default: {JSON_PAGE_ROWS} in JSON, the whole table otherwise).",
            examples=[JSON_PAGE_ROWS],
        ),
    ] = None,
    format: Annotated[str | None, format_query(COMPARE_FORMATS, "json")] = None,
    layout: Annotated[
        Literal["arms", "comparisons"],
        Query(
            description="arms: one row per study arm, a column per endpoint and time point; comparisons:"
            " one comparison of two arms per row (experimental and control side by side, the reported"
            " effect, and risk ratio, odds ratio and risk difference computed from events and totals).",
            examples=["comparisons"],
        ),
    ] = "arms",
) -> Response:
    """A comparison of the matching results: one row per study arm, one column per endpoint and time
    point, cells "value (95% CI low to high)" or "value ± se", with n, p-values, comparators, paper
    and language; like an ORKG comparison or a Cochrane summary-of-findings table.
    With `layout=comparisons`, one comparison per row, as RevMan takes them, strongest evidence
    first, each with its evidence level, own or secondary report, DOI and registry links.

    JSON answers are pages of rows (`total_rows`, `X-Total-Count`, `Link` to the next and previous
    pages), each with the whole table's columns; the other formats hold the whole table unless
    `offset` or `limit` are given."""
    reject_unknown(request, _PARAMETERS)
    fmt = choose_format(request, format, COMPARE_FORMATS)
    if limit is None and fmt.name == "json":
        limit = JSON_PAGE_ROWS
    table, records = kb.compare(filters, layout, offset=offset, limit=limit, max_records=MAX_COMPARED)
    details = details_of(kb.papers()) if fmt.name in ("ris", "bibtex") else None
    csv_url = str(request.url.include_query_params(format="csv"))
    body = render_comparison(
        table, fmt.name, records, csv_url=csv_url, base_iri=kb.settings.base_iri, details=details
    )
    stem = "hemekb-compare" + ("-citations" if fmt.name in ("ris", "bibtex") else "")
    headers = page_headers(
        "/compare",
        filters,
        table.total_rows or 0,
        offset,
        limit,
        format=format,
        layout=None if layout == "arms" else layout,
    )
    return download(body, fmt, stem, headers)


@router.get(
    "/compare/plot",
    response_class=Response,
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "A forest-style plot of one endpoint across studies and arms (PNG or SVG).",
            "content": {
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/svg+xml": {"example": '<svg xmlns="http://www.w3.org/2000/svg" …>…</svg>'},
            },
        },
    },
)
async def compare_plot(
    request: Request,
    kb: KnowledgeBaseDep,
    filters: FiltersDep,
    statistic: Annotated[
        Literal["rate", "median", "hazard_ratio", "odds_ratio", "mean", "count"] | None,
        Query(
            description="Which statistic of the endpoint to plot (default: the commonest).",
            examples=["median"],
        ),
    ] = None,
    format: Annotated[str | None, format_query(PLOT_FORMATS, "png")] = None,
) -> Response:
    """One point per result of `endpoint` (required) with its CI where the paper gives one, ± as a
    dashed line, and the cell text of the comparison table beside it. Same filters as /outcomes."""
    reject_unknown(request, _PLOT_PARAMETERS)
    fmt = choose_format(request, format, PLOT_FORMATS)
    if filters.endpoint is None:
        raise QueryRefused("endpoint is required for a plot, e.g. endpoint=OS")
    records = await run_in_threadpool(compared_records, kb, filters)
    endpoint = records[0].endpoint if records else filters.endpoint.upper()
    body = await run_in_threadpool(forest_plot, records, endpoint, statistic, fmt.name)
    return download(body, fmt, f"hemekb-{endpoint.lower()}-plot")
