"""Shared set-up of the tests of shipped models."""

from __future__ import annotations

import json
from pathlib import Path


def stale_copy(model_path: Path, folder: Path) -> Path:
    """A copy of a shipped model's JSON that says it was fitted on another version of its features."""
    state = json.loads(model_path.read_text(encoding="utf-8"))
    state["features_version"] = 0
    stale = folder / model_path.name
    stale.write_text(json.dumps(state), encoding="utf-8")
    return stale
