"""Binary logistic regression over feature dicts, persisted as readable JSON weights.

The learned parts that decide yes or no (the extractor's: does this number belong to this mention,
is this word a trial's name, does this text report its own study; the search's: does this document
answer this question) are this one estimator with their own features. Fitting needs scikit-learn;
predicting needs only the weights, saved with the version of the features they were fitted on, so a
model of other features is refused.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import ClassVar, Self


class ModelMismatch(RuntimeError):
    """A saved model was fitted on another version of the features."""


EXTRACTOR_REBUILD = "python -m ingest.extract.training fit"


def check_features_version(
    path: Path, found: object, expected: int, rebuild: str = EXTRACTOR_REBUILD
) -> None:
    """Refuse a model fitted on other features, saying how to rebuild it."""
    if found != expected:
        raise ModelMismatch(
            f"{path} was fitted on features version {found}, these are version {expected}; "
            f"rebuild it: {rebuild}"
        )


class DictLogistic:
    """fit / predict_proba as in scikit-learn, on lists of {feature: value} dicts.

    Subclasses name the model (`model_name`), its file (`model_path`) and the version of their
    features (`features_version`). `C` is the inverse L2 strength, `threshold` the probability a
    yes needs. Learned state: `weights_` (feature -> weight), `intercept_`.
    """

    model_name: ClassVar[str] = "logistic"
    model_path: ClassVar[Path]
    features_version: ClassVar[int] = 1
    rebuild_command: ClassVar[str] = EXTRACTOR_REBUILD

    def __init__(
        self,
        C: float = 0.1,  # noqa: N803 (scikit-learn names)
        threshold: float = 0.5,
        class_weight: str | None = None,
    ) -> None:
        self.C = C
        self.threshold = threshold
        self.class_weight = class_weight
        self.weights_: dict[str, float] = {}
        self.intercept_ = 0.0

    def fit(self, X: list[dict[str, float]], y: list[int]) -> Self:  # noqa: N803
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = DictVectorizer(sort=True)
        matrix = vectorizer.fit_transform(X)
        model = LogisticRegression(C=self.C, solver="lbfgs", max_iter=2000, class_weight=self.class_weight)
        model.fit(matrix, y)
        names = vectorizer.get_feature_names_out()
        self.weights_ = {
            str(name): round(float(w), 6) for name, w in zip(names, model.coef_[0], strict=True) if w != 0.0
        }
        self.intercept_ = round(float(model.intercept_[0]), 6)
        return self

    def score(self, features: dict[str, float]) -> float:
        """Probability of yes."""
        z = self.intercept_ + sum(self.weights_.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def predict_proba(self, X: list[dict[str, float]]) -> list[float]:  # noqa: N803
        return [self.score(f) for f in X]

    def top_features(self, k: int = 20) -> list[tuple[str, float]]:
        """The k features with the largest weights, either sign: what the model learned."""
        return sorted(self.weights_.items(), key=lambda kv: -abs(kv[1]))[:k]

    def save(self, path: Path | None = None) -> None:
        path = path or self.model_path
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "model": self.model_name,
            "features_version": self.features_version,
            "C": self.C,
            "threshold": self.threshold,
            "intercept": self.intercept_,
            "weights": dict(sorted(self.weights_.items())),
        }
        path.write_text(json.dumps(state, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> Self:
        path = path or cls.model_path
        state = json.loads(path.read_text(encoding="utf-8"))
        check_features_version(path, state.get("features_version"), cls.features_version, cls.rebuild_command)
        model = cls(C=state["C"], threshold=state["threshold"])
        model.weights_ = dict(state["weights"])
        model.intercept_ = float(state["intercept"])
        return model
