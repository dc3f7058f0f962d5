"""The endpoint linker: which endpoint mention of its sentence a reported number belongs to.

A logistic model over (number, mention) pairs (features: `ingest.extract.link_features`). A number
takes the mention with the highest probability, if that probability clears the threshold; the
probability is the record's confidence. Trained by `python -m ingest.extract.training fit` from the
annotations in `ingest/extract/annotations/`; fitting needs scikit-learn, predicting only the
weights, kept as JSON (readable: `top_features`) with the version of the features they fit.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kb.logistic import DictLogistic, ModelMismatch, check_features_version

MODEL_PATH = Path(__file__).parent / "models" / "endpoint_linker.json"
# Bump when link_features changes meaning: a model fitted on other features is refused.
FEATURES_VERSION = 2

__all__ = ["FEATURES_VERSION", "MODEL_PATH", "EndpointLinker", "ModelMismatch", "check_features_version"]


class EndpointLinker(DictLogistic):
    """Is this (number, mention) pair a link? `C` (default 0.1) and `threshold` (default 0.25) were
    chosen by the tune part's cross-validated F1 with the corpus kept at 0.95 / 0.95."""

    model_name = "endpoint_linker"
    model_path = MODEL_PATH
    features_version = FEATURES_VERSION

    def __init__(self, C: float = 0.1, threshold: float = 0.25) -> None:  # noqa: N803 (scikit-learn names)
        super().__init__(C=C, threshold=threshold)


@cache
def shipped_linker() -> EndpointLinker:
    """The model that ships with the package, loaded once per process."""
    return EndpointLinker.load()
