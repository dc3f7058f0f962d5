"""GET /papers and GET /papers/{id}: papers with their studies, results and full text."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES, ErrorEnvelope
from api.routes import web
from api.routes.common import (
    MAX_FILTER_CHARS,
    MAX_ID_CHARS,
    choose_format,
    download,
    format_query,
    reject_unknown,
)
from api.routes.jobs import EXAMPLE_JOB, JobOut, JobRunnerDep, job_out
from api.routes.studies import StudySummary, summary
from api.security import KEY_RESPONSES, RequestRefused, require_api_key
from ingest.jobs import JobRunner, UploadRefused, checked_file_name, keep_uploads
from kb.errors import QueryRefused
from kb.evidence.queries import OutcomeFilters, PaperRow
from kb.exports.citations import details_of
from kb.exports.render import PAPER_FORMATS, render_citations
from kb.model.records import OutcomeRecord, PaperRef

router = APIRouter(tags=["papers"])


class LanguageSection(BaseModel):
    """A stretch of the paper's text in one language: text[char_start:char_end]."""

    kind: str = Field(description="front (title, authors), abstract or body.", examples=["abstract"])
    language: str = Field(description="ISO 639-1 code.", examples=["en"])
    char_start: int
    char_end: int


class PaperSummary(BaseModel):
    id: str
    file: str
    title: str | None = Field(description="Title in the paper's own language, as read from its text.")
    title_en: str | None = Field(None, description="English title, where the paper gives one.")
    language: str | None = Field(description="The paper's main language (ISO 639-1).")
    languages: list[str] = Field([], description="Every language with a section of its own, main one first.")
    sections: list[LanguageSection] = Field([], description="The text's language sections, in offset order.")
    authors: list[str] = Field([], description="Authors as printed, in order.")
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = Field(None, description='Pages as printed, e.g. "62-72".')
    doi: str | None = None
    pmid: str | None = Field(None, description="PubMed id, where the text or the file's metadata gives it.")
    keywords: list[str] = Field([], description="Keywords as the paper lists them.")
    format: str | None = Field(None, description="The reader that decoded the file: text, html, jats or pdf.")
    sha256: str | None = Field(description="SHA-256 of the file as ingested.")
    results: int
    studies: int
    href: str
    iri: str = Field(description="The paper's IRI in the knowledge graph (see /resource).")


class PaperList(BaseModel):
    total: int
    results: list[PaperSummary]


class Highlight(BaseModel):
    """A passage of the text a result was read from: text[char_start:char_end]."""

    record_id: str
    kind: Literal["evidence", "mention"]
    char_start: int
    char_end: int


class PaperDetail(BaseModel):
    paper: PaperSummary
    studies: list[StudySummary]
    results: list[OutcomeRecord]
    text: str | None = Field(description="The paper's text as ingested (the offset space of every span).")
    highlights: list[Highlight] = Field(description="Evidence and mention spans, for highlighting the text.")


def _summary(row: PaperRow, base_iri: str) -> PaperSummary:
    return PaperSummary(
        id=row.id,
        file=row.file,
        title=row.title,
        title_en=row.title_en,
        language=row.language,
        languages=list(row.languages),
        sections=[
            LanguageSection(kind=s.kind, language=s.language, char_start=s.char_start, char_end=s.char_end)
            for s in row.sections
        ],
        authors=list(row.authors),
        journal=row.journal,
        year=row.year,
        volume=row.volume,
        issue=row.issue,
        pages=row.pages,
        doi=row.doi,
        pmid=row.pmid,
        keywords=list(row.keywords),
        format=row.format,
        sha256=row.sha256,
        results=row.results,
        studies=row.studies,
        href=f"/papers/{row.id}",
        iri=f"{base_iri}paper/{row.id}",
    )


