"""The learned parts of the extractor are artifacts: rebuilt from the annotations in the
repository by one command, they reproduce the shipped models and their scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from ingest.document import read_paper
from ingest.extract.assemble import MIN_PROBABILITY
from ingest.extract.calibration import Calibration, shipped_calibration
from ingest.extract.endpoint_classifier import EndpointClassifier
from ingest.extract.endpoint_linker import EndpointLinker, ModelMismatch
from ingest.extract.learned import shipped_parts
from ingest.extract.training import (
    ANNOTATIONS,
    cross_validate,
    fit,
    load_annotations,
    shared_dir,
    text_path,
    training_texts,
)
from kb.vocab import concepts
from tests.model_files import stale_copy

SHARED = shared_dir()
needs_shared = pytest.mark.skipif(
    not (SHARED / "dev" / "texts").is_dir(), reason="../shared/dev (the annotated texts) is not here"
)


def _endpoint_codes() -> set[str]:
    return {c.id for c in concepts("endpoints")} | {"HR"}


def test_annotations_are_labels_and_offsets_only() -> None:
    """No third-party sentence in the repository: a row names a text and a span, and the endpoints
    the number there reports."""
    codes = _endpoint_codes()
    rows = [json.loads(line) for path in ANNOTATIONS.glob("*.jsonl") for line in path.open(encoding="utf-8")]
    assert len(rows) > 500
    for row in rows:
        assert set(row) == {"text", "start", "end", "endpoints"}
        assert isinstance(row["start"], int) and row["start"] < row["end"]
        assert set(row["endpoints"]) <= codes, row


@needs_shared
def test_dev_annotations_come_from_the_tune_part_only() -> None:
    tune = {
        p["paper"] for p in yaml.safe_load((SHARED / "dev" / "gold-tune.yaml").read_text(encoding="utf-8"))
    }
    dev = {Path(ref).stem for ref in load_annotations() if ref.startswith("dev/")}
    assert dev and dev <= tune


@needs_shared
def test_annotated_spans_are_numbers_of_their_texts() -> None:
    """A span is a stated number, or the words of a median 'not reached'."""
    from kb.vocab import cue

    for ref, rows in load_annotations().items():
        text = read_paper(text_path(ref)).text
        for a in rows:
            span = text[a.start : a.end]
            assert any(ch.isdigit() for ch in span) or cue("not_reached").fullmatch(span), (ref, a)


@needs_shared
def test_rebuild_reproduces_the_shipped_models_and_their_scores() -> None:
    """`python -m ingest.extract.training fit` from the annotations gives the weights, the records
    and the calibration that ship."""
    annotations = load_annotations()
    rebuilt = fit(training_texts(annotations), annotations)
    shipped = shipped_parts()
    assert rebuilt.linker is not None and shipped.linker is not None
    assert rebuilt.classifier is not None and shipped.classifier is not None
    assert rebuilt.linker.weights_.keys() == shipped.linker.weights_.keys()
    for name, weight in rebuilt.linker.weights_.items():
        assert weight == pytest.approx(shipped.linker.weights_[name], abs=1e-5), name
    assert rebuilt.classifier.classes_ == shipped.classifier.classes_
    assert rebuilt.classifier.features_ == shipped.classifier.features_
    stored = rebuilt.classifier.coef_.astype(np.float16).astype(np.float32)
    assert np.allclose(stored, shipped.classifier.coef_, atol=1e-3)
    for part in ("trial_tagger", "report_kind", "arm_linker"):
        new, old = getattr(rebuilt, part), getattr(shipped, part)
        assert new is not None and old is not None and new.weights_.keys() == old.weights_.keys(), part
        for name, weight in new.weights_.items():
            assert weight == pytest.approx(old.weights_[name], abs=1e-5), (part, name)

    judged = cross_validate(ablations=False)
    calibration = Calibration().fit(
        [o for o, *_ in judged], [s for _, s, _, _ in judged], [r for *_, r in judged]
    )
    assert calibration.steps.keys() == shipped_calibration().steps.keys()
    for origin, (xs, ys) in calibration.steps.items():
        shipped_xs, shipped_ys = shipped_calibration().steps[origin]
        assert xs == pytest.approx(shipped_xs, abs=1e-4) and ys == pytest.approx(shipped_ys, abs=1e-3)


def test_a_model_of_other_features_is_refused_with_the_command_to_rebuild(tmp_path: Path) -> None:
    from ingest.extract.endpoint_linker import MODEL_PATH

    with pytest.raises(ModelMismatch, match=r"python -m ingest\.extract\.training fit"):
        EndpointLinker.load(stale_copy(MODEL_PATH, tmp_path))


def test_saved_models_load_back_unchanged(tmp_path: Path) -> None:
    parts = shipped_parts()
    assert parts.linker is not None and parts.classifier is not None
    parts.linker.save(tmp_path / "linker.json")
    parts.classifier.save(tmp_path / "classifier.npz")
    linker = EndpointLinker.load(tmp_path / "linker.json")
    classifier = EndpointClassifier.load(tmp_path / "classifier.npz")
    assert linker.weights_ == parts.linker.weights_ and linker.threshold == parts.linker.threshold
    assert np.array_equal(classifier.coef_, parts.classifier.coef_)
    calibration = shipped_calibration()
    calibration.save(tmp_path / "calibration.json")
    assert Calibration.load(tmp_path / "calibration.json") == calibration


def test_what_the_models_learned_can_be_listed() -> None:
    parts = shipped_parts()
    assert parts.linker is not None and parts.classifier is not None
    top = dict(parts.linker.top_features(30))
    # the grammar's proposal is evidence, not a verdict: a mention it did not propose weighs against
    assert top.get("proposed=other", 0) < 0
    assert parts.classifier.top_features("OS", 5)


def test_calibrated_confidence_rises_with_the_raw_score() -> None:
    calibration = shipped_calibration()
    for origin in calibration.steps:
        probabilities = [calibration.probability(origin, s / 20) for s in range(21)]
        assert all(0.0 <= p <= 1.0 for p in probabilities)
        assert probabilities == sorted(probabilities), origin


def test_corpus_records_carry_calibrated_confidence() -> None:
    from ingest.extract import extract_records

    records = extract_records(
        read_paper(Path(__file__).resolve().parents[1] / "data" / "papers" / "002_b03e6f88e6a24e2e.txt")
    )
    confidences = {r.confidence for r in records}
    assert all(c is not None and 0.0 <= c <= 1.0 for c in confidences)
    assert len(confidences) > 3  # a probability per record, not a constant
    # a result the calibrated models call wrong nine times in ten is not stated
    assert min(confidences) >= MIN_PROBABILITY


def test_a_record_below_the_least_probability_is_dropped_and_the_rest_kept() -> None:
    """A calibration that calls every grammar-chosen result wrong nine times in ten keeps only the
    results the learned parts chose."""
    from ingest.extract.assemble import draft_records
    from ingest.extract.learned import pipeline_parts, shipped_parts

    document = read_paper(
        Path(__file__).resolve().parents[1] / "data" / "papers" / "002_b03e6f88e6a24e2e.txt"
    )
    parts = pipeline_parts(shipped_parts())
    raw = draft_records(document, parts, calibration=None)
    doubting = Calibration(
        fallback={"grammar": MIN_PROBABILITY / 2, "linker": 0.9, "classifier": 0.9, "table": 0.9}
    )
    kept = draft_records(document, parts, calibration=doubting)
    grammar = [d for d, _ in raw if d.origin == "grammar"]
    assert grammar and len(grammar) < len(raw)
    assert len(kept) == len(raw) - len(grammar)
    assert all(r.confidence == 0.9 for _, r in kept)
