"""Outcome-result extraction: sentences in, contract records out."""

from __future__ import annotations

from ingest.document import PaperDocument
from kb.model.records import OutcomeRecord


def extract_records(document: PaperDocument) -> list[OutcomeRecord]:
    """Every outcome result the paper reports, one record per result, with evidence offsets."""
    from ingest.extract.assemble import assemble_records
    from ingest.extract.calibration import shipped_calibration
    from ingest.extract.learned import pipeline_parts, shipped_parts

    return assemble_records(document, pipeline_parts(shipped_parts()), shipped_calibration())
