"""Saved comparisons (kb/evidence/saved_comparisons.py): POST /comparisons with an API key saves a named,
versioned comparison; GET /comparisons/{id}/versions/{n} always gives that version's rows, in every
format of GET /compare; GET /comparisons/{id}/feed is an Atom feed of what later ingests and reviews
added to or changed in its rows."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES
from api.routes.common import choose_format, download, format_query, reject_unknown
from api.routes.compare import MAX_COMPARED
from api.security import RequestRefused, require_api_key
from kb.errors import QueryRefused
from kb.evidence.queries import OutcomeFilters
from kb.evidence.saved_comparisons import (
    MAX_NAME_CHARS,
    Builder,
    Layout,
    SavedComparisons,
    Table,
    Version,
    atom_feed,
)
from kb.exports.render import COMPARE_FORMATS, render_comparison
from kb.model.records import OutcomeRecord
from kb.service import KnowledgeBase

router = APIRouter(tags=["saved comparisons"])
ComparisonId = Annotated[
    str, Path(max_length=100, description="The comparison's id.", examples=["dara-mm-pfs"])
]


class SaveComparison(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS, examples=["Daratumumab in myeloma, PFS"])
    filters: dict[str, str | int | float] = Field(
        default_factory=dict,
        description='Filters of GET /compare by name, e.g. {"intervention": "daratumumab", "disease": "MM"}.',
    )
    layout: Literal["arms", "comparisons"] = "comparisons"
    description: str | None = Field(default=None, max_length=4000)


class VersionOut(BaseModel):
    id: str
    version: int
    name: str
    description: str | None
    filters: dict[str, Any]
    layout: str
    created: str
    rows: int
    url: str = Field(description="The version's stable address: always the same rows.")
    feed: str


def _out(version: Version) -> VersionOut:
    page = f"/comparisons/{version.comparison_id}"
    return VersionOut(
        id=version.comparison_id,
        version=version.version,
        name=version.name,
        description=version.description,
        filters=version.filters,
        layout=version.layout,
        created=version.created,
        rows=version.rows,
        url=f"{page}/versions/{version.version}",
        feed=f"{page}/feed",
    )


def _builder(kb: KnowledgeBase) -> Builder:
    def build(filters: dict[str, Any], layout: Layout) -> tuple[Table, list[OutcomeRecord]]:
        try:
            chosen = OutcomeFilters(**filters)
        except TypeError as exc:
            known = ", ".join(OutcomeFilters.names())
            raise QueryRefused(f"unknown filter in {sorted(filters)}; known: {known}") from exc
        return kb.compare(chosen, layout, max_records=MAX_COMPARED)

    return build


def _saved(kb: KnowledgeBase) -> SavedComparisons:
    return SavedComparisons.open(kb.settings)


@router.post(
    "/comparisons",
    status_code=201,
    response_model=VersionOut,
    dependencies=[Depends(require_api_key)],
    responses={
        **ERROR_RESPONSES,
        200: {"description": "Unchanged: the latest version already holds these rows."},
    },
)
def save_comparison(kb: KnowledgeBaseDep, body: SaveComparison, response: Response) -> VersionOut:
    """Save a comparison: its rows as they are now become its next version (version 1 the first
    time), with a stable URL; saving the same name again adds a version only when the filters,
    layout or rows differ."""
    version, new = _saved(kb).save(body.name, dict(body.filters), body.layout, _builder(kb), body.description)
    out = _out(version)
    # a header is Latin-1: the id of a Chinese or Cyrillic name goes percent-encoded, as a URI
    response.headers["Location"] = quote(out.url, safe="/:?=&")
    if not new:
        response.status_code = 200
    return out


@router.get("/comparisons", response_model=list[VersionOut], responses=ERROR_RESPONSES)
def list_comparisons(kb: KnowledgeBaseDep) -> list[VersionOut]:
    """Every saved comparison, at its latest version."""
    latest: dict[str, Version] = {}
    for version in _saved(kb).versions():
        latest[version.comparison_id] = version
    return [_out(v) for v in latest.values()]


@router.get("/comparisons/{comparison_id}", response_model=list[VersionOut], responses=ERROR_RESPONSES)
def comparison_versions(kb: KnowledgeBaseDep, comparison_id: ComparisonId) -> list[VersionOut]:
    """Every version of a saved comparison, oldest first."""
    versions = _saved(kb).versions(comparison_id)
    if not versions:
        raise RequestRefused(
            404, "not_found", f"no saved comparison {comparison_id!r}; GET /comparisons lists them"
        )
    return [_out(v) for v in versions]


@router.get(
    "/comparisons/{comparison_id}/versions/{version}", response_class=Response, responses=ERROR_RESPONSES
)
def comparison_version(
    request: Request,
    kb: KnowledgeBaseDep,
    comparison_id: ComparisonId,
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    format: Annotated[str | None, format_query(COMPARE_FORMATS, "json")] = None,
) -> Response:
    """One version's rows as saved, in the formats of GET /compare: the same rows whatever was
    ingested or reviewed since."""
    reject_unknown(request, ["format"])
    fmt = choose_format(request, format, COMPARE_FORMATS)
    frozen = _saved(kb).frozen(comparison_id, version)
    if frozen is None:
        raise RequestRefused(404, "not_found", f"no version {version} of saved comparison {comparison_id!r}")
    table, records = frozen
    csv_url = str(request.url.include_query_params(format="csv"))
    body = render_comparison(
        table,
        fmt.name,
        records,
        csv_url=csv_url,
        base_iri=kb.settings.base_iri,
        title=f"hemekb comparison {comparison_id} v{version}",
    )
    return download(body, fmt, f"hemekb-{comparison_id}-v{version}")


@router.get(
    "/comparisons/{comparison_id}/feed",
    response_class=Response,
    responses={**ERROR_RESPONSES, 200: {"content": {"application/atom+xml": {}}}},
)
def comparison_feed(request: Request, kb: KnowledgeBaseDep, comparison_id: ComparisonId) -> Response:
    """An Atom feed of the rows later ingests and reviews added to, changed in or removed from the
    comparison (its latest version's filters), one entry each time a change is first seen."""
    saved = _saved(kb)
    latest = saved.version(comparison_id)
    if latest is None:
        raise RequestRefused(
            404, "not_found", f"no saved comparison {comparison_id!r}; GET /comparisons lists them"
        )
    observations = saved.watch(comparison_id, _builder(kb))
    base = str(request.base_url).rstrip("/")
    return Response(atom_feed(latest, observations, base), media_type="application/atom+xml")
