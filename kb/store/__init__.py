"""Graph stores behind one interface, chosen by name (settings `KB_STORE`)."""

from __future__ import annotations

from kb.errors import StoreMisconfigured
from kb.settings import Settings
from kb.store.base import GraphStore, QueryResult, Row
from kb.store.oxigraph import OxigraphStore

# name -> implementation; a SPARQL-server backend registers here next to the embedded one.
BACKENDS: dict[str, type[GraphStore]] = {OxigraphStore.name: OxigraphStore}


def open_store(settings: Settings, *, writable: bool) -> GraphStore:
    """Open the store the settings name: `writable` for ingest, read-only for queries."""
    backend = BACKENDS.get(settings.store)
    if backend is None:
        known = ", ".join(BACKENDS)
        raise StoreMisconfigured(f"unknown store backend {settings.store!r} (KB_STORE); available: {known}")
    return backend.from_settings(settings, writable=writable)


__all__ = ["BACKENDS", "GraphStore", "OxigraphStore", "QueryResult", "Row", "open_store"]
