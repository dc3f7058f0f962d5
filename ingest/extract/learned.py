"""The learned parts of the extractor, loaded together: the endpoint linker (which mention a
number belongs to), the endpoint classifier (what a number reports when no mention is there), the
trial-name tagger and the report-kind classifier (which study a result belongs to)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ingest.extract.arm_linker import ArmLinker, shipped_arm_linker
from ingest.extract.endpoint_classifier import EndpointClassifier, shipped_classifier
from ingest.extract.endpoint_linker import EndpointLinker, shipped_linker
from ingest.extract.report_kind import ReportKindClassifier, shipped_report_classifier
from ingest.extract.study_names import TrialNameTagger, shipped_trial_tagger


@dataclass(frozen=True)
class LearnedParts:
    linker: EndpointLinker | None = None
    classifier: EndpointClassifier | None = None
    trial_tagger: TrialNameTagger | None = None
    report_kind: ReportKindClassifier | None = None
    arm_linker: ArmLinker | None = None


@cache
def shipped_parts() -> LearnedParts:
    """The models that ship with the package, loaded once per process."""
    return LearnedParts(
        linker=shipped_linker(),
        classifier=shipped_classifier(),
        trial_tagger=shipped_trial_tagger(),
        report_kind=shipped_report_classifier(),
        arm_linker=shipped_arm_linker(),
    )


def pipeline_parts(parts: LearnedParts) -> LearnedParts:
    """The parts the extractor runs with: all but the endpoint classifier. The classifier is
    fitted and measured with the rest (bench/results/extraction_components.md) but left out:
    cross-validated on the tune part it adds 3 results for 9 more records (F1 0.887 without it,
    0.885 with), and on the check part none for 4 more wrong ones (recall / precision 0.787 / 0.791
    without, 0.787 / 0.772 with)."""
    return LearnedParts(
        linker=parts.linker,
        trial_tagger=parts.trial_tagger,
        report_kind=parts.report_kind,
        arm_linker=parts.arm_linker,
    )
