"""The endpoint linker: which endpoint mention of its sentence a reported number belongs to.

A logistic model over (number, mention) pairs (features: `ingest.extract.link_features`). A number
takes the mention with the highest probability, if that probability clears the threshold; the
probability is the record's confidence. Trained by `python -m ingest.extract.training fit` from the
annotations in `ingest/extract/annotations/`; fitting needs scikit-learn, predicting only the
weights, kept as JSON (readable: `top_features`) with the version of the features they fit.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

MODEL_PATH = Path(__file__).parent / "models" / "endpoint_linker.json"
# Bump when link_features changes meaning: a model fitted on other features is refused.
FEATURES_VERSION = 2


class ModelMismatch(RuntimeError):
    """A saved model was fitted on another version of the features."""


def check_features_version(path: Path, found: object, expected: int) -> None:
    """Refuse a model fitted on other features, saying how to rebuild it."""
    if found != expected:
        raise ModelMismatch(
            f"{path} was fitted on features version {found}, these are version {expected}; "
            "rebuild it: python -m ingest.extract.training fit"
        )


class EndpointLinker:
    """Binary logistic regression on feature dicts, with fit/predict_proba as in scikit-learn.

    Parameters: `C` (inverse L2 strength, default 0.1), `threshold` (probability a link needs,
    default 0.25); both chosen by the tune part's cross-validated F1 with the corpus kept at
    0.95 / 0.95. Learned state: `weights_` (feature -> weight), `intercept_`.
    """

    def __init__(self, C: float = 0.1, threshold: float = 0.25) -> None:  # noqa: N803 (scikit-learn names)
        self.C = C
        self.threshold = threshold
        self.weights_: dict[str, float] = {}
        self.intercept_ = 0.0

    def fit(self, X: list[dict[str, float]], y: list[int]) -> EndpointLinker:  # noqa: N803
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = DictVectorizer(sort=True)
        matrix = vectorizer.fit_transform(X)
        model = LogisticRegression(C=self.C, solver="lbfgs", max_iter=2000)
        model.fit(matrix, y)
        names = vectorizer.get_feature_names_out()
        self.weights_ = {
            str(name): round(float(w), 6) for name, w in zip(names, model.coef_[0], strict=True) if w != 0.0
        }
        self.intercept_ = round(float(model.intercept_[0]), 6)
        return self

    def score(self, features: dict[str, float]) -> float:
        """Probability that the pair is a link."""
        z = self.intercept_ + sum(self.weights_.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def predict_proba(self, X: list[dict[str, float]]) -> list[float]:  # noqa: N803
        return [self.score(f) for f in X]

    def top_features(self, k: int = 20) -> list[tuple[str, float]]:
        """The k features with the largest weights, either sign: what the model learned."""
        return sorted(self.weights_.items(), key=lambda kv: -abs(kv[1]))[:k]

    def save(self, path: Path = MODEL_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "model": "endpoint_linker",
            "features_version": FEATURES_VERSION,
            "C": self.C,
            "threshold": self.threshold,
            "intercept": self.intercept_,
            "weights": dict(sorted(self.weights_.items())),
        }
        path.write_text(json.dumps(state, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> EndpointLinker:
        state = json.loads(path.read_text(encoding="utf-8"))
        check_features_version(path, state.get("features_version"), FEATURES_VERSION)
        model = cls(C=state["C"], threshold=state["threshold"])
        model.weights_ = dict(state["weights"])
        model.intercept_ = float(state["intercept"])
        return model


@cache
def shipped_linker() -> EndpointLinker:
    """The model that ships with the package, loaded once per process."""
    return EndpointLinker.load()
