"""The learned parts of the extractor, loaded together: the endpoint linker (which mention a
number belongs to) and the endpoint classifier (what a number reports when no mention is there)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ingest.extract.endpoint_classifier import EndpointClassifier, shipped_classifier
from ingest.extract.endpoint_linker import EndpointLinker, shipped_linker


@dataclass(frozen=True)
class LearnedParts:
    linker: EndpointLinker | None = None
    classifier: EndpointClassifier | None = None


@cache
def shipped_parts() -> LearnedParts:
    """The models that ship with the package, loaded once per process."""
    return LearnedParts(linker=shipped_linker(), classifier=shipped_classifier())
