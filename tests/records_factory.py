"""Outcome records built by hand for tests that must not depend on the extractor."""

from __future__ import annotations

from kb.model.rdf_mapping import PaperMeta
from kb.model.records import ConceptRef, OutcomeRecord, Span, StudyRef

PAPER = PaperMeta(
    id="003_test", file="003_test.txt", sha256="ab" * 32, title="INO-VATE 試験のまとめ", language="ja"
)
SOURCE = "前文。InO群で80.7%、標準化学療法群で29.4%（p<0.001）。\nCR was 80.7% vs 29.4%."


def span(text: str, source: str = SOURCE, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = source.index(text, start + 1)
    return Span(text=text, char_start=start, char_end=start + len(text))


def full_record(**changes: object) -> OutcomeRecord:
    """A record with every contract field set, unicode included."""
    fields: dict[str, object] = {
        "id": "003_test/r1",
        "paper": PAPER.ref(),
        "study": StudyRef(
            id="ino-vate-all",
            label="INO-VATE ALL",
            registry_ids=["NCT01564784", "NCT01363297"],
            is_primary=False,
            design="randomized phase III",
        ),
        "arm": "inotuzumab ozogamicin",
        "arm_text": "イノツズマブ オゾガマイシン",
        "interventions": [
            ConceptRef(id="inotuzumab-ozogamicin", label="inotuzumab ozogamicin"),
            ConceptRef(id="allo-hsct", label="allo-HSCT"),
        ],
        "antigens": ["CD22", "CD19"],
        "disease": ConceptRef(id="b-all", label="B-cell acute lymphoblastic leukemia"),
        "line_of_therapy": "relapsed/refractory",
        "population": "adult",
        "endpoint": "CR",
        "statistic": "rate",
        "time_months": 1.5,
        "value": 80.7,
        "unit": "%",
        "not_reached": True,
        "ci_low": 72.3,
        "ci_high": 87.1,
        "ci_level": 0.95,
        "pm": 1e-05,
        "n": 109,
        "count": 88,
        "p_value": 0.001,
        "p_operator": "<",
        "hazard_ratio": 0.77,
        "comparison": "c1",
        "grade": "≥3",
        "event": "veno-occlusive disease",
        "confidence": 0.875,
        "evidence": span("InO群で80.7%、標準化学療法群で29.4%（p<0.001）"),
        "mentions": [span("CR was 80.7% vs 29.4%."), span("InO群で80.7%")],
        "derived": ["count"],
        "derived_from": {"count": "80.7% of 109"},
    }
    fields.update(changes)
    return OutcomeRecord.model_validate(fields)


def minimal_record(record_id: str, start: int = 0, **changes: object) -> OutcomeRecord:
    """A record with only the required fields (None, False and [] everywhere else)."""
    fields: dict[str, object] = {
        "id": record_id,
        "paper": PAPER.ref(),
        "study": StudyRef(id="own", label="own cohort", is_primary=True),
        "endpoint": "OS",
        "statistic": "median",
        "unit": "months",
        "evidence": Span(text=SOURCE[start : start + 3], char_start=start, char_end=start + 3),
    }
    fields.update(changes)
    return OutcomeRecord.model_validate(fields)
