"""The knowledge base as a library: what the CLI and the HTTP API call, and all they call.

Writes open the store writable only for as long as an ingest takes; reads use a read-only store
that follows what writers publish, so a running API server and a `kb ingest` can coexist
(see kb/store/oxigraph.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from kb.embedding import Embedder, embedder
from kb.errors import KBError, QueryRefused, StoreBusy
from kb.evidence.compare import ComparisonTable, build_comparison
from kb.evidence.comparisons import ComparisonRows, build_comparison_rows
from kb.evidence.queries import (
    FACETS,
    MAX_LIMIT,
    OutcomeFilters,
    PaperRow,
    Selection,
    StudyRow,
    count_outcomes,
    facet_counts,
    graph_digests,
    page_of_outcomes,
    paper_rows,
    parse_sort,
    result_count,
    study_rows,
    validated,
)
from kb.evidence.reviews import (
    OrphanedReview,
    Review,
    ReviewBook,
    ReviewRequest,
    current_records,
    load_reviews,
    new_review,
    review_book,
    save_reviews,
)
from kb.exports.citations import details_of
from kb.model.rdf_mapping import Minter, triples_to_records
from kb.model.records import OutcomeRecord, paper_id_for
from kb.model.vocabulary_graphs import sync_vocabularies
from kb.search import DEFAULT_K, Searcher, SearchIndex, SearchResults
from kb.search.index import index_path
from kb.settings import Settings
from kb.store import GraphStore, open_store, published_snapshot
from kb.store.outcome_table import OutcomeTable, OutcomeView, SyncReport, sync_with_store
from kb.store.paper_writes import PaperWriter
from kb.store.recovery import SettledPaper, settle_cut_writes
from kb.store.texts import load_text, text_path

# Papers whose records a reader keeps converted (kb.model.rdf_mapping.triples_to_records), by content digest.
CACHED_PAPERS = 1024


T = TypeVar("T")


class KeptPerVersion(Generic[T]):
    """One value read from the store, kept while the version of the data it was read at stands.

    The version is read before the value is computed, so the value is of that version or a newer
    one (as the answer cache's answers are); None (a store without versions) keeps nothing."""

    def __init__(self) -> None:
        self._kept: tuple[str, T] | None = None
        self._lock = threading.Lock()

    def get(self, version: str | None, compute: Callable[[], T]) -> T:
        with self._lock:
            if version is not None and self._kept is not None and self._kept[0] == version:
                return self._kept[1]
        value = compute()
        if version is not None:
            with self._lock:
                self._kept = (version, value)
        return value


@dataclass(frozen=True)
class Stats:
    papers: int
    records: int
    triples: int


class KnowledgeBase:
    """Write extracted papers into the graph store and search index, and read outcome records back.

    Reading files and extracting them is ingest/'s (ingest/ingestion.py); this class takes what an
    extractor hands over (kb/store/paper_writes.py) and owns everything from there on.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._minter = Minter(self.settings.base_iri)
        self._reader: GraphStore | None = None
        self._reader_lock = threading.Lock()
        self._searcher: Searcher | None = None
        # (paper id, content digest) -> its records: a digest names one graph content, whatever the snapshot.
        self._paper_records: OrderedDict[tuple[str, str], dict[str, OutcomeRecord]] = OrderedDict()
        self._paper_records_lock = threading.Lock()
        self._paper_rows: KeptPerVersion[list[PaperRow]] = KeptPerVersion()
        self._stats: KeptPerVersion[Stats] = KeptPerVersion()
        self._review_book: KeptPerVersion[ReviewBook] = KeptPerVersion()
        self._version_reader: SearchIndex | None = None
        self._outcome_table: OutcomeTable | None = None

    # ------------------------------------------------------------------ writing

    @contextmanager
    def writer(self) -> Iterator[PaperWriter]:
        """The store and the search index opened writable, holding the writer lock until the block
        ends (StoreBusy if another writer holds it), made ready for new papers: the vocabularies
        synced, what a killed writer cut settled, the outcome table of an older store built."""
        with ExitStack() as stack:
            store = stack.enter_context(open_store(self.settings, writable=True))
            index = stack.enter_context(SearchIndex.open(self.settings, writable=True))
            sync_vocabularies(store, self.settings.base_iri)  # the concepts the papers point at
            settle_cut_writes(self.settings, store, index, self._embedder)  # what a killed writer left
            sync_with_store(index_path(self.settings), store)  # builds the outcome table of an older store
            yield PaperWriter(self.settings, store, index, self._embedder)

    def settle_cut_writes(self) -> list[SettledPaper]:
        """Complete or undo the writes a killed process cut (kb/store/recovery.py), as any writer does when
        it opens; for the server's start, so that every view agrees before the first answer. Nothing
        to do (the usual case) costs one read of the journal; a writer at work (StoreBusy) settles
        them itself."""
        with SearchIndex.open(self.settings, writable=False) as reader:
            if not reader.pending():
                return []
        try:
            with ExitStack() as stack:
                store = stack.enter_context(open_store(self.settings, writable=True))
                index = stack.enter_context(SearchIndex.open(self.settings, writable=True))
                settled = settle_cut_writes(self.settings, store, index, self._embedder)
                sync_with_store(index_path(self.settings), store)
        except StoreBusy:
            return []
        with self._paper_records_lock:
            self._paper_records.clear()
        return settled

    def _embedder(self) -> Embedder:
        return embedder(self.settings.embedding_model)

    def reindex(self) -> SyncReport:
        """Rebuild the outcome table (kb/store/outcome_table.py) from the graph store, every paper.

        `kb ingest` already builds it for a store that lacks it; this is for a table gone wrong, or a
        graph changed behind the ingest's back (`kb import`). Holds the writer lock meanwhile.
        """
        with open_store(self.settings, writable=True) as store:
            return sync_with_store(index_path(self.settings), store, rebuild=True)

    # ------------------------------------------------------------------ reading

    def _outcomes(self) -> OutcomeTable:
        with self._reader_lock:
            if self._outcome_table is None:
                self._outcome_table = OutcomeTable(index_path(self.settings))
            return self._outcome_table

    def _store(self) -> GraphStore:
        with self._reader_lock:
            if self._reader is None:
                self._reader = open_store(self.settings, writable=False)
            return self._reader

    def export_outcomes(self, review: str | None = None) -> Iterator[OutcomeRecord]:
        """Every stored record as reviewed, read back from the graph, ordered by paper file, evidence
        offset, id; `review` as the filter of that name (default: all but rejected records)."""
        store = self._store().pinned()
        selection = self._validated(store, OutcomeFilters(review=review))
        records: list[OutcomeRecord] = []
        for paper_id in store.paper_ids():
            records.extend(triples_to_records(store.paper_triples(paper_id)))
        records.sort(key=lambda r: (r.paper.file, r.evidence.char_start, r.id))
        for record in self._reviewed(records):
            if selection.record_ids is not None and record.id not in selection.record_ids:
                continue
            if selection.excluded_ids and record.id in selection.excluded_ids:
                continue
            yield record

    # ------------------------------------------------------------------ reviews (kb/evidence/reviews.py)

    def _validated(self, source: GraphStore | OutcomeView, filters: OutcomeFilters) -> Selection:
        return validated(source, filters, self.review_book())

    def _reviewed(self, records: list[OutcomeRecord]) -> list[OutcomeRecord]:
        book = self.review_book()
        return [book.apply(record) for record in records]

    def review_book(self) -> ReviewBook:
        """The reviews in force for the current records, kept per data version."""
        return self._review_book.get(
            self.data_version(), lambda: review_book(self._store().pinned(), self._minter)
        )

    def outcome(self, record_id: str) -> OutcomeRecord | None:
        """One record by id, as reviewed (rejected ones too); None for an unknown id."""
        record = current_records(self._store().pinned(), self._minter, [record_id]).get(record_id)
        return None if record is None else self.review_book().apply(record)

    def orphaned_reviews(self) -> list[OrphanedReview]:
        """Reviews applied to nothing: their record is gone or has changed (kb/evidence/reviews.py)."""
        return list(self.review_book().orphaned)

    def review_outcome(self, record_id: str, request: ReviewRequest) -> Review | None:
        """Keep a review of the record (None: no such record); ReviewRefused for changes the contract
        does not allow. Takes the store's writer lock for the moment of writing."""
        with open_store(self.settings, writable=True) as store:
            record = current_records(store, self._minter, [record_id]).get(record_id)
            if record is None:
                return None
            reviews = load_reviews(store, self._minter)
            review = new_review(record, request, sequence=max((r.sequence for r in reviews), default=0) + 1)
            save_reviews(store, self._minter, [*reviews, review])
        return review

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
        view: OutcomeView | None
        with self._outcomes().reading() as view:  # count and page from one read transaction
            if view is not None:
                selection = self._validated(view, filters)
                return view.count(selection), self._reviewed(view.page(selection, offset, limit, keys))
        store = self._store().pinned()  # count, page and records must come from one snapshot
        selection = self._validated(store, filters)
        total = count_outcomes(store, selection)
        page = page_of_outcomes(store, selection, offset, limit, keys)
        return total, self._reviewed(self._records_at(store, page))

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

    # Reads for the browsing API (studies, papers, concepts, comparison tables): the outcome table
    # (kb/store/outcome_table.py), or kb/evidence/queries.py's SPARQL over the graph for a store
    # that has none yet.

    def all_outcomes(self, filters: OutcomeFilters, sort: str | None = None) -> list[OutcomeRecord]:
        """Every matching record (no paging), for comparison tables, plots and detail pages."""
        keys = parse_sort(sort)
        view: OutcomeView | None
        with self._outcomes().reading() as view:
            if view is not None:
                return self._reviewed(view.page(self._validated(view, filters), 0, None, keys))
        store = self._store().pinned()
        selection = self._validated(store, filters)
        return self._reviewed(self._records_at(store, page_of_outcomes(store, selection, 0, None, keys)))

    def compare(
        self,
        filters: OutcomeFilters,
        layout: str = "arms",
        offset: int = 0,
        limit: int | None = None,
        max_records: int | None = None,
    ) -> tuple[ComparisonTable | ComparisonRows, list[OutcomeRecord]]:
        """The comparison table of the matching records, one study arm per row (`arms`,
        kb/evidence/compare.py) or one comparison per row (`comparisons`, kb/evidence/comparisons.py),
        and the records behind the rows shown. QueryRefused past `max_records` matches."""
        records = self.all_outcomes(filters)
        if max_records is not None and len(records) > max_records:
            raise QueryRefused(
                f"{len(records)} results match; narrow the filters to {max_records} or fewer to compare"
            )
        table: ComparisonTable | ComparisonRows
        if layout == "comparisons":
            table = build_comparison_rows(
                records, filters.given(), details=details_of(self.papers()), offset=offset, limit=limit
            )
            shown = table.record_ids()
        elif layout == "arms":
            table = build_comparison(records, filters.given(), offset=offset, limit=limit)
            if limit is None and not offset:
                return table, records
            shown = {rid for row in table.rows for cell in row.cells.values() for rid in cell.records}
        else:
            raise QueryRefused(f"unknown layout {layout!r}; allowed: arms, comparisons")
        return table, [record for record in records if record.id in shown]

    def facets(self, filters: OutcomeFilters, kinds: Iterable[str] = FACETS) -> dict[str, dict[str, int]]:
        """Number of matching results per antigen, intervention, disease, endpoint, ... value."""
        view: OutcomeView | None
        with self._outcomes().reading() as view:
            if view is not None:
                selection = self._validated(view, filters)
                return {kind: view.facet_counts(selection, kind) for kind in kinds}
        store = self._store().pinned()
        selection = self._validated(store, filters)
        return {kind: facet_counts(store, selection, kind) for kind in kinds}

    def studies(self, filters: OutcomeFilters) -> list[StudyRow]:
        """Studies with at least one matching result."""
        view: OutcomeView | None
        with self._outcomes().reading() as view:
            if view is not None:
                return view.study_rows(self._validated(view, filters))
        store = self._store().pinned()
        return study_rows(store, self._validated(store, filters))

    def studies_page(self, filters: OutcomeFilters, offset: int, limit: int) -> tuple[int, list[StudyRow]]:
        """How many studies have a matching result, and the page `offset`..`offset + limit` of them."""
        view: OutcomeView | None
        with self._outcomes().reading() as view:
            if view is not None:
                return view.study_page(self._validated(view, filters), offset, limit)
        store = self._store().pinned()
        rows = study_rows(store, self._validated(store, filters))
        return len(rows), rows[offset : offset + limit]

    def data_version(self) -> str | None:
        """A name for what reads answer from now: the published graph snapshot and the state of the
        search index file (changed by every commit). Answers computed after reading it are of this
        version or a newer one. None for stores that publish no snapshots (KB_STORE=sparql)."""
        snapshot = published_snapshot(self.settings)
        if snapshot is None:
            return None
        with self._reader_lock:
            if self._version_reader is None:
                self._version_reader = SearchIndex.open(self.settings, writable=False)
            reader = self._version_reader
        # the index's generation changes with every search-row write; the file's state also with
        # writes that leave it (the outcome table built by `kb reindex`)
        parts = [snapshot, reader.meta().get("generation", "-")]
        index_file = index_path(self.settings)
        for file in (index_file, index_file.with_name(index_file.name + "-wal")):
            try:
                stat = file.stat()
            except FileNotFoundError:
                parts.append("-")
            else:
                parts.append(f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}")
        return "|".join(parts)

    def papers(self) -> list[PaperRow]:
        """Every paper with its metadata. The list changes only when a snapshot is published, and
        reading it is a query over every paper graph (~1.3 s at 1,000 papers), so it is kept per
        snapshot (read before pinning: the rows come from that snapshot or a newer one)."""
        snapshot = published_snapshot(self.settings)
        return list(self._paper_rows.get(snapshot, lambda: paper_rows(self._store().pinned())))

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
        found = searcher.search(self._store().pinned(), query, k, filters)
        return self._reviewed_hits(found)

    def _reviewed_hits(self, found: SearchResults) -> SearchResults:
        """Outcome hits as reviewed, as /outcomes shows them; a rejected record is no answer."""
        book, hits = self.review_book(), []
        for hit in found.results:
            if hit.record is not None:
                record = book.apply(hit.record)
                if record.review is not None and record.review.status == "rejected":
                    continue
                hit = hit.model_copy(update={"record": record})
            hits.append(hit)
        return found.model_copy(update={"results": hits})

    def stats(self) -> Stats:
        """Papers, records and triples. Counting the triples walks the store (~0.4 s at 1,000
        papers, on every GET /health), so the figures are kept per data version, read before
        counting: they are of that version or a newer one, as the answer cache's answers are."""
        return self._stats.get(self.data_version(), self._count)

    def _count(self) -> Stats:
        store = self._store().pinned()
        view: OutcomeView | None
        with self._outcomes().reading() as view:
            if view is not None:
                papers, records = len(view.paper_ids()), view.record_count()
                return Stats(papers=papers, records=records, triples=store.triple_count())
        return Stats(papers=len(store.paper_ids()), records=result_count(store), triples=store.triple_count())

    def close(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            if self._version_reader is not None:
                self._version_reader.close()
                self._version_reader = None
            if self._outcome_table is not None:
                self._outcome_table.close()
                self._outcome_table = None
        with self._paper_records_lock:
            self._paper_records.clear()

    # ------------------------------------------------------------------ deleting

    def delete_paper(self, paper_id: str) -> DeletedPaper | None:
        """Remove a paper everywhere (graph, search index, saved text, upload); None for an unknown paper.

        `paper_id` is the id or, as in GET /papers/{id}, the file name. Graph and index change all
        or nothing, as in `_write_paper`: the index rows are deleted in an open transaction, the graph
        is dropped, then the index commits; if that fails the graph is put back. The text (unless
        another paper has the same file SHA-256, hence the same text) and the uploaded file go only
        once both have changed.
        """
        with (
            open_store(self.settings, writable=True) as store,
            SearchIndex.open(self.settings, writable=True) as index,
        ):
            settle_cut_writes(self.settings, store, index, self._embedder)
            rows = paper_rows(store)
            row = next((r for r in rows if r.id == paper_id), None) or next(
                (r for r in rows if paper_id.casefold() in (r.id.casefold(), r.file.casefold())), None
            )
            found_id = row.id if row is not None else paper_id
            indexed = index.indexed_digest(found_id) is not None
            if row is None and not indexed:
                return None
            previous = store.paper_triples(found_id)
            graph_dropped = False
            try:
                # journaled (kb.search.index): a kill between the graph and the index commit is an
                # interrupted delete that `kb validate` names and the search already hides
                with index.removing(found_id):
                    if previous:
                        store.remove_paper(found_id)
                        graph_dropped = True
            except BaseException:
                if graph_dropped:  # the index kept its rows: so does the graph
                    store.replace_paper_graph(found_id, previous)
                raise
        sha256 = row.sha256 if row is not None else None
        text_removed = False
        uploads_removed = 0
        if sha256 is not None:
            if all(other.sha256 != sha256 for other in rows if other.id != found_id):
                path = text_path(self.settings, sha256)
                text_removed = path.exists()
                path.unlink(missing_ok=True)
            folder = self.settings.uploads_dir / sha256
            for upload in sorted(folder.iterdir()) if folder.is_dir() else []:
                if paper_id_for(upload.name) == found_id:
                    upload.unlink()
                    uploads_removed += 1
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        with self._paper_records_lock:
            for key in [key for key in self._paper_records if key[0] == found_id]:
                del self._paper_records[key]
        return DeletedPaper(
            id=found_id,
            file=row.file if row is not None else None,
            results=row.results if row is not None else 0,
            text_removed=text_removed,
            uploads_removed=uploads_removed,
        )


@dataclass(frozen=True)
class DeletedPaper:
    """What `KnowledgeBase.delete_paper` removed."""

    id: str
    file: str | None
    results: int
    text_removed: bool
    uploads_removed: int
