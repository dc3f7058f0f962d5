"""The study models from their annotations: the trial-name tagger and the report-kind classifier.

Annotations (`annotations/studies/`), offsets into the same texts as the endpoint annotations:
- `trial_names.jsonl`: `{text, start, end}` for every place a text names a trial or the study
  group that ran one ("POLARIX", "ZUMA-1", "CALGB"), labelled by hand; every other candidate word
  of those texts (study_names.CANDIDATE) is a negative.
- `report_kinds.jsonl`: `{text, report}`: `own` when the curators attribute some result to the
  text's own study, `secondary` when they attribute all its results to studies it reports on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ingest.document import read_paper
from ingest.extract.report_kind import SECONDARY, ReportKindClassifier, report_features
from ingest.extract.study_names import TrialNameTagger, candidate_table
from ingest.normalize import normalize

STUDY_ANNOTATIONS = Path(__file__).parent / "annotations" / "studies"


def _rows(name: str) -> list[dict]:
    path = STUDY_ANNOTATIONS / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _normalized(ref: str):
    from ingest.extract.training import text_path

    document = read_paper(text_path(ref))
    return normalize(document.text, cjk=document.language in ("zh", "ja"))


def fit_study_models(refs: Iterable[str]) -> tuple[TrialNameTagger, ReportKindClassifier]:
    """Both models fitted on the annotated texts among `refs` (the tagger first: its trial names
    are features of the report kind)."""
    refs = list(refs)
    names: dict[str, set[int]] = {}
    for row in _rows("trial_names.jsonl"):
        names.setdefault(row["text"], set()).add(row["start"])
    kinds = {row["text"]: row["report"] for row in _rows("report_kinds.jsonl")}
    texts = {ref: _normalized(ref) for ref in refs}
    X, y = [], []  # noqa: N806 (scikit-learn names)
    for ref, norm in texts.items():
        for _, spans, features in candidate_table(norm.text):
            starts = {norm.source_span(s, e)[0] for s, e in spans}
            X.append(features)
            y.append(int(bool(starts & names.get(ref, set()))))
    tagger = TrialNameTagger().fit(X, y)
    docs = [(ref, norm) for ref, norm in texts.items() if ref in kinds]
    report = ReportKindClassifier().fit(
        [report_features(norm.text, tagger.mentions(norm.text)) for _, norm in docs],
        [int(kinds[ref] == SECONDARY) for ref, _ in docs],
    )
    return tagger, report
