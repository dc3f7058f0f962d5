"""GET /outcomes: outcome records matching filters, one page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES, UnknownParameter
from kb.queries import MAX_LIMIT, OutcomeFilters
from kb.records import OutcomeRecord

router = APIRouter(tags=["outcomes"])

_PARAMETERS = [*OutcomeFilters.names(), "offset", "limit"]


class OutcomePage(BaseModel):
    """A page of records: `results` are records offset..offset+limit of `total`."""

    total: int
    offset: int
    limit: int
    results: list[OutcomeRecord]


@router.get("/outcomes", response_model=OutcomePage, responses=ERROR_RESPONSES)
def list_outcomes(
    request: Request,
    kb: KnowledgeBaseDep,
    antigen: Annotated[str | None, Query(description="Antigen symbol, e.g. CD22.")] = None,
    intervention: Annotated[str | None, Query(description="Intervention id or canonical label.")] = None,
    disease: Annotated[str | None, Query(description="Disease id or canonical label.")] = None,
    line: Annotated[str | None, Query(description="Part of the line of therapy, e.g. relapsed.")] = None,
    endpoint: Annotated[str | None, Query(description="Endpoint code from CONTRACT.md, e.g. CR.")] = None,
    paper: Annotated[str | None, Query(description="Paper id or file name.")] = None,
    offset: Annotated[int, Query(ge=0, description="Records to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Records per page.")] = 50,
) -> OutcomePage:
    """Filters are case-insensitive; an unknown value is refused with the values that exist."""
    unknown = sorted(set(request.query_params) - set(_PARAMETERS))
    if unknown:
        raise UnknownParameter(f"unknown parameter {unknown[0]!r}; allowed: {', '.join(_PARAMETERS)}")
    filters = OutcomeFilters(
        antigen=antigen, intervention=intervention, disease=disease, line=line, endpoint=endpoint, paper=paper
    )
    total, records = kb.find_outcomes(filters, offset=offset, limit=limit)
    return OutcomePage(total=total, offset=offset, limit=limit, results=records)
