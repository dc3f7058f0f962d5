"""GET /jobs and GET /jobs/{id}: the ingest jobs of POST /papers, their progress and per-paper results."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from api.errors import ERROR_RESPONSES
from api.routes.common import reject_unknown
from api.security import KEY_RESPONSES, RequestRefused, require_api_key
from ingest.jobs import RECENT_JOBS, Job, JobRunner, JobStatus

router = APIRouter(tags=["jobs"])


def get_job_runner(request: Request) -> JobRunner:
    return request.app.state.job_runner


JobRunnerDep = Annotated[JobRunner, Depends(get_job_runner)]


class UploadedFileOut(BaseModel):
    name: str = Field(description="The file name as uploaded; the paper id is made from it.")
    sha256: str = Field(description="SHA-256 of the file's bytes (the paper's hk:paperSha256).")
    size: int = Field(description="Bytes.")


class PaperResultOut(BaseModel):
    file: str = Field(description="The uploaded file this result is about.")
    status: Literal["ingested", "unchanged", "failed"]
    paper_id: str | None = Field(description="The paper's id (GET /papers/{id}), when it could be read.")
    records: int = Field(description="Outcome records stored for the paper.")
    reason: str | None = Field(description="Why the paper failed, on one line.")


class Progress(BaseModel):
    done: int = Field(description="Papers with a result so far.")
    total: int = Field(description="Papers in the job.")


class JobOut(BaseModel):
    id: str
    status: JobStatus = Field(
        description="queued, running, succeeded (every paper ingested or unchanged), failed (a paper or"
        " the job failed: see message and results) or interrupted (the server stopped while it ran)."
    )
    progress: Progress
    files: list[UploadedFileOut]
    results: list[PaperResultOut] = Field(description="One per paper done, in upload order.")
    message: str | None = Field(description="Why the job failed or was interrupted, or what it waits for.")
    created: str = Field(description="When the job was accepted (UTC, ISO 8601).")
    started: str | None
    finished: str | None
    href: str


class JobList(BaseModel):
    total: int
    results: list[JobOut] = Field(description="The most recent jobs first.")


def job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        status=job.status,
        progress=Progress(done=job.done, total=job.total),
        files=[UploadedFileOut(name=f.name, sha256=f.sha256, size=f.size) for f in job.files],
        results=[
            PaperResultOut(
                file=r.file, status=r.status, paper_id=r.paper_id, records=r.records, reason=r.reason
            )
            for r in job.results
        ],
        message=job.message,
        created=job.created,
        started=job.started,
        finished=job.finished,
        href=f"/jobs/{job.id}",
    )


EXAMPLE_JOB = {
    "id": "5f0c2b7e9d3a4c1b8e6f0a2d4c6b8e1f",
    "status": "succeeded",
    "progress": {"done": 1, "total": 1},
    "files": [
        {
            "name": "003_bc4f08158784ce0d.txt",
            "sha256": "6482be3255c5106f937d5bf76ed8fd27c60a3f341de855dbe08c4718b9dd9f17",
            "size": 41213,
        }
    ],
    "results": [
        {
            "file": "003_bc4f08158784ce0d.txt",
            "status": "ingested",
            "paper_id": "003_bc4f08158784ce0d",
            "records": 2,
            "reason": None,
        }
    ],
    "message": None,
    "created": "2026-01-05T10:00:00+00:00",
    "started": "2026-01-05T10:00:00+00:00",
    "finished": "2026-01-05T10:00:04+00:00",
    "href": "/jobs/5f0c2b7e9d3a4c1b8e6f0a2d4c6b8e1f",
}


@router.get(
    "/jobs",
    response_model=JobList,
    # the list names every upload's file, digest and failure: for key holders only (a job's own
    # URL, /jobs/{id}, stays open: its id is 128 random bits, given to the uploader alone)
    dependencies=[Depends(require_api_key)],
    responses={
        **ERROR_RESPONSES,
        **KEY_RESPONSES,
        200: {"content": {"application/json": {"example": {"total": 1, "results": [EXAMPLE_JOB]}}}},
    },
)
def list_jobs(
    request: Request,
    runner: JobRunnerDep,
    limit: Annotated[
        int, Query(ge=1, le=RECENT_JOBS, description="How many recent jobs to list.", examples=[10])
    ] = RECENT_JOBS,
) -> JobList:
    """The most recent ingest jobs (POST /papers), newest first. Needs an API key."""
    reject_unknown(request, ["limit"])
    jobs = [job_out(job) for job in runner.registry.recent(limit)]
    return JobList(total=len(jobs), results=jobs)


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    responses={**ERROR_RESPONSES, 200: {"content": {"application/json": {"example": EXAMPLE_JOB}}}},
)
def get_job(
    runner: JobRunnerDep,
    job_id: Annotated[
        str,
        Path(max_length=64, description="The id POST /papers answered with.", examples=[EXAMPLE_JOB["id"]]),
    ],
) -> JobOut:
    """One ingest job: its status, progress (papers done of total) and each paper's result."""
    job = runner.registry.get(job_id)
    if job is None:
        raise RequestRefused(404, "not_found", f"no job {job_id!r}; GET /jobs lists the recent jobs")
    return job_out(job)
