"""GET /papers and GET /papers/{id}: papers with their studies, results and full text."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES
from api.routes import web
from api.routes.common import choose_format, download, format_query, reject_unknown
from api.routes.studies import StudySummary, summary
from kb.citations import details_of
from kb.errors import QueryRefused
from kb.queries import OutcomeFilters, PaperRow
from kb.records import OutcomeRecord, PaperRef
from kb.render import PAPER_FORMATS, render_citations

router = APIRouter(tags=["papers"])


class PaperSummary(BaseModel):
    id: str
    file: str
    title: str | None = Field(description="Title as read from the paper's first line.")
    language: str | None
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
        language=row.language,
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
    "language": "ja",
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
        str | None, Query(description="Only papers in this language, e.g. zh.", examples=["zh"])
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
    paper_id: Annotated[str, Path(description="Paper id or file name.", examples=["003_bc4f08158784ce0d"])],
    format: Annotated[str | None, format_query(PAPER_FORMATS, "json")] = None,
    include_text: Annotated[bool, Query(description="Include the full text (JSON).", examples=[True])] = True,
    highlight: Annotated[
        str | None, Query(description="Record id to mark distinctly on the HTML page.", examples=["…-r-…"])
    ] = None,
) -> Response:
    """One paper: metadata, studies, all results, and the full text with the offsets of every
    evidence sentence (`highlights`), so that a client can mark them in the original language."""
    reject_unknown(request, ["format", "include_text", "highlight"])
    fmt = choose_format(request, format, PAPER_FORMATS)
    rows = {r.id.lower(): r for r in kb.papers()} | {r.file.lower(): r for r in kb.papers()}
    row = rows.get(paper_id.lower())
    if row is None:
        raise HTTPException(status_code=404, detail=f"no paper {paper_id!r}; GET /papers lists the papers")
    records = kb.all_outcomes(OutcomeFilters(paper=row.id)) if row.results else []
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
