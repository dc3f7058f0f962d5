"""One study, one description: a paper that names a study in two places, with its follow-up stated
in only one of them, is stored, and every record of the study carries the follow-up.

The text is a reshuffle of the corpus's Russian paper by bench/synthetic_corpus.py (seed 7, paper
456 of the benchmark's synthetic series), where the cohort's follow-up sentence comes between its
results: the graph refused this paper ("conflicting descriptions" of the study) before.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from ingest.document import read_paper
from ingest.extract import extract_records
from kb.model.rdf_mapping import PaperMeta, RunInfo, records_to_triples
from kb.model.validation import validate_paper_graph

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from synthetic_corpus import write_corpus


def test_a_study_named_in_two_places_is_described_once(tmp_path: Path) -> None:
    path = write_corpus(tmp_path, 456)[455]
    document = read_paper(path)
    records = extract_records(document)
    descriptions: dict[str, set[str]] = {}
    for record in records:
        descriptions.setdefault(record.study.id, set()).add(record.study.model_dump_json())
    assert all(len(found) == 1 for found in descriptions.values()), descriptions
    followed = [r for r in records if r.study.follow_up is not None]
    assert {r.study.follow_up.evidence.text for r in followed} == {"1,6 года"}
    assert len({r.study.id for r in followed}) >= 1
    meta = PaperMeta.from_document(document)
    run = RunInfo("test", datetime(2026, 1, 1, tzinfo=UTC), "digest")
    validate_paper_graph(records_to_triples("https://w3id.org/hemekb/id/", meta, records, run))
