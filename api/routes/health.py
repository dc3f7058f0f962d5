"""GET /health: is the service up, and how much does the knowledge base hold."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES
from kb import __version__

router = APIRouter(tags=["health"])


class OrphanedReviewOut(BaseModel):
    review: str
    record: str
    verdict: str
    reviewer: str
    time: str
    reason: str


class Health(BaseModel):
    status: str
    papers: int
    records: int
    version: str
    reviews: int = Field(description="Reviews in force (kb/evidence/reviews.py).")
    orphaned_reviews: list[OrphanedReviewOut] = Field(
        description="Reviews applied to no record: their record is gone or changed after a re-ingest."
        " Review those records again."
    )


@router.get("/health", response_model=Health, responses=ERROR_RESPONSES)
def health(kb: KnowledgeBaseDep) -> Health:
    stats = kb.stats()
    book = kb.review_book()
    orphaned = [
        OrphanedReviewOut(
            review=o.review.id,
            record=o.review.record_id,
            verdict=o.review.verdict,
            reviewer=o.review.reviewer,
            time=o.review.time,
            reason=o.reason,
        )
        for o in book.orphaned
    ]
    return Health(
        status="ok",
        papers=stats.papers,
        records=stats.records,
        version=__version__,
        reviews=sum(len(reviews) for reviews in book.in_force.values()),
        orphaned_reviews=orphaned,
    )
