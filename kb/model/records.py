"""The outcome record: the contract between the extractor, the store, the API and the evaluation.

The shape follows ../shared/CONTRACT.md. Pydantic models so the API can use them as its response
contract and the CLI can print them unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PValueOperator = Literal["=", "<", "<=", ">", ">="]
Statistic = Literal["rate", "median", "count", "hazard_ratio", "odds_ratio", "mean"]
Unit = Literal["%", "months", "years", "days", "ratio", "n"]
Verdict = Literal["accepted", "rejected", "corrected"]
ReviewStatus = Literal["accepted", "corrected", "rejected", "unreviewed"]


class Span(BaseModel):
    """A piece of the paper's text: `text == source[char_start:char_end]`."""

    text: str
    char_start: int
    char_end: int


def paper_id_for(file_name: str) -> str:
    """A stable id from the file stem: re-ingesting the same file replaces the same paper."""
    stem = Path(file_name).stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "paper"


class PaperRef(BaseModel):
    id: str
    file: str
    title: str | None = None
    language: str | None = None


class FollowUp(BaseModel):
    """How long the study followed its patients, as the paper states it ("median follow-up of 29.4
    months"): `months` is computed from the value and unit written in `evidence`."""

    months: float
    median: bool  # a median follow-up; otherwise a duration as stated (minimum, planned, range end)
    evidence: Span


class StudyRef(BaseModel):
    id: str
    label: str
    registry_ids: list[str] = Field(default_factory=list)
    is_primary: bool
    design: str | None = None
    follow_up: FollowUp | None = None


class ConceptRef(BaseModel):
    id: str
    label: str


class ReviewEntry(BaseModel):
    """One review of a record (kb/evidence/reviews.py): a reviewer's verdict, and the fields they
    corrected."""

    id: str
    verdict: Verdict
    reviewer: str
    time: str  # ISO 8601, UTC
    note: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict)


class RecordReview(BaseModel):
    """What reviewers said of a record: its status (the latest verdict), the corrections in force
    (every correction, a later one of a field replacing an earlier), and every review, oldest first."""

    status: ReviewStatus
    reviewer: str | None = None
    time: str | None = None
    note: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict)
    history: list[ReviewEntry] = Field(default_factory=list)


class OutcomeRecord(BaseModel):
    """One numeric result of one arm (or whole cohort) of one study, as reported in one paper."""

    model_config = ConfigDict(extra="forbid")

    id: str
    paper: PaperRef
    study: StudyRef
    arm: str | None = None  # an English label of the arm
    arm_text: str | None = None  # the arm as the paper writes it
    interventions: list[ConceptRef] = Field(default_factory=list)
    antigens: list[str] = Field(default_factory=list)
    disease: ConceptRef | None = None
    line_of_therapy: str | None = None
    population: str | None = None
    endpoint: str
    statistic: Statistic
    time_months: float | None = None
    value: float | None = None
    unit: Unit
    not_reached: bool = False
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    pm: float | None = None
    n: int | None = None
    count: int | None = None
    p_value: float | None = None
    p_operator: PValueOperator | None = None
    hazard_ratio: float | None = None
    comparison: str | None = None
    grade: str | None = None
    event: str | None = None
    confidence: float | None = None
    evidence: Span
    mentions: list[Span] = Field(default_factory=list)
    # The fields computed rather than read ("value" for 62.7 from "69 of 110"), with what each was
    # computed from; every other number of the record is written in its evidence or mentions.
    derived: list[str] = Field(default_factory=list)
    derived_from: dict[str, str] = Field(default_factory=dict)
    # Set on reads once a reviewer has looked at the record (kb/evidence/reviews.py): the review, and the
    # values the extractor gave the fields a reviewer corrected.
    review: RecordReview | None = None
    extracted: dict[str, Any] | None = None
