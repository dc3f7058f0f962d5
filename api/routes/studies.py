"""GET /studies and GET /studies/{id}: the trials and cohorts behind the results, with their arms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES
from api.routes.common import FILTER_NAMES, MAX_ID_CHARS, MAX_OFFSET, FiltersDep, reject_unknown
from kb.errors import QueryRefused
from kb.evidence.queries import MAX_LIMIT, OutcomeFilters, StudyRow
from kb.model.records import ConceptRef, OutcomeRecord, PaperRef, StudyRef

router = APIRouter(tags=["studies"])

_PARAMETERS = [*FILTER_NAMES, "offset", "limit"]


class PaperLink(BaseModel):
    id: str
    file: str
    language: str | None = None
    href: str = Field(description="This server's page of the paper.")


class StudySummary(BaseModel):
    """A study as one paper reports it (a trial cited by two papers is two studies)."""

    id: str
    label: str = Field(description="Trial name or cohort, as the paper gives it; never invented.")
    design: str | None = None
    is_primary: bool = Field(description="true: the paper's own study; false: a study it cites.")
    registry_ids: list[str]
    paper: PaperLink
    results: int = Field(description="Number of (matching) results.")
    endpoints: list[str]
    arms: list[str]
    interventions: list[str]
    href: str


class StudyPage(BaseModel):
    total: int
    offset: int
    limit: int
    results: list[StudySummary]


class Arm(BaseModel):
    label: str | None = Field(description="Arm or subgroup as the paper names it; null: the whole cohort.")
    interventions: list[ConceptRef]
    antigens: list[str]
    n: list[int]
    endpoints: list[str]
    results: int


class StudyDetail(BaseModel):
    study: StudyRef
    paper: PaperRef
    arms: list[Arm]
    interventions: list[ConceptRef]
    results: list[OutcomeRecord] = Field(description="Every result of the study, in paper order.")


def summary(row: StudyRow) -> StudySummary:
    return StudySummary(
        id=row.id,
        label=row.label,
        design=row.design,
        is_primary=row.is_primary,
        registry_ids=row.registry_ids,
        paper=PaperLink(
            id=row.paper_id, file=row.paper_file, language=row.language, href=f"/papers/{row.paper_id}"
        ),
        results=row.results,
        endpoints=row.endpoints,
        arms=row.arms,
        interventions=row.interventions,
        href=f"/studies/{row.id}",
    )


_EXAMPLE_SUMMARY = {
    "id": "004_7bbdc09f035e49b5-study-maia",
    "label": "MAIA",
    "design": "randomized phase III",
    "is_primary": False,
    "registry_ids": ["NCT02252172"],
    "paper": {
        "id": "004_7bbdc09f035e49b5",
        "file": "004_7bbdc09f035e49b5.txt",
        "language": "zh",
        "href": "/papers/004_7bbdc09f035e49b5",
    },
    "results": 2,
    "endpoints": ["PFS"],
    "arms": ["lenalidomide + dexamethasone", "联合达雷妥尤单抗"],
    "interventions": ["daratumumab", "dexamethasone", "lenalidomide"],
    "href": "/studies/004_7bbdc09f035e49b5-study-maia",
}


@router.get(
    "/studies",
    response_model=StudyPage,
    responses={
        **ERROR_RESPONSES,
        200: {
            "content": {
                "application/json": {
                    "example": {"total": 1, "offset": 0, "limit": 50, "results": [_EXAMPLE_SUMMARY]}
                }
            }
        },
    },
)
def list_studies(
    request: Request,
    kb: KnowledgeBaseDep,
    filters: FiltersDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Studies to skip.", examples=[0])] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Studies per page.", examples=[50])] = 50,
) -> StudyPage:
    """Studies with at least one result matching the filters (the same filters as /outcomes), in
    paper order; counts, endpoints and arms are those of the matching results."""
    reject_unknown(request, _PARAMETERS)
    total, rows = kb.studies_page(filters, offset, limit)
    return StudyPage(total=total, offset=offset, limit=limit, results=[summary(row) for row in rows])


@router.get(
    "/studies/{study_id}",
    response_model=StudyDetail,
    responses={
        **ERROR_RESPONSES,
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "study": {"id": "…", "label": "MAIA"},
                        "paper": {"id": "004_7bbdc09f035e49b5"},
                        "arms": [],
                        "interventions": [],
                        "results": [],
                    }
                }
            }
        },
    },
)
def get_study(
    request: Request,
    kb: KnowledgeBaseDep,
    study_id: Annotated[
        str,
        Path(
            max_length=MAX_ID_CHARS,
            description="Study id, as /studies lists it.",
            examples=["004_7bbdc09f035e49b5-study-maia"],
        ),
    ],
) -> StudyDetail:
    """One study: its paper, arms (with interventions, n and endpoints), and all its results."""
    reject_unknown(request, [])
    try:
        records = [r for r in kb.all_outcomes(OutcomeFilters(study=study_id)) if r.study.id == study_id]
    except QueryRefused:  # a study filter value the knowledge base does not know
        records = []
    if not records:
        raise HTTPException(status_code=404, detail=f"no study {study_id!r}; GET /studies lists the studies")
    return StudyDetail(
        study=records[0].study,
        paper=records[0].paper,
        arms=arms_of(records),
        interventions=list({i.id: i for r in records for i in r.interventions}.values()),
        results=records,
    )


def arms_of(records: list[OutcomeRecord]) -> list[Arm]:
    groups: dict[str | None, list[OutcomeRecord]] = {}
    for record in records:
        groups.setdefault(record.arm, []).append(record)
    return [
        Arm(
            label=label,
            interventions=list({i.id: i for r in members for i in r.interventions}.values()),
            antigens=list(dict.fromkeys(a for r in members for a in r.antigens)),
            n=sorted({r.n for r in members if r.n is not None}),
            endpoints=list(dict.fromkeys(r.endpoint for r in members)),
            results=len(members),
        )
        for label, members in groups.items()
    ]
