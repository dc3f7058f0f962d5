"""The FastAPI application: routers, error handlers and the knowledge base they share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routes import health, outcomes
from kb import __version__
from kb.service import KnowledgeBase
from kb.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """An app over the knowledge base in `settings.home`, read-only: `kb ingest` writes it meanwhile."""
    knowledge_base = KnowledgeBase(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        knowledge_base.close()

    app = FastAPI(
        title="hemekb",
        version=__version__,
        description="Outcome results extracted from papers on immunotherapy in blood cancers.",
        lifespan=lifespan,
    )
    app.state.knowledge_base = knowledge_base
    install_error_handlers(app)
    app.include_router(outcomes.router)
    app.include_router(health.router)
    return app
