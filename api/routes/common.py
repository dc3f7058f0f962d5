"""What the evidence routes share: the outcome filter parameters, format choice, downloads."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from api.errors import UnknownParameter, error_response
from kb.evidence.queries import SORT_KEYS, OutcomeFilters
from kb.exports.render import Format, negotiate

FILTER_NAMES = OutcomeFilters.names()
# Bounds of every read parameter (longer or larger: 422 invalid_parameter). No name, label or
# sort list comes near them; they keep a request from making the server scan megabytes of text.
MAX_FILTER_CHARS = 200
MAX_TEXT_CHARS = 500
MAX_ID_CHARS = 300
MAX_OFFSET = 1_000_000_000
MAX_PATIENTS = 10_000_000
SORT_DESCRIPTION = (
    f"Comma-separated sort keys: {', '.join(SORT_KEYS)}; prefix - for descending (missing values"
    " last), e.g. endpoint,-value. Ties: paper file, then position in the paper. Without sort,"
    " results come by strength of evidence (randomised and phase III trials first, a paper's own"
    " study before the studies it cites); sort=paper gives paper order."
)


def outcome_filters(
    antigen: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Target antigen symbol (HGNC-style), e.g. CD22, BCMA.",
            examples=["CD22"],
        ),
    ] = None,
    intervention: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Intervention: id, label, or any name in any corpus language (resolved through the"
            " vocabulary patterns), e.g. blinatumomab, блинатумомаб, 博纳吐单抗.",
            examples=["блинатумомаб"],
        ),
    ] = None,
    disease: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Disease id, label or short name, subtypes included (B-ALL includes Ph+ B-ALL).",
            examples=["MM"],
        ),
    ] = None,
    line: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Line of therapy: a concept (id, label or wording) or part of a stated line.",
            examples=["relapse after allo-HSCT"],
        ),
    ] = None,
    endpoint: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Endpoint code from CONTRACT.md, e.g. OS, PFS, CR.",
            examples=["PFS"],
        ),
    ] = None,
    paper: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Paper id or file name.",
            examples=["004_7bbdc09f035e49b5"],
        ),
    ] = None,
    drug_class: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Drug class of an intervention: BiTE, ADC, CAR-T, monoclonal antibody, …",
            examples=["CAR-T"],
        ),
    ] = None,
    population: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Population: infant, pediatric, adult, children and young adults.",
            examples=["pediatric"],
        ),
    ] = None,
    design: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Part of the stated study design, e.g. phase III.",
            examples=["phase III"],
        ),
    ] = None,
    study_role: Annotated[
        Literal["own", "cited"] | None,
        Query(description="own: the paper's own study; cited: studies the paper cites.", examples=["own"]),
    ] = None,
    study: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Study id or label, e.g. INO-VATE ALL.",
            examples=["MAIA"],
        ),
    ] = None,
    language: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Language of the paper: en, ru, tr, zh, ja.",
            examples=["zh"],
        ),
    ] = None,
    min_n: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_PATIENTS,
            description="Only results stated for at least this many patients.",
            examples=[40],
        ),
    ] = None,
    min_confidence: Annotated[
        float | None,
        Query(
            ge=0,
            le=1,
            description=(
                "Only results at least this likely to be right: `confidence` is the share of such"
                " records that were right on held-out text (bench/results/extraction_confidence.md)."
            ),
            examples=[0.9],
        ),
    ] = None,
    text: Annotated[
        str | None,
        Query(
            max_length=MAX_TEXT_CHARS,
            description="Part of the source sentence, in its language.",
            examples=["95%"],
        ),
    ] = None,
    review: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="Review status: accepted, corrected, rejected, unreviewed, comma-separated, or any."
            " Without it every record but the rejected ones.",
            examples=["accepted,corrected"],
        ),
    ] = None,
) -> OutcomeFilters:
    return OutcomeFilters(
        antigen=antigen,
        intervention=intervention,
        disease=disease,
        line=line,
        endpoint=endpoint,
        paper=paper,
        drug_class=drug_class,
        population=population,
        design=design,
        study_role=study_role,
        study=study,
        language=language,
        min_n=min_n,
        min_confidence=min_confidence,
        text=text,
        review=review,
    )


FiltersDep = Annotated[OutcomeFilters, Depends(outcome_filters)]


def format_query(allowed: Iterable[str], default: str) -> object:
    allowed = list(allowed)
    return Query(
        max_length=MAX_FILTER_CHARS,
        description=f"Output format: {', '.join(allowed)} (default {default}; the Accept header is used"
        " when no format is given). Unknown values are refused (400) with the allowed ones.",
        examples=[allowed[1] if len(allowed) > 1 else default],
        # documented as the enumeration it is; the check stays choose_format's, whose 400 names them
        json_schema_extra={"enum": allowed},
    )


def reject_unknown(request: Request, allowed: Iterable[str]) -> None:
    """Refuse a query parameter the route does not have, naming the ones it has."""
    names = list(allowed)
    unknown = sorted(set(request.query_params) - set(names))
    if unknown:
        raise UnknownParameter(f"unknown parameter {unknown[0]!r}; allowed: {', '.join(names)}")


def choose_format(
    request: Request, requested: str | None, allowed: Iterable[str], default: str | None = None
) -> Format:
    """`format=` (400 if unknown), else Accept (406 if nothing acceptable), else the default."""
    return negotiate(requested, request.headers.get("accept"), list(allowed), default)


async def not_acceptable(request: Request, exc: Exception) -> JSONResponse:
    """kb.exports.render.NotAcceptable -> 406 in the one error envelope (registered in api/main.py)."""
    return error_response(406, "not_acceptable", str(exc))


def content_disposition(disposition: str, filename: str) -> str:
    """A Content-Disposition header value (RFC 6266): headers are Latin-1, so a name in another script
    goes as RFC 5987 `filename*` with an ASCII `filename` for clients that do not read it."""
    if filename.isascii():
        return f'{disposition}; filename="{filename}"'
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(body: bytes, fmt: Format, stem: str, headers: dict[str, str] | None = None) -> Response:
    """A rendered body with its media type; files to save (CSV, XLSX, …) as attachments."""
    disposition = "inline" if fmt.name in ("json", "html", "svg", "png", "md") else "attachment"
    extra = {
        "Content-Disposition": content_disposition(disposition, f"{stem}.{fmt.extension}"),
        **(headers or {}),
    }
    return Response(content=body, media_type=fmt.content_type, headers=extra)


def page_headers(
    path: str,
    filters: OutcomeFilters,
    total: int,
    offset: int,
    limit: int | None,
    *,
    sort: str | None = None,
    format: str | None = None,
    layout: str | None = None,
) -> dict[str, str]:
    """`X-Total-Count`, and a `Link` to the next and previous pages of `path` with the same filters,
    sort, format and layout (no links when `limit` is None: the answer is everything from `offset`)."""
    headers = {"X-Total-Count": str(total)}
    if limit is None:
        return headers
    links = []
    if offset + limit < total:
        query = filter_query(
            filters, sort=sort, offset=offset + limit, limit=limit, format=format, layout=layout
        )
        links.append(f'<{path}?{query}>; rel="next"')
    if offset > 0:
        before = max(offset - limit, 0)
        query = filter_query(filters, sort=sort, offset=before, limit=limit, format=format, layout=layout)
        links.append(f'<{path}?{query}>; rel="prev"')
    if links:
        headers["Link"] = ", ".join(links)
    return headers


def filter_query(filters: OutcomeFilters, **extra: str | int | None) -> str:
    """The query string that asks for the same filters (plus `extra`), for links between views."""
    pairs = [(k, str(v)) for k, v in {**filters.given(), **extra}.items() if v is not None and v != ""]
    return urlencode(pairs)
