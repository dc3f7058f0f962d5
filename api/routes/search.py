"""GET /search: passages and outcome records for a query in any corpus language."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from api.deps import KnowledgeBaseDep
from api.errors import ERROR_RESPONSES, UnknownParameter
from api.fair_use import TOO_MANY_RESPONSES, charged_search
from api.routes.common import MAX_FILTER_CHARS
from kb.embedding import embedder
from kb.search import DEFAULT_K, FILTERS, MAX_K, SearchResults, index_path
from kb.service import KnowledgeBase

router = APIRouter(tags=["search"])

_PARAMETERS = ["q", "k", *FILTERS]
MAX_QUERY_CHARS = 1000  # a question, not a document: longer is refused (422)


def _filter(description: str) -> Any:
    return Query(max_length=MAX_FILTER_CHARS, description=description)


@router.get(
    "/search",
    response_model=SearchResults,
    responses={**ERROR_RESPONSES, **TOO_MANY_RESPONSES},
    dependencies=[Depends(charged_search)],
)
def search(
    request: Request,
    kb: KnowledgeBaseDep,
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_CHARS,
            description="What to look for, in any corpus language (en, ru, tr, zh, ja).",
        ),
    ],
    k: Annotated[int, Query(description=f"Number of hits, 1 to {MAX_K}.")] = DEFAULT_K,
    language: Annotated[str | None, _filter("Language of the paper, e.g. zh.")] = None,
    paper: Annotated[str | None, _filter("Paper id or file name.")] = None,
    disease: Annotated[str | None, _filter("Disease id or canonical label, e.g. b-all.")] = None,
    antigen: Annotated[str | None, _filter("Antigen symbol, e.g. CD22.")] = None,
    endpoint: Annotated[str | None, _filter("Endpoint code from CONTRACT.md, e.g. CR.")] = None,
) -> SearchResults:
    """Hybrid (vector + BM25) search over passages and outcome cards; filters are case-insensitive.

    A hit's `text` is the paper's own words (the passage, or the record's evidence sentence); an
    outcome hit also carries its `record` and `evidence`. An unknown filter value is refused (400)
    with the values that exist, and so is a `k` outside 1..50. Each client has a budget of query time
    per minute (KB_CLIENT_QUERY_SECONDS): past it, 429 with Retry-After.
    """
    unknown = sorted(set(request.query_params) - set(_PARAMETERS))
    if unknown:
        raise UnknownParameter(f"unknown parameter {unknown[0]!r}; allowed: {', '.join(_PARAMETERS)}")
    filters = {
        "language": language,
        "paper": paper,
        "disease": disease,
        "antigen": antigen,
        "endpoint": endpoint,
    }
    return kb.search(q, k, filters)


def warm_up(knowledge_base: KnowledgeBase) -> None:
    """Load the embedding model in the background when there is an index, so the first search is fast."""
    settings = knowledge_base.settings
    if index_path(settings).exists():
        threading.Thread(target=embedder, args=(settings.embedding_model,), daemon=True).start()
