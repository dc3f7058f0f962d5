"""Confidence as a probability: a record's raw score, mapped by what produced it (the linker, the
classifier, the grammar or a table) to the share of such records that were right on held-out text.

Fitted by `python -m ingest.extract.training calibrate` with isotonic regression on the records of
the cross-validated tune part (each scored by models that never saw its paper): a record is right
when the curators' gold has its endpoint and value (and its time point, where the gold states one).
Kept as step functions in `models/confidence_calibration.json`.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

CALIBRATION_PATH = Path(__file__).parent / "models" / "confidence_calibration.json"


@dataclass
class Calibration:
    """Per origin, increasing steps (raw score thresholds -> probability); `fallback` for an origin
    with too few held-out records to fit."""

    steps: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    fallback: dict[str, float] = field(default_factory=dict)

    def fit(
        self, origins: list[str], scores: list[float], right: list[bool], min_records: int = 20
    ) -> Calibration:
        from sklearn.isotonic import IsotonicRegression

        for origin in sorted(set(origins)):
            xs = [s for o, s in zip(origins, scores, strict=True) if o == origin]
            ys = [float(r) for o, r in zip(origins, right, strict=True) if o == origin]
            if len(xs) < min_records:
                self.fallback[origin] = round(sum(ys) / len(ys), 4)
                continue
            model = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(xs, ys)
            self.steps[origin] = (
                [round(float(x), 6) for x in model.X_thresholds_],
                [round(float(y), 4) for y in model.y_thresholds_],
            )
        return self

    def probability(self, origin: str, score: float) -> float:
        if origin not in self.steps:
            return self.fallback.get(origin, score)
        xs, ys = self.steps[origin]
        k = bisect.bisect_right(xs, score) - 1
        if k < 0:
            return ys[0]
        if k >= len(xs) - 1:
            return ys[-1]
        # linear between thresholds, as scikit-learn's IsotonicRegression.predict
        x0, x1, y0, y1 = xs[k], xs[k + 1], ys[k], ys[k + 1]
        return round(y0 + (y1 - y0) * (score - x0) / (x1 - x0), 4) if x1 > x0 else y1

    def save(self, path: Path = CALIBRATION_PATH) -> None:
        state = {"steps": {k: {"scores": v[0], "probabilities": v[1]} for k, v in self.steps.items()}}
        state["fallback"] = self.fallback
        path.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = CALIBRATION_PATH) -> Calibration:
        state = json.loads(path.read_text(encoding="utf-8"))
        steps = {k: (v["scores"], v["probabilities"]) for k, v in state["steps"].items()}
        return cls(steps=steps, fallback=dict(state["fallback"]))


@cache
def shipped_calibration() -> Calibration:
    return Calibration.load()
