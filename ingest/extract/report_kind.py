"""Does a text report its authors' own study, or report on others' (news of a trial, a package
insert, a review)? A document-level logistic model.

The answer decides what a result is attributed to when no sentence says: the paper's own cohort
(`is_primary`), or the trial the text reports on. Features are counts of cues that mean the same in
every language (grammar.yaml: own-study phrases, the headings of a structured abstract, approval,
announcement and "the researchers" words, review and case-report words), citations, and the trial
names the tagger finds. Trained by `python -m ingest.extract.training fit` from
`annotations/studies/report_kinds.jsonl`.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

from ingest.extract.study_names import TrialMention
from kb.logistic import DictLogistic
from kb.vocab import cue

MODEL_PATH = Path(__file__).parent / "models" / "report_kind.json"
FEATURES_VERSION = 1
OWN, SECONDARY = "own", "secondary"


def _count(name: str, text: str) -> float:
    return math.log1p(len(cue(name).findall(text)))


def report_features(text: str, trials: list[TrialMention]) -> dict[str, float]:
    """What the report-kind classifier sees of a text (normalized) and its trial names."""
    head = text[:600]
    names = {t.name for t in trials}
    own = bool(cue("own_study").search(text)) or bool(cue("abstract_headings").search(text))
    trial_in_head = any(t.start < 300 for t in trials)
    return {
        "trial_in_head_not_own": float(trial_in_head and not own),
        "secondary_head_not_own": float(bool(cue("secondary_report").search(head)) and not own),
        "own_study": _count("own_study", text),
        "own_study_head": float(bool(cue("own_study").search(head))),
        "abstract_headings": _count("abstract_headings", text),
        "secondary_report": _count("secondary_report", text),
        "secondary_report_head": float(bool(cue("secondary_report").search(head))),
        "review": float(bool(cue("review").search(text[:8000]))),
        "case_report": float(bool(cue("case_report").search(head))),
        "trial_names": math.log1p(len(names)),
        "trial_in_head": float(trial_in_head),
        "length": math.log1p(len(text)) / 10,
    }


class ReportKindClassifier(DictLogistic):
    """Probability that a text reports a study of others (SECONDARY) rather than its own (OWN)."""

    model_name = "report_kind"
    model_path = MODEL_PATH
    features_version = FEATURES_VERSION

    def __init__(self, C: float = 1.0, threshold: float = 0.5) -> None:  # noqa: N803 (scikit-learn names)
        super().__init__(C=C, threshold=threshold)

    def kind(self, text: str, trials: list[TrialMention]) -> str:
        return SECONDARY if self.score(report_features(text, trials)) >= self.threshold else OWN


@cache
def shipped_report_classifier() -> ReportKindClassifier:
    return ReportKindClassifier.load()
