"""GET /outcomes: outcome records matching filters, sorted, one page at a time, in several formats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES
from api.routes.common import (
    FILTER_NAMES,
    MAX_FILTER_CHARS,
    MAX_OFFSET,
    SORT_DESCRIPTION,
    FiltersDep,
    choose_format,
    download,
    format_query,
    page_headers,
    reject_unknown,
)
from kb.evidence.queries import BROWSING_SORT, MAX_LIMIT
from kb.exports.render import FORMATS, OUTCOME_FORMATS, render_records
from kb.model.records import OutcomeRecord

router = APIRouter(tags=["outcomes"])

_PARAMETERS = [*FILTER_NAMES, "sort", "offset", "limit", "format"]

EXAMPLE_RECORD = {
    "id": "003_bc4f08158784ce0d-r-0f3c6c2a1b",
    "paper": {
        "id": "003_bc4f08158784ce0d",
        "file": "003_bc4f08158784ce0d.txt",
        "title": "…",
        "language": "ja",
    },
    "study": {
        "id": "003_bc4f08158784ce0d-study-ino-vate-all",
        "label": "INO-VATE ALL",
        "registry_ids": ["NCT01564784"],
        "is_primary": False,
        "design": "randomized phase III",
    },
    "arm": "InO",
    "interventions": [{"id": "inotuzumab-ozogamicin", "label": "inotuzumab ozogamicin"}],
    "antigens": ["CD22"],
    "disease": {"id": "all", "label": "acute lymphoblastic leukemia"},
    "line_of_therapy": None,
    "population": "adult",
    "endpoint": "CR",
    "statistic": "rate",
    "time_months": None,
    "value": 80.7,
    "unit": "%",
    "not_reached": False,
    "ci_low": None,
    "ci_high": None,
    "ci_level": None,
    "pm": None,
    "n": None,
    "count": None,
    "p_value": None,
    "p_operator": None,
    "hazard_ratio": None,
    "comparison": "003_bc4f08158784ce0d-cmp-5b1e",
    "grade": None,
    "event": None,
    "confidence": 0.8,
    "evidence": {
        "text": "CR率はInO群で80.7％、標準化学療法群で29.4％であった。",
        "char_start": 2310,
        "char_end": 2345,
    },
    "mentions": [],
}


class OutcomePage(BaseModel):
    """A page of records: `results` are records offset..offset+limit of `total`."""

    total: int
    offset: int
    limit: int
    results: list[OutcomeRecord]


_RESPONSES = {
    **ERROR_RESPONSES,
    200: {
        "description": "A page of outcome records (JSON), or the same page as JSON Lines, CSV, XLSX,"
        " Markdown or HTML (`format=` or Accept). `X-Total-Count` gives the number of matches; `Link`"
        " the next and previous pages.",
        "content": {
            "application/json": {
                "example": {"total": 2, "offset": 0, "limit": 50, "results": [EXAMPLE_RECORD]}
            },
            "application/x-ndjson": {"example": '{"id": "003_bc4f08158784ce0d-r-0f3c6c2a1b", …}\n'},
            "text/csv": {"example": "id,paper,language,study,…\r\n003_bc4f08158784ce0d-r-0f3c6c2a1b,…\r\n"},
            FORMATS["xlsx"].media_type: {"schema": {"type": "string", "format": "binary"}},
            "text/markdown": {"example": "# hemekb outcome records\n\n| study | arm | … |\n"},
            "text/html": {"example": '<!doctype html><html lang="en">…</html>'},
        },
    },
}


@router.get("/outcomes", response_model=OutcomePage, responses=_RESPONSES)
def list_outcomes(
    request: Request,
    kb: KnowledgeBaseDep,
    filters: FiltersDep,
    sort: Annotated[
        str | None,
        Query(max_length=MAX_FILTER_CHARS, description=SORT_DESCRIPTION, examples=["endpoint,-value"]),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Records to skip.", examples=[0])] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Records per page.", examples=[50])] = 50,
    format: Annotated[str | None, format_query(OUTCOME_FORMATS, "json")] = None,
) -> OutcomePage | Response:
    """Outcome records, each with its source sentence in the paper's language (`evidence`).

    Filters combine (AND) and are case-insensitive. antigen, intervention and drug_class keep
    comparisons whole: asking for CD22 also returns the chemotherapy comparator of a CD22 result.
    A value neither the vocabularies nor the knowledge base know is refused (400) with the values
    that exist.
    """
    reject_unknown(request, _PARAMETERS)
    fmt = choose_format(request, format, OUTCOME_FORMATS)
    total, records = kb.find_outcomes(filters, offset=offset, limit=limit, sort=sort or BROWSING_SORT)
    headers = page_headers("/outcomes", filters, total, offset, limit, sort=sort, format=format)
    if fmt.name == "json":
        page = OutcomePage(total=total, offset=offset, limit=limit, results=records)
        return Response(page.model_dump_json(), media_type="application/json", headers=headers)
    return download(render_records(records, fmt.name), fmt, "hemekb-outcomes", headers)
