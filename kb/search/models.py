"""What a search returns: the response contract of GET /search and `kb search`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kb.model.records import OutcomeRecord, PaperRef, Span


class SearchHit(BaseModel):
    """A passage of a paper, or an outcome record found through its English card.

    `text` is always the paper's own words: the passage (`kind="passage"`) or the record's
    evidence sentence (`kind="outcome"`), equal to the source text at `char_start:char_end`.
    """

    kind: Literal["passage", "outcome"]
    score: float = Field(description="Fused rank score (reciprocal-rank fusion of vector and BM25 ranks).")
    paper: PaperRef
    text: str
    char_start: int
    char_end: int
    record: OutcomeRecord | None = Field(default=None, description="The outcome record (outcome hits).")
    evidence: Span | None = Field(default=None, description="The record's evidence span (outcome hits).")


class SearchResults(BaseModel):
    query: str
    k: int
    filters: dict[str, str] = Field(default_factory=dict, description="The filters applied, as given.")
    results: list[SearchHit]
