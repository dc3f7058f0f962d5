"""GET /outcomes/{id} and POST /outcomes/{id}/reviews: one record, and a reviewer's verdict on it.

Reviews are kept by kb/evidence/reviews.py (PROV activities in their own named graph); this module only
speaks HTTP. Writing takes the API key and the server's one writer slot, as uploads do.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES, ErrorEnvelope
from api.routes.jobs import JobRunnerDep
from api.security import KEY_RESPONSES, RequestRefused, require_api_key
from kb.evidence.reviews import ReviewRequest
from kb.model.records import OutcomeRecord, ReviewEntry

router = APIRouter(tags=["reviews"])

MAX_RECORD_ID_CHARS = 300
RecordId = Annotated[
    str,
    Path(
        max_length=MAX_RECORD_ID_CHARS,
        description="The record's `id`.",
        examples=["003_bc4f08158784ce0d-r-0f3c6c2a1b"],
    ),
]


class ReviewOut(BaseModel):
    """The review as kept, and the record as it now reads."""

    review: ReviewEntry
    record: OutcomeRecord


_EXAMPLE_REVIEW: dict[str, Any] = {
    "verdict": "corrected",
    "changes": {"value": 80.7, "arm": "inotuzumab ozogamicin"},
    "reviewer": "A. Reviewer",
    "note": "arm read from the table",
}
_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **KEY_RESPONSES,
    **{
        status: {"model": ErrorEnvelope, "description": description}
        for status, description in (
            (404, "No record with this id."),
            (
                422,
                "A change to a field the contract does not define or a review may not change, a value"
                " of the wrong type, or a verdict and changes that do not go together; `detail.field`"
                " names the field.",
            ),
            (503, "The knowledge base is being written by another process or job; try again."),
        )
    },
}


def _not_found(record_id: str) -> RequestRefused:
    return RequestRefused(
        404, "not_found", f"no outcome record {record_id!r}; GET /outcomes lists the records and their ids"
    )


@router.get("/outcomes/{record_id}", response_model=OutcomeRecord, responses=ERROR_RESPONSES)
def get_outcome(kb: KnowledgeBaseDep, record_id: RecordId) -> OutcomeRecord:
    """One outcome record as reviewed, rejected ones too: `review` says its status and history, and
    `extracted` keeps what the extractor said of each corrected field."""
    record = kb.outcome(record_id)
    if record is None:
        raise _not_found(record_id)
    return record


@router.post(
    "/outcomes/{record_id}/reviews",
    status_code=201,
    response_model=ReviewOut,
    dependencies=[Depends(require_api_key)],
    responses={
        **ERROR_RESPONSES,
        **_WRITE_RESPONSES,
        201: {"description": "Kept (header Location: the record)."},
    },
    openapi_extra={"requestBody": {"content": {"application/json": {"example": _EXAMPLE_REVIEW}}}},
)
def review_outcome(
    runner: JobRunnerDep, record_id: RecordId, body: ReviewRequest, response: Response
) -> ReviewOut:
    """Accept, reject or correct a record. A correction names the fields it changes, with values of
    the contract's types; the extracted values stay in the record's paper graph, and the review is a
    PROV activity in the reviews graph, kept across re-ingests. Rejected records leave /outcomes,
    /compare and the exports unless `review=rejected` (or `any`) is asked for."""
    with runner.writing():
        review = runner.knowledge_base.review_outcome(record_id, body)
    if review is None:
        raise _not_found(record_id)
    record = runner.knowledge_base.outcome(record_id)
    assert record is not None
    response.headers["Location"] = f"/outcomes/{record_id}"
    return ReviewOut(review=review.entry(), record=record)
