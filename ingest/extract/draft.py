"""A result on its way to becoming a record: typed fields plus where it was stated."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.extract.studies import StudyContext
from kb.vocab import Concept


@dataclass
class ResultDraft:
    endpoint: str
    statistic: str
    unit: str
    value: float | None
    decimals: int
    study: StudyContext
    evidence: tuple[int, int]  # source offsets of the statement
    not_reached: bool = False
    time_months: float | None = None
    pm: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    count: int | None = None
    p_value: float | None = None
    p_operator: str | None = None
    hazard_ratio: float | None = None
    arm: str | None = None
    arm_stated: bool = True  # the arm is the paper's words, not a label made from the treatments
    interventions: list[Concept] = field(default_factory=list)
    disease: Concept | None = None
    line: Concept | None = None
    population: Concept | None = None
    grade: str | None = None
    event: str | None = None
    comparison_key: str | None = None
    confidence: float = 0.8  # raw score of `origin`; calibrated into a probability in to_records
    origin: str = "grammar"  # "linker", "classifier", "grammar" or "table"
    tabular: bool = False  # stated in a table or figure legend
    both_arms: bool = False  # stated for every arm of the study at once ('in both groups')
    mentions: list[tuple[int, int]] = field(default_factory=list)
    derived: dict[str, str] = field(default_factory=dict)  # field -> what it was computed from

    @property
    def arm_key(self) -> str | None:
        return self.arm.lower() if self.arm else None

    def completeness(self) -> int:
        fields = (self.time_months, self.pm, self.ci_low, self.n, self.count, self.p_value, self.arm)
        return sum(f is not None for f in fields) + self.decimals

    def absorb(self, other: ResultDraft) -> None:
        """Take in a restatement: keep the most complete statement as evidence, fill gaps."""
        self.mentions.extend(other.mentions)
        if other.completeness() > self.completeness():
            self.evidence = other.evidence
            self.value, self.decimals = other.value, other.decimals
            self.derived.pop("value", None)
            if "value" in other.derived:
                self.derived["value"] = other.derived["value"]
        for name in (
            "time_months",
            "pm",
            "ci_low",
            "ci_high",
            "n",
            "count",
            "p_value",
            "p_operator",
            "hazard_ratio",
            "arm",
            "disease",
            "line",
            "population",
            "comparison_key",
        ):
            if getattr(self, name) is None and getattr(other, name) is not None:
                setattr(self, name, getattr(other, name))
                if name in other.derived:
                    self.derived[name] = other.derived[name]
                if name == "arm":
                    self.arm_stated = other.arm_stated
        if not self.interventions:
            self.interventions = other.interventions
        if other.confidence > self.confidence:
            self.confidence, self.origin = other.confidence, other.origin