_EXAMPLE_PAPER = {
    "id": "003_bc4f08158784ce0d",
    "file": "003_bc4f08158784ce0d.txt",
    "title": "症例は非血縁者間臍帯血移植後にB細胞性急性リ",
    "title_en": None,
    "language": "ja",
    "languages": ["ja"],
    "sections": [{"kind": "body", "language": "ja", "char_start": 0, "char_end": 5210}],
    "authors": [],
    "journal": None,
    "year": None,
    "volume": None,
    "issue": None,
    "pages": None,
    "doi": None,
    "pmid": None,
    "keywords": [],
    "format": "text",
    "sha256": "6482be3255c5106f937d5bf76ed8fd27c60a3f341de855dbe08c4718b9dd9f17",
    "results": 2,
    "studies": 1,
    "href": "/papers/003_bc4f08158784ce0d",
    "iri": "https://w3id.org/hemekb/id/paper/003_bc4f08158784ce0d",
}


@router.get(
    "/papers",
    response_model=PaperList,
    responses={
        **ERROR_RESPONSES,
        200: {"content": {"application/json": {"example": {"total": 1, "results": [_EXAMPLE_PAPER]}}}},
    },
)
def list_papers(
    request: Request,
    kb: KnowledgeBaseDep,
    language: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS, description="Only papers in this language, e.g. zh.", examples=["zh"]
        ),
    ] = None,
) -> PaperList:
    """Every ingested paper with its number of results and studies, in file order."""
    reject_unknown(request, ["language"])
    rows = kb.papers()
    if language is not None:
        known = sorted({r.language for r in rows if r.language})
        if language.lower() not in known:
            raise QueryRefused(f"unknown language {language!r}; known: {', '.join(known) or 'none (empty)'}")
        rows = [r for r in rows if r.language == language.lower()]
    papers = [_summary(row, kb.settings.base_iri) for row in rows]
    return PaperList(total=len(papers), results=papers)


@router.get(
    "/papers/{paper_id}",
    response_model=PaperDetail,
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "The paper as JSON, an HTML page with its text and every evidence sentence marked,"
            " or its citation as RIS or BibTeX.",
            "content": {
                "application/json": {
                    "example": {
                        "paper": _EXAMPLE_PAPER,
                        "studies": [],
                        "results": [],
                        "text": "症例は非血縁者間臍帯血移植後に…",
                        "highlights": [
                            {
                                "record_id": "003_bc4f08158784ce0d-r-…",
                                "kind": "evidence",
                                "char_start": 3505,
                                "char_end": 3627,
                            }
                        ],
                    }
                },
                "text/html": {"example": "<!doctype html>…"},
                "application/x-research-info-systems": {"example": "TY  - GEN\r\n…"},
                "application/x-bibtex": {"example": "@misc{hemekb:003_bc4f08158784ce0d, …}"},
            },
        },
    },
)
def get_paper(
    request: Request,
    kb: KnowledgeBaseDep,
    paper_id: Annotated[
        str,
        Path(
            max_length=MAX_ID_CHARS, description="Paper id or file name.", examples=["003_bc4f08158784ce0d"]
        ),
    ],
    format: Annotated[str | None, format_query(PAPER_FORMATS, "json")] = None,
    include_text: Annotated[bool, Query(description="Include the full text (JSON).", examples=[True])] = True,
    highlight: Annotated[
        str | None,
        Query(
            max_length=MAX_ID_CHARS,
            description="Record id to mark distinctly on the HTML page.",
            examples=["…-r-…"],
        ),
    ] = None,
) -> Response:
    """One paper: metadata, studies, all results, and the full text with the offsets of every
    evidence sentence (`highlights`), so that a client can mark them in the original language."""
    reject_unknown(request, ["format", "include_text", "highlight"])
    fmt = choose_format(request, format, PAPER_FORMATS)
    papers = kb.papers()
    rows = {r.id.lower(): r for r in papers} | {r.file.lower(): r for r in papers}
    row = rows.get(paper_id.lower())
    if row is None:
        raise HTTPException(status_code=404, detail=f"no paper {paper_id!r}; GET /papers lists the papers")
    records = kb.all_outcomes(OutcomeFilters(paper=row.id, review="any")) if row.results else []
    studies = [summary(s) for s in kb.studies(OutcomeFilters(paper=row.id))] if row.results else []
    paper = _summary(row, kb.settings.base_iri)
    if fmt.name in ("ris", "bibtex"):
        refs = {row.id: [r.study for r in records]}
        ref = records[0].paper if records else None
        paper_ref = ref or PaperRef(id=row.id, file=row.file, title=row.title, language=row.language)
        body = render_citations([paper_ref], refs, fmt.name, kb.settings.base_iri, details_of([row]))
        return download(body, fmt, f"hemekb-{row.id}")
    text = kb.paper_text(row)
    if fmt.name == "html":
        return web.paper_page(request, paper, studies, records, text, highlight)
    highlights = [
        Highlight(
            record_id=r.id, kind="evidence", char_start=r.evidence.char_start, char_end=r.evidence.char_end
        )
        for r in records
    ] + [
        Highlight(record_id=r.id, kind="mention", char_start=m.char_start, char_end=m.char_end)
        for r in records
        for m in r.mentions
    ]
    detail = PaperDetail(
        paper=paper,
        studies=studies,
        results=records,
        text=text if include_text else None,
        highlights=highlights,
    )
    return Response(detail.model_dump_json(), media_type="application/json")


