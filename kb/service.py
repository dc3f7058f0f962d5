"""The knowledge base as a library: what the CLI and the HTTP API call, and all they call.

Writes open the store writable only for as long as an ingest takes; reads use a read-only store
that follows what writers publish, so a running API server and a `kb ingest` can coexist
(see kb/store/oxigraph.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal as TypingLiteral

from kb import __version__
from kb.errors import KBError, PaperRejected, QueryRefused
from kb.queries import (
    MAX_LIMIT,
    OutcomeFilters,
    count_outcomes,
    graphs_holding_results,
    page_of_outcomes,
    result_count,
    stored_digest,
    validated,
)
from kb.rdf_mapping import Minter, PaperMeta, RunInfo, content_digest, records_to_triples, triples_to_records
from kb.records import OutcomeRecord
from kb.settings import Settings
from kb.store import GraphStore, open_store

PAPER_SUFFIX = ".txt"

Status = TypingLiteral["ingested", "unchanged", "failed"]


@dataclass(frozen=True)
class ExtractedPaper:
    """What an extractor hands over: the paper as read, and its outcome records."""

    meta: PaperMeta
    records: list[OutcomeRecord]


Extractor = Callable[[Path], ExtractedPaper]


def default_extractor(path: Path) -> ExtractedPaper:
    """The project's extraction pipeline (ingest/), imported only when a paper is ingested."""
    from ingest.pipeline import extract_paper

    extraction = extract_paper(path)
    return ExtractedPaper(meta=PaperMeta.from_document(extraction.document), records=extraction.records)


@dataclass(frozen=True)
class PaperStatus:
    """How one source fared in an ingest."""

    source: str
    status: Status
    paper_id: str | None = None
    records: int = 0
    reason: str | None = None

    def line(self) -> str:
        """One line for a terminal or a log."""
        if self.status == "failed":
            return f"failed     {self.source}: {self.reason}"
        return f"{self.status:<10} {self.source} -> {self.paper_id} ({self.records} records)"


@dataclass
class IngestReport:
    papers: list[PaperStatus] = field(default_factory=list)

    @property
    def failed(self) -> list[PaperStatus]:
        return [p for p in self.papers if p.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class Stats:
    papers: int
    records: int
    triples: int


def expand_sources(paths: Iterable[Path | str]) -> list[tuple[Path, str | None]]:
    """Files as given, folders as their *.txt files in name order; a reason for sources with none."""
    sources: list[tuple[Path, str | None]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.glob(f"*{PAPER_SUFFIX}") if p.is_file())
            if not files:
                sources.append((path, f"no {PAPER_SUFFIX} files in this folder"))
            sources.extend((file, None) for file in files)
        elif not path.exists():
            sources.append((path, "no such file or folder"))
        else:
            sources.append((path, None))
    return sources


def _one_line(text: str) -> str:
    return " ".join(text.split())


class KnowledgeBase:
    """Ingest papers into the graph store and read outcome records back from it."""

    def __init__(self, settings: Settings | None = None, *, extractor: Extractor | None = None) -> None:
        self.settings = settings or Settings()
        self._extractor = extractor or default_extractor
        self._minter = Minter(self.settings.base_iri)
        self._reader: GraphStore | None = None
        self._reader_lock = threading.Lock()

    # ------------------------------------------------------------------ writing

    def ingest_paths(self, paths: Iterable[Path | str]) -> IngestReport:
        """Ingest files and folders; each paper is stored whole or not at all, failures are reported.

        Extraction runs before the store is opened, so the writer lock is held only while writing.
        """
        report = IngestReport()
        extracted: list[tuple[str, ExtractedPaper]] = []
        for path, problem in expand_sources(paths):
            if problem is not None:
                report.papers.append(PaperStatus(str(path), "failed", reason=problem))
                continue
            try:
                extracted.append((str(path), self._extractor(path)))
            except PaperRejected as exc:
                report.papers.append(PaperStatus(str(path), "failed", reason=_one_line(exc.reason)))
            except Exception as exc:  # one paper's extraction bug must not stop the others
                reason = _one_line(f"extraction failed: {type(exc).__name__}: {exc}")
                report.papers.append(PaperStatus(str(path), "failed", reason=reason))
        if not extracted:
            return report
        with open_store(self.settings, writable=True) as store:
            seen: dict[str, str] = {}
            for source, paper in extracted:
                report.papers.append(self._store_paper(store, source, paper, seen))
        return report

    def _store_paper(
        self, store: GraphStore, source: str, paper: ExtractedPaper, seen: dict[str, str]
    ) -> PaperStatus:
        meta, records = paper.meta, paper.records
        if meta.id in seen:
            reason = f"same paper id {meta.id!r} as {seen[meta.id]}, ingested earlier in this run"
            return PaperStatus(source, "failed", paper_id=meta.id, reason=reason)
        seen[meta.id] = source
        graph = self._minter.graph(meta.id)
        digest = content_digest(meta, records)
        if stored_digest(store, graph) == digest:
            return PaperStatus(source, "unchanged", paper_id=meta.id, records=len(records))
        try:
            taken = graphs_holding_results(store, [self._minter.result(r.id) for r in records], graph)
            if taken:
                owners = ", ".join(str(self._minter.paper_id_of_graph_iri(g)) for g in taken)
                raise ValueError(f"record ids already used by another paper ({owners}); ids must be unique")
            run = RunInfo(__version__, datetime.now(UTC).replace(microsecond=0), digest)
            triples = records_to_triples(self.settings.base_iri, meta, records, run)
        except ValueError as exc:
            return PaperStatus(source, "failed", paper_id=meta.id, reason=_one_line(str(exc)))
        store.replace_paper_graph(meta.id, triples)
        return PaperStatus(source, "ingested", paper_id=meta.id, records=len(records))

    # ------------------------------------------------------------------ reading

    def _store(self) -> GraphStore:
        with self._reader_lock:
            if self._reader is None:
                self._reader = open_store(self.settings, writable=False)
            return self._reader

    def export_outcomes(self) -> Iterator[OutcomeRecord]:
        """Every stored record, read back from the graph, ordered by paper file, evidence offset, id."""
        store = self._store().pinned()
        records: list[OutcomeRecord] = []
        for paper_id in store.paper_ids():
            records.extend(triples_to_records(store.paper_triples(paper_id)))
        records.sort(key=lambda r: (r.paper.file, r.evidence.char_start, r.id))
        yield from records

    def find_outcomes(
        self, filters: OutcomeFilters, offset: int = 0, limit: int = 50
    ) -> tuple[int, list[OutcomeRecord]]:
        """(number of matches, one page of them) in export order; QueryRefused for invalid filters."""
        if offset < 0:
            raise QueryRefused(f"offset must be 0 or more, got {offset}")
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryRefused(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
        store = self._store().pinned()  # count, page and records must come from one snapshot
        filters = validated(store, filters)
        total = count_outcomes(store, filters)
        page = page_of_outcomes(store, filters, offset, limit)
        by_graph: dict[str, dict[str, OutcomeRecord]] = {}
        for graph, _ in page:
            if graph not in by_graph:
                paper_id = self._minter.paper_id_of_graph_iri(graph)
                if paper_id is None:
                    raise KBError(f"result found outside a paper graph: {graph}")
                records = triples_to_records(store.paper_triples(paper_id))
                by_graph[graph] = {record.id: record for record in records}
        return total, [by_graph[graph][record_id] for graph, record_id in page]

    def stats(self) -> Stats:
        store = self._store().pinned()
        return Stats(papers=len(store.paper_ids()), records=result_count(store), triples=store.triple_count())

    def close(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
