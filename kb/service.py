"""The knowledge base as a library: what the CLI and the HTTP API call, and all they call.

Writes open the store writable only for as long as an ingest takes; reads use a read-only store
that follows what writers publish, so a running API server and a `kb ingest` can coexist
(see kb/store/oxigraph.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal as TypingLiteral

from pyoxigraph import Triple

from ingest.readers import SUFFIXES, read_text
from kb import __version__
from kb.embedding import Embedder, embedder
from kb.errors import KBError, PaperRejected, QueryRefused
from kb.queries import (
    FACETS,
    MAX_LIMIT,
    OutcomeFilters,
    PaperRow,
    StudyRow,
    count_outcomes,
    facet_counts,
    graph_digests,
    graphs_holding_results,
    page_of_outcomes,
    paper_rows,
    parse_sort,
    result_count,
    stored_digest,
    study_rows,
    validated,
)
from kb.rdf_mapping import Minter, PaperMeta, RunInfo, content_digest, records_to_triples, triples_to_records
from kb.records import OutcomeRecord
from kb.search import DEFAULT_K, PreparedPaper, Searcher, SearchIndex, SearchResults, prepare_paper
from kb.settings import Settings
from kb.store import GraphStore, open_store
from kb.texts import load_text, save_text
from kb.validation import GraphInvalid, validate_paper_graph

# Paper files a folder is expanded to: every format ingest/readers/ reads (.txt, .html, .xml, .pdf, ...).
PAPER_SUFFIXES = SUFFIXES
# Papers whose records a reader keeps converted (kb.rdf_mapping.triples_to_records), by content digest.
CACHED_PAPERS = 1024

Status = TypingLiteral["ingested", "unchanged", "failed"]


@dataclass(frozen=True)
class ExtractedPaper:
    """What an extractor hands over: the paper as read, and its outcome records.

    `text` is the decoded source (the offset space of every span); when an extractor leaves it
    out, the ingest reads the file again.
    """

    meta: PaperMeta
    records: list[OutcomeRecord]
    text: str | None = None


Extractor = Callable[[Path], ExtractedPaper]


def default_extractor(path: Path) -> ExtractedPaper:
    """The project's extraction pipeline (ingest/), imported only when a paper is ingested."""
    from ingest.pipeline import extract_paper

    extraction = extract_paper(path)
    return ExtractedPaper(
        meta=PaperMeta.from_document(extraction.document),
        records=extraction.records,
        text=extraction.document.text,
    )


