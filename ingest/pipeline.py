"""From a file on disk to outcome records: the one entry point the knowledge base calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.document import PaperDocument, read_paper
from kb.records import OutcomeRecord


@dataclass
class PaperExtraction:
    document: PaperDocument
    records: list[OutcomeRecord]


def extract_paper(path: Path) -> PaperExtraction:
    """Read one paper and extract its outcome records (raises PaperRejected on bad input)."""
    from ingest.extract import extract_records

    document = read_paper(path)
    return PaperExtraction(document=document, records=extract_records(document))
