"""Endpoint from context: what a number reports when its sentence names no endpoint the
vocabularies know ("CMR rate was 59%", "tasa de respuesta 73%", "全奏効は73%").

A multinomial logistic model over character n-grams of the words before and after the number
(`context_features`), with a class `NONE` for numbers that report no result. Its probability of
the chosen endpoint is the record's confidence. Fitted by `python -m ingest.extract.training fit`
with the endpoint linker, from the same annotations; kept as a compressed weight matrix with the
feature names and classes, and the version of the features it was fitted on.
"""

from __future__ import annotations

import io
import json
import re
from functools import cache
from pathlib import Path

import numpy as np

from ingest.extract.values import Value

MODEL_PATH = Path(__file__).parent / "models" / "endpoint_classifier.npz"
FEATURES_VERSION = 1
NONE = "NONE"
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_SPACES = re.compile(r"\s+")


def _ngrams(text: str, prefix: str, sizes: tuple[int, ...] = (2, 3, 4)) -> dict[str, float]:
    text = _SPACES.sub(" ", _DIGITS.sub("0", text.lower()))
    out: dict[str, float] = {}
    for n in sizes:
        for k in range(len(text) - n + 1):
            out[f"{prefix}{text[k : k + n]}"] = 1.0
    return out


def context_features(text: str, v: Value) -> dict[str, float]:
    """Character n-grams of the 40 characters before the number and the 16 after it (digits
    folded to 0), and the number's kind."""
    f = _ngrams(text[max(0, v.start - 40) : v.start], "L:")
    f.update(_ngrams(text[max(0, v.start - 12) : v.start], "L12:", (2, 3)))
    f.update(_ngrams(text[v.end : v.end + 16], "R:"))
    f[f"kind={v.kind}"] = 1.0
    f["has_ci"] = float(v.ci_low is not None)
    f["has_count"] = float(v.count is not None)
    return f


class EndpointClassifier:
    """Multinomial logistic regression on feature dicts: fit/predict_proba as in scikit-learn.

    Parameters: `C` (inverse L2 strength, default 1.0), `threshold` (probability an endpoint needs,
    default 0.5), `min_count` (a feature must occur this often in training, default 2).
    Learned state: `classes_`, `features_` (names), `coef_` (classes x features), `intercept_`.
    """

    def __init__(self, C: float = 1.0, threshold: float = 0.5, min_count: int = 2) -> None:  # noqa: N803 (scikit-learn names)
        self.C = C
        self.threshold = threshold
        self.min_count = min_count
        self.classes_: list[str] = []
        self.features_: list[str] = []
        self.coef_ = np.zeros((0, 0), dtype=np.float32)
        self.intercept_ = np.zeros(0, dtype=np.float32)
        self._index: dict[str, int] = {}

    def fit(self, X: list[dict[str, float]], y: list[str]) -> EndpointClassifier:  # noqa: N803
        from collections import Counter

        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        counts = Counter(k for f in X for k in f)
        kept = [{k: v for k, v in f.items() if counts[k] >= self.min_count} for f in X]
        vectorizer = DictVectorizer(sort=True)
        matrix = vectorizer.fit_transform(kept)
        model = LogisticRegression(C=self.C, solver="lbfgs", max_iter=3000)
        model.fit(matrix, y)
        self.classes_ = [str(c) for c in model.classes_]
        self.features_ = [str(n) for n in vectorizer.get_feature_names_out()]
        coef, intercept = model.coef_, model.intercept_
        if len(self.classes_) == 2:  # scikit-learn keeps one row for two classes
            coef, intercept = np.vstack([-coef, coef]) / 2, np.array([-intercept[0], intercept[0]]) / 2
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = intercept.astype(np.float32)
        self._index = {n: k for k, n in enumerate(self.features_)}
        return self

    def proba(self, features: dict[str, float]) -> dict[str, float]:
        """Probability of each class for one number."""
        cols = [(self._index[k], v) for k, v in features.items() if k in self._index]
        z = self.intercept_.astype(np.float64).copy()
        for col, value in cols:
            z += self.coef_[:, col] * value
        z -= z.max()
        p = np.exp(z)
        p /= p.sum()
        return {c: float(q) for c, q in zip(self.classes_, p, strict=True)}

    def predict(self, features: dict[str, float]) -> tuple[str, float]:
        """The most probable endpoint and its probability; NONE when no endpoint clears the threshold."""
        probs = self.proba(features)
        best = max((c for c in probs if c != NONE), key=probs.__getitem__, default=NONE)
        if best == NONE or probs[best] < self.threshold:
            return NONE, probs.get(NONE, 1.0)
        return best, probs[best]

    def top_features(self, label: str, k: int = 15) -> list[tuple[str, float]]:
        row = self.coef_[self.classes_.index(label)]
        order = np.argsort(-row)[:k]
        return [(self.features_[i], float(row[i])) for i in order]

    def save(self, path: Path = MODEL_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "model": "endpoint_classifier",
            "features_version": FEATURES_VERSION,
            "C": self.C,
            "threshold": self.threshold,
            "min_count": self.min_count,
            "classes": self.classes_,
            "features": self.features_,
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
            coef=self.coef_.astype(np.float16),
            intercept=self.intercept_.astype(np.float32),
        )
        path.write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> EndpointClassifier:
        from ingest.extract.endpoint_linker import check_features_version

        with np.load(path) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            coef, intercept = data["coef"].astype(np.float32), data["intercept"].astype(np.float32)
        check_features_version(path, meta.get("features_version"), FEATURES_VERSION)
        model = cls(C=meta["C"], threshold=meta["threshold"], min_count=meta["min_count"])
        model.classes_, model.features_ = list(meta["classes"]), list(meta["features"])
        model.coef_, model.intercept_ = coef, intercept
        model._index = {n: k for k, n in enumerate(model.features_)}
        return model


@cache
def shipped_classifier() -> EndpointClassifier:
    return EndpointClassifier.load()