@dataclass(frozen=True)
class PaperStatus:
    """How one source fared in an ingest."""

    source: str
    status: Status
    paper_id: str | None = None
    records: int = 0
    reason: str | None = None
    details: list[str] | None = None  # e.g. every SHACL violation of a refused graph, one per line

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
    """Files as given, folders as their paper files (PAPER_SUFFIXES) in name order; a reason for sources
    with none."""
    sources: list[tuple[Path, str | None]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in PAPER_SUFFIXES and p.is_file())
            if not files:
                sources.append((path, f"no paper files ({', '.join(PAPER_SUFFIXES)}) in this folder"))
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
        self._searcher: Searcher | None = None
        # (paper id, content digest) -> its records: a digest names one graph content, whatever the snapshot.
        self._paper_records: OrderedDict[tuple[str, str], dict[str, OutcomeRecord]] = OrderedDict()
        self._paper_records_lock = threading.Lock()

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
                paper = self._extractor(path)
                if paper.text is None:
                    paper = replace(paper, text=read_text(path).text)  # decoded as ingest/ does
                extracted.append((str(path), paper))
            except PaperRejected as exc:
                report.papers.append(PaperStatus(str(path), "failed", reason=_one_line(exc.reason)))
            except Exception as exc:  # one paper's extraction bug must not stop the others
                reason = _one_line(f"extraction failed: {type(exc).__name__}: {exc}")
                report.papers.append(PaperStatus(str(path), "failed", reason=reason))
        if not extracted:
            return report
        with (
            open_store(self.settings, writable=True) as store,
            SearchIndex.open(self.settings, writable=True) as index,
        ):
            index.ensure_schema(self.settings.embedding_model, lambda: self._embedder().dimension)
            seen: dict[str, str] = {}
            for source, paper in extracted:
                report.papers.append(self._store_paper(store, index, source, paper, seen))
        return report

    def _embedder(self) -> Embedder:
        return embedder(self.settings.embedding_model)

    def _store_paper(
        self, store: GraphStore, index: SearchIndex, source: str, paper: ExtractedPaper, seen: dict[str, str]
    ) -> PaperStatus:
        meta, records = paper.meta, paper.records
        if meta.id in seen:
            reason = f"same paper id {meta.id!r} as {seen[meta.id]}, ingested earlier in this run"
            return PaperStatus(source, "failed", paper_id=meta.id, reason=reason)
        seen[meta.id] = source
        if paper.text is not None:  # before the graph: a reader of the new graph finds its text
            save_text(self.settings, meta.sha256, paper.text)
        graph = self._minter.graph(meta.id)
        digest = content_digest(meta, records)
        graph_unchanged = stored_digest(store, graph) == digest
        if graph_unchanged and index.indexed_digest(meta.id) == digest:
            return PaperStatus(source, "unchanged", paper_id=meta.id, records=len(records))
        triples: list[Triple] | None = None  # None: the graph already holds this content
        if not graph_unchanged:
            try:
                taken = graphs_holding_results(store, [self._minter.result(r.id) for r in records], graph)
                if taken:
                    owners = ", ".join(str(self._minter.paper_id_of_graph_iri(g)) for g in taken)
                    raise ValueError(
                        f"record ids already used by another paper ({owners}); ids must be unique"
                    )
                run = RunInfo(__version__, datetime.now(UTC).replace(microsecond=0), digest)
                triples = records_to_triples(self.settings.base_iri, meta, records, run)
                validate_paper_graph(triples, f"paper {meta.id}")  # SHACL, before anything is written
            except GraphInvalid as exc:
                reason = _one_line(exc.reason)
                return PaperStatus(source, "failed", meta.id, reason=reason, details=exc.details)
            except ValueError as exc:
                return PaperStatus(source, "failed", paper_id=meta.id, reason=_one_line(str(exc)))
        assert paper.text is not None
        try:
            prepared = prepare_paper(meta.ref(), digest, paper.text, records, self._embedder())
        except KBError:
            raise  # the model cannot be loaded: no paper can be indexed
        except Exception as exc:
            reason = _one_line(f"search indexing failed: {type(exc).__name__}: {exc}")
            return PaperStatus(source, "failed", paper_id=meta.id, reason=reason)
        try:
            _write_paper(store, index, meta.id, prepared, triples)
        except Exception as exc:
            reason = _one_line(f"storing failed, nothing was changed: {type(exc).__name__}: {exc}")
            return PaperStatus(source, "failed", paper_id=meta.id, reason=reason)
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
        self, filters: OutcomeFilters, offset: int = 0, limit: int = 50, sort: str | None = None
    ) -> tuple[int, list[OutcomeRecord]]:
        """(number of matches, one page of them) in export order, or by `sort` ("endpoint,-value");
        QueryRefused for invalid filters."""
        if offset < 0:
            raise QueryRefused(f"offset must be 0 or more, got {offset}")
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryRefused(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
        keys = parse_sort(sort)
        store = self._store().pinned()  # count, page and records must come from one snapshot
        selection = validated(store, filters)
        total = count_outcomes(store, selection)
        page = page_of_outcomes(store, selection, offset, limit, keys)
        return total, self._records_at(store, page)

    def _records_at(self, store: GraphStore, page: list[tuple[str, str]]) -> list[OutcomeRecord]:
        """The records of (graph IRI, record id) pairs, in that order, each graph read once.

        Converting a paper graph to records is most of the cost of a page (bench/results/REPORT.md),
        so the converted records are kept per (paper, content digest): one query finds the digests
        of the page's graphs, and only graphs not seen with that digest are read and converted.
        """
        graphs = list(dict.fromkeys(graph for graph, _ in page))
        digests = graph_digests(store, graphs)
        by_graph: dict[str, dict[str, OutcomeRecord]] = {}
        for graph in graphs:
            paper_id = self._minter.paper_id_of_graph_iri(graph)
            if paper_id is None:
                raise KBError(f"result found outside a paper graph: {graph}")
            by_graph[graph] = self._records_of_paper(store, paper_id, digests.get(graph))
        return [by_graph[graph][record_id] for graph, record_id in page]

    def _records_of_paper(
        self, store: GraphStore, paper_id: str, digest: str | None
    ) -> dict[str, OutcomeRecord]:
        """The paper's records by id, from the cache when its graph content (`digest`) was seen before."""
        key = (paper_id, digest or "")
        if digest is not None:
            with self._paper_records_lock:
                cached = self._paper_records.get(key)
                if cached is not None:
                    self._paper_records.move_to_end(key)
                    return cached
        records = {record.id: record for record in triples_to_records(store.paper_triples(paper_id))}
        if digest is not None:  # a graph without an ingest run has no digest to key it by
            with self._paper_records_lock:
                self._paper_records[key] = records
                while len(self._paper_records) > CACHED_PAPERS:
                    self._paper_records.popitem(last=False)
        return records

    # Reads for the browsing API (studies, papers, concepts, comparison tables): kb/queries.py.

    def all_outcomes(self, filters: OutcomeFilters, sort: str | None = None) -> list[OutcomeRecord]:
        """Every matching record (no paging), for comparison tables, plots and detail pages."""
        keys = parse_sort(sort)
        store = self._store().pinned()
        selection = validated(store, filters)
        return self._records_at(store, page_of_outcomes(store, selection, 0, None, keys))

    def facets(self, filters: OutcomeFilters, kinds: Iterable[str] = FACETS) -> dict[str, dict[str, int]]:
        """Number of matching results per antigen, intervention, disease, endpoint, ... value."""
        store = self._store().pinned()
        selection = validated(store, filters)
        return {kind: facet_counts(store, selection, kind) for kind in kinds}

    def studies(self, filters: OutcomeFilters) -> list[StudyRow]:
        """Studies with at least one matching result."""
        store = self._store().pinned()
        return study_rows(store, validated(store, filters))

    def papers(self) -> list[PaperRow]:
        return paper_rows(self._store().pinned())

    def paper_text(self, paper: PaperRow) -> str | None:
        """The decoded text a paper's offsets point into (None for papers ingested without it)."""
        return None if paper.sha256 is None else load_text(self.settings, paper.sha256)

    def search(
        self, query: str, k: int = DEFAULT_K, filters: Mapping[str, str | None] | None = None
    ) -> SearchResults:
        """Passages and outcome records for `query` in any corpus language (kb.search.engine)."""
        with self._reader_lock:
            if self._searcher is None:
                self._searcher = Searcher(self.settings)
            searcher = self._searcher
        return searcher.search(self._store().pinned(), query, k, filters)

    def stats(self) -> Stats:
        store = self._store().pinned()
        return Stats(papers=len(store.paper_ids()), records=result_count(store), triples=store.triple_count())

    def close(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
        with self._paper_records_lock:
            self._paper_records.clear()


def _write_paper(
    store: GraphStore,
    index: SearchIndex,
    paper_id: str,
    prepared: PreparedPaper,
    triples: Sequence[Triple] | None,
) -> None:
    """Write the paper's search index entry and its graph (`triples`, None: leave it) all or nothing.

    Order: the embeddings are already computed; the index rows are written inside an open SQLite
    transaction; the graph is replaced (one Oxigraph transaction, then published); only then does
    SQLite commit. A graph failure rolls SQLite back, so both stay as they were. If the COMMIT
    itself fails, the graph is put back as it was (its previous triples, or no graph); so it is
    after a failed update of a store that cannot replace a graph atomically (`atomic_replace`).
    """
    previous = store.paper_triples(paper_id) if triples is not None else []
    graph_touched = graph_written = False
    try:
        with index.replacing(prepared):
            if triples is not None:
                graph_touched = True
                store.replace_paper_graph(paper_id, triples)
                graph_written = True
    except BaseException:
        if graph_written or (graph_touched and not store.atomic_replace):
            if previous:
                store.replace_paper_graph(paper_id, previous)
            else:
                store.remove_paper(paper_id)
        raise