# ---------------------------------------------------------------------- writes (API key: api/security.py)

UPLOAD_FIELD = "files"
_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **KEY_RESPONSES,
    503: {
        "model": ErrorEnvelope,
        "description": "The knowledge base is being written by another process or job; try again.",
    },
}
_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [UPLOAD_FIELD],
                "properties": {
                    UPLOAD_FIELD: {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "One or more paper files (.txt, .html, .xml JATS, .pdf), each a"
                        f" part named {UPLOAD_FIELD!r} with its file name.",
                    }
                },
            }
        }
    },
}


class UploadTooLarge(Exception):
    """The request body passed KB_MAX_UPLOAD_BYTES while it was read."""


async def _capped(stream: AsyncIterator[bytes], cap: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > cap:
            raise UploadTooLarge
        yield chunk


def _too_large(cap: int) -> RequestRefused:
    message = f"the upload is larger than KB_MAX_UPLOAD_BYTES ({cap} bytes); nothing was kept"
    return RequestRefused(413, "upload_too_large", message)


@router.post(
    "/papers",
    status_code=202,
    response_model=JobOut,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        **ERROR_RESPONSES,
        **_WRITE_RESPONSES,
        202: {
            "description": "Accepted: the job that ingests the files (header Location: /jobs/{id}).",
            "content": {"application/json": {"example": {**EXAMPLE_JOB, "status": "queued", "results": []}}},
        },
        413: {"model": ErrorEnvelope, "description": "The body is larger than KB_MAX_UPLOAD_BYTES."},
        415: {"model": ErrorEnvelope, "description": "Not multipart/form-data, or a file of another type."},
        507: {
            "model": ErrorEnvelope,
            "description": "The key's upload quota (KB_UPLOAD_QUOTA_BYTES) or all uploads'"
            " (KB_UPLOADS_TOTAL_BYTES) would be exceeded.",
        },
    },
)
async def upload_papers(
    request: Request,
    response: Response,
    runner: JobRunnerDep,
    owner: Annotated[str, Depends(require_api_key)],
) -> JobOut:
    """Upload paper files (multipart, field `files`) to be ingested in the background.

    The body is read to a temporary file with a cap (KB_MAX_UPLOAD_BYTES); every file name is
    checked first, and the files are kept under KB_HOME/uploads by SHA-256 only when all pass.
    The answer is the queued job: follow its Location (GET /jobs/{id}) for progress and each
    paper's result. Jobs run one at a time, in order.
    """
    settings = runner.settings
    cap = settings.max_upload_bytes
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise RequestRefused(
            415, "unsupported_media_type", f"send the papers as multipart/form-data, field {UPLOAD_FIELD!r}"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(cap)
    parser = MultiPartParser(request.headers, _capped(request.stream(), cap))
    try:
        form = await parser.parse()
    except UploadTooLarge:
        raise _too_large(cap) from None
    except MultiPartException as exc:
        raise RequestRefused(400, "invalid_request", f"unreadable multipart body: {exc.message}") from None
    try:
        other = sorted({name for name, _ in form.multi_items() if name != UPLOAD_FIELD})
        if other:
            raise RequestRefused(
                422, "invalid_parameter", f"unknown form field {other[0]!r}; send files as {UPLOAD_FIELD!r}"
            )
        parts = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
        if len(parts) != len(form.getlist(UPLOAD_FIELD)) or not parts:
            message = f"{UPLOAD_FIELD}: one or more files are needed, each with a file name"
            raise RequestRefused(422, "invalid_parameter", message)
        named = []
        for part in parts:  # every name is checked before any file is kept
            try:
                named.append((checked_file_name(part.filename), part.file))
            except UploadRefused as exc:
                raise RequestRefused(415, "unsupported_media_type", str(exc)) from None
        incoming = sum(part.size or 0 for part in parts)
        await run_in_threadpool(_check_quotas, runner, owner, incoming)
        kept = await run_in_threadpool(keep_uploads, settings, named)
    finally:
        await form.close()
    job = runner.submit(kept, owner_key=owner)
    response.headers["Location"] = f"/jobs/{job.id}"
    return job_out(job)


def _check_quotas(runner: JobRunner, owner: str, incoming: int) -> None:
    """507 when `incoming` more bytes would take the key's uploads past KB_UPLOAD_QUOTA_BYTES or all
    uploads past KB_UPLOADS_TOTAL_BYTES (a file sent again counts again: the check comes before
    hashing). Files that failed are deleted with their job and no longer count."""
    settings, registry = runner.settings, runner.registry
    own, every = registry.upload_bytes(settings, owner), registry.upload_bytes(settings)
    quotas = (
        (own, settings.upload_quota_bytes, "this key's", "KB_UPLOAD_QUOTA_BYTES"),
        (every, settings.uploads_total_bytes, "all", "KB_UPLOADS_TOTAL_BYTES"),
    )
    for used, limit, whose, setting in quotas:
        if used + incoming > limit:
            raise RequestRefused(
                507,
                "insufficient_storage",
                f"{whose} uploads hold {used:,} bytes; these {incoming:,} more would pass the {limit:,}-byte"
                f" quota ({setting}): delete papers (DELETE /papers/{{id}}) or raise it",
            )


class DeletedPaperOut(BaseModel):
    id: str
    file: str | None = Field(description="The paper's file name, when its graph was found.")
    results: int = Field(description="Outcome records removed with it.")
    text_removed: bool = Field(description="Its saved text was removed (kept while another paper has it).")
    uploads_removed: int = Field(description="Uploaded files of the paper removed from KB_HOME/uploads.")


@router.delete(
    "/papers/{paper_id}",
    response_model=DeletedPaperOut,
    dependencies=[Depends(require_api_key)],
    responses={
        **ERROR_RESPONSES,
        **_WRITE_RESPONSES,
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "id": "003_bc4f08158784ce0d",
                        "file": "003_bc4f08158784ce0d.txt",
                        "results": 2,
                        "text_removed": True,
                        "uploads_removed": 1,
                    }
                }
            }
        },
    },
)
def delete_paper(
    runner: JobRunnerDep,
    paper_id: Annotated[
        str,
        Path(
            max_length=MAX_ID_CHARS, description="Paper id or file name.", examples=["003_bc4f08158784ce0d"]
        ),
    ],
) -> DeletedPaperOut:
    """Remove a paper everywhere: its graph, its search entries, its saved text and its upload.

    All or nothing: if the search index cannot be updated, the graph is put back.
    """
    with runner.writing():
        deleted = runner.knowledge_base.delete_paper(paper_id)
    if deleted is None:
        raise RequestRefused(404, "not_found", f"no paper {paper_id!r}; GET /papers lists the papers")
    return DeletedPaperOut(
        id=deleted.id,
        file=deleted.file,
        results=deleted.results,
        text_removed=deleted.text_removed,
        uploads_removed=deleted.uploads_removed,
    )
