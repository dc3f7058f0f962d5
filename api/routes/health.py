"""GET /health: is the service up, and how much does the knowledge base hold."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES
from kb import __version__

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    papers: int
    records: int
    version: str


@router.get("/health", response_model=Health, responses=ERROR_RESPONSES)
def health(kb: KnowledgeBaseDep) -> Health:
    stats = kb.stats()
    return Health(status="ok", papers=stats.papers, records=stats.records, version=__version__)
