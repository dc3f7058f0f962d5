"""From a file on disk to outcome records: the extractor ingest/ingestion.py runs on each paper."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.document import PaperDocument, read_paper
from kb.model.records import OutcomeRecord


@dataclass
class PaperExtraction:
    document: PaperDocument
    records: list[OutcomeRecord]


def extract_paper(path: Path) -> PaperExtraction:
    """Read one paper and extract its outcome records (raises PaperRejected on bad input, and on
    a paper whose extraction outlasts KB_PAPER_CPU_SECONDS)."""
    from ingest.extract import extract_records
    from ingest.extract.budget import cpu_budget
    from kb.settings import Settings

    document = read_paper(path)
    with cpu_budget(path.name, Settings().paper_cpu_seconds):
        records = extract_records(document)
    return PaperExtraction(document=document, records=records)
