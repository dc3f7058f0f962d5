"""The FastAPI application: routers, error handlers and the knowledge base they share."""

from __future__ import annotations

import gc
import logging
import threading
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from api import access_log
from api.answer_cache import AnswerCacheMiddleware
from api.body_limit import BodyTooLarge, RequestBodyLimit, body_too_large
from api.caching import ETagMiddleware
from api.errors import install_error_handlers
from api.fair_use import QueryBudgets
from api.routes import (
    common,
    compare,
    concepts,
    health,
    jobs,
    outcomes,
    papers,
    resource,
    review_form,
    reviews,
    saved_comparisons,
    search,
    sparql,
    studies,
    web,
)
from api.security import RequestRefused, request_refused
from ingest.ingestion import IngestingKnowledgeBase
from ingest.jobs import JobRunner
from kb import __version__
from kb.exports.render import NotAcceptable
from kb.search.engine import warm_up_in_background
from kb.settings import Settings

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
# A server keeps ~0.6 M objects alive (model, vocabularies, records, caches). With CPython's default
# thresholds (700, 10, 10) a full collection walks them all every few hundred requests: pauses of
# 100-400 ms at 1,000 papers. So what is alive once the warm-up is done is frozen (never walked
# again), the young generation is larger and full collections rarer: over 400 requests of the load
# test's mix, GC pauses went from 1,744 ms in all (longest 417 ms) to ~200 ms (longest 14 ms)
# (bench/results/load_notes.md).
SERVER_GC_THRESHOLDS = (5_000, 10, 1_000)


def freeze_when_warm(warm_up: threading.Thread) -> threading.Thread:
    """Once `warm_up` is done, collect, then move every live object out of the collector's walks."""

    def run() -> None:
        warm_up.join()
        gc.collect()
        gc.freeze()

    thread = threading.Thread(target=run, name="gc-freeze", daemon=True)
    thread.start()
    return thread


def _unique_operation_ids(app: FastAPI) -> None:
    """A route that answers GET and HEAD is documented as two operations with FastAPI's one
    generated id; OpenAPI wants ids unique, so the HEAD operation's gets "_head" once the document
    is generated (and FastAPI's warning about the duplicate, fixed here, is not shown)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Duplicate Operation ID", category=UserWarning)
                schema = generate()
            for operations in schema.get("paths", {}).values():
                get, head = operations.get("get"), operations.get("head")
                if get and head and head.get("operationId") == get.get("operationId"):
                    head["operationId"] = f"{get['operationId']}_head"
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    """An app over the knowledge base in `settings.home`, read-only: `kb ingest` writes it meanwhile."""
    knowledge_base = IngestingKnowledgeBase(settings or Settings())
    job_runner = JobRunner(knowledge_base)  # POST /papers: one background writer, jobs in order

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gc.set_threshold(*SERVER_GC_THRESHOLDS)
        # a write a killed process cut is completed or undone before the first answer (kb/store/recovery.py)
        for settled in knowledge_base.settle_cut_writes():
            log.warning("cut write settled at start: %s", settled.line())
        sparql.start_sparql(app)
        warm_up = warm_up_in_background(knowledge_base.search)  # model, vectors: not on the first user
        freeze_when_warm(warm_up)
        job_runner.start()
        yield
        job_runner.stop()
        sparql.stop_sparql(app)
        knowledge_base.close()

    app = FastAPI(
        title="hemekb",
        version=__version__,
        description="Outcome results extracted from papers on immunotherapy in blood cancers.",
        lifespan=lifespan,
    )
    app.state.knowledge_base = knowledge_base
    app.state.query_budgets = QueryBudgets(knowledge_base.settings.client_query_seconds)
    app.state.job_runner = job_runner
    install_error_handlers(app)
    access_log.install(knowledge_base.settings.api_key_list())  # no key or token in clear in the log
    app.add_exception_handler(RequestRefused, request_refused)  # 401/403/404/413/415 of writes and jobs
    app.add_exception_handler(BodyTooLarge, body_too_large)  # 413 for a body past KB_MAX_REQUEST_BYTES
    app.add_exception_handler(NotAcceptable, common.not_acceptable)  # 406, before the 400 of QueryRefused
    app.include_router(outcomes.router)
    app.include_router(reviews.router)
    app.include_router(review_form.router)
    app.include_router(health.router)
    app.include_router(sparql.router)
    app.include_router(resource.router)
    for path in resource.base_paths(knowledge_base.settings):  # minted IRIs arriving at this server
        app.add_api_route(
            path + "{path:path}", resource.see_resource, methods=["GET", "HEAD"], include_in_schema=False
        )
    app.include_router(search.router)
    app.include_router(studies.router)
    app.include_router(papers.router)
    app.include_router(jobs.router)
    app.include_router(concepts.router)
    app.include_router(compare.router)
    app.include_router(saved_comparisons.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _unique_operation_ids(app)
    # Outermost last: CORS answers preflights, gzip compresses what the ETag layer validated.
    app.add_middleware(RequestBodyLimit, max_bytes=knowledge_base.settings.max_request_bytes)
    app.add_middleware(ETagMiddleware, max_age=knowledge_base.settings.cache_max_age)
    # Level 5, not Starlette's 9: on a 2.4 MB comparison table half the time for ~2% more bytes.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)
    # Outside gzip and ETag: a kept answer is the final one (api/answer_cache.py).
    app.add_middleware(
        AnswerCacheMiddleware,
        data_version=knowledge_base.data_version,
        max_bytes=knowledge_base.settings.response_cache_bytes,
    )
    origins = [o.strip() for o in knowledge_base.settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["*"],
            expose_headers=["ETag", "X-Total-Count", "Link", "Content-Disposition"],
        )
    return app
