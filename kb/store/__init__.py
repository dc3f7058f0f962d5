"""Graph stores behind one interface, chosen by name (settings `KB_STORE`)."""

from __future__ import annotations

from kb.errors import StoreMisconfigured
from kb.settings import Settings
from kb.store.base import Answer, Dataset, GraphStore, QueryResult, Row, Solutions
from kb.store.oxigraph import OxigraphStore, published_snapshot
from kb.store.sparql_server import SparqlServerStore

# name -> implementation: the embedded store, and any SPARQL 1.1 server (tested with Virtuoso).
BACKENDS: dict[str, type[GraphStore]] = {
    OxigraphStore.name: OxigraphStore,
    SparqlServerStore.name: SparqlServerStore,
}


def open_store(settings: Settings, *, writable: bool) -> GraphStore:
    """Open the store the settings name: `writable` for ingest, read-only for queries."""
    backend = BACKENDS.get(settings.store)
    if backend is None:
        known = ", ".join(BACKENDS)
        raise StoreMisconfigured(f"unknown store backend {settings.store!r} (KB_STORE); available: {known}")
    return backend.from_settings(settings, writable=writable)


__all__ = [
    "BACKENDS",
    "Answer",
    "Dataset",
    "GraphStore",
    "OxigraphStore",
    "QueryResult",
    "Row",
    "Solutions",
    "SparqlServerStore",
    "open_store",
    "published_snapshot",
]
