"""Writing one extracted paper into the knowledge base: its graph (SHACL-checked) and its search
index entry, all or nothing.

What an extractor hands over (ExtractedPaper) is the contract between ingest/ and the knowledge
base: ingest/ingestion.py reads files, runs the extractor and hands each paper to a PaperWriter,
which KnowledgeBase.writer() opens with the store's writer lock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pyoxigraph import Triple

from kb import __version__
from kb.embedding import Embedder
from kb.errors import KBError
from kb.evidence.queries import graph_digests, graphs_holding_results, stored_digest
from kb.model.rdf_mapping import Minter, PaperMeta, RunInfo, content_digest, records_to_triples
from kb.model.records import OutcomeRecord
from kb.model.validation import GraphInvalid, validate_paper_graph
from kb.search import PreparedPaper, SearchIndex, prepare_paper
from kb.settings import Settings
from kb.store import GraphStore
from kb.store.texts import save_text

Status = Literal["ingested", "unchanged", "failed"]


def one_line(text: str) -> str:
    """A reason on one line: for a terminal, a log and a job's status."""
    return " ".join(text.split())


@dataclass(frozen=True)
class ExtractedPaper:
    """What an extractor hands over: the paper as read, and its outcome records.

    `text` is the decoded source (the offset space of every span); an extractor that leaves it
    out has the ingest read the file again (ingest/ingestion.py).
    """

    meta: PaperMeta
    records: list[OutcomeRecord]
    text: str | None = None


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


@dataclass(frozen=True)
class GraphRefusal:
    """Why a paper's records cannot become a graph (a mapping error or SHACL violations)."""

    reason: str
    details: list[str] | None = None


@dataclass
class PaperWork:
    """One source on its way into the store: extracted (or why not), and what can be computed
    before the store is consulted: the content digest, the graph and the search index entry.

    Worker processes (ingest/workers.py) fill in everything; the in-process ingest leaves the
    graph and the entry to `PaperWriter.store_paper`, which computes what is missing.
    """

    source: str
    paper: ExtractedPaper | None = None
    failure: str | None = None  # why the source could not be extracted
    digest: str | None = None
    graph: list[Triple] | GraphRefusal | None = None
    entry: PreparedPaper | str | None = None  # the search index entry, or why it failed


def paper_graph(base_iri: str, paper: ExtractedPaper, digest: str) -> list[Triple] | GraphRefusal:
    """The paper's graph, checked against the SHACL shapes, or why it cannot be stored."""
    try:
        run = RunInfo(__version__, datetime.now(UTC).replace(microsecond=0), digest)
        triples = records_to_triples(base_iri, paper.meta, paper.records, run)
        validate_paper_graph(triples, f"paper {paper.meta.id}")  # SHACL, before anything is written
    except GraphInvalid as exc:
        return GraphRefusal(one_line(exc.reason), exc.details)
    except ValueError as exc:
        return GraphRefusal(one_line(str(exc)))
    return triples


def search_entry(paper: ExtractedPaper, digest: str, model: Embedder) -> PreparedPaper | str:
    """The paper's search index entry (passages, cards, embeddings), or why it failed.

    KBError (the model cannot be loaded) propagates: then no paper can be indexed.
    """
    assert paper.text is not None
    try:
        return prepare_paper(paper.meta.ref(), digest, paper.text, paper.records, model)
    except KBError:
        raise
    except Exception as exc:
        return one_line(f"search indexing failed: {type(exc).__name__}: {exc}")


class PaperWriter:
    """Stores extracted papers in a store and search index opened writable (KnowledgeBase.writer)."""

    def __init__(
        self, settings: Settings, store: GraphStore, index: SearchIndex, embedder: Callable[[], Embedder]
    ) -> None:
        self.settings = settings
        self.store = store
        self.index = index
        self.embedder = embedder
        self.minter = Minter(settings.base_iri)

    def ensure_schema(self, dimension: Callable[[], int]) -> None:
        """Make the index ready for the configured embedding model (`dimension` gives its vector
        size, asked only when the index has to be made)."""
        self.index.ensure_schema(self.settings.embedding_model, dimension)

    def unchanged_digests(self) -> frozenset[str]:
        """Content digests of the papers stored and indexed as they are: re-ingesting them changes
        nothing, so workers need not embed them (a digest covers the paper id and all its content).

        An index built with another model is about to be emptied (ensure_schema): then none is.
        Should a paper still turn out changed, `store_paper` embeds it here.
        """
        store, index = self.store, self.index
        if index.meta().get("model") != self.settings.embedding_model:
            return frozenset()
        graphs = {self.minter.graph(paper_id).value: paper_id for paper_id in store.paper_ids()}
        digests = graph_digests(store, list(graphs))
        return frozenset(d for graph, d in digests.items() if index.indexed_digest(graphs[graph]) == d)

    def store_paper(self, work: PaperWork, seen: dict[str, str]) -> PaperStatus:
        """Store one extracted paper whole or not at all; `seen` maps the paper ids stored so far in
        this run to their sources (a second paper with one id is refused)."""
        store, index = self.store, self.index
        source, paper = work.source, work.paper
        assert paper is not None
        meta, records = paper.meta, paper.records
        if meta.id in seen:
            reason = f"same paper id {meta.id!r} as {seen[meta.id]}, ingested earlier in this run"
            return PaperStatus(source, "failed", paper_id=meta.id, reason=reason)
        seen[meta.id] = source
        if paper.text is not None:  # before the graph: a reader of the new graph finds its text
            save_text(self.settings, meta.sha256, paper.text)
        graph = self.minter.graph(meta.id)
        digest = work.digest or content_digest(meta, records)
        graph_unchanged = stored_digest(store, graph) == digest
        if graph_unchanged and index.indexed_digest(meta.id) == digest:
            return PaperStatus(source, "unchanged", paper_id=meta.id, records=len(records))
        triples: list[Triple] | None = None  # None: the graph already holds this content
        if not graph_unchanged:
            taken = graphs_holding_results(store, [self.minter.result(r.id) for r in records], graph)
            if taken:
                owners = ", ".join(str(self.minter.paper_id_of_graph_iri(g)) for g in taken)
                reason = f"record ids already used by another paper ({owners}); ids must be unique"
                return PaperStatus(source, "failed", paper_id=meta.id, reason=reason)
            built = work.graph
            if built is None:
                built = paper_graph(self.settings.base_iri, paper, digest)
            if isinstance(built, GraphRefusal):
                return PaperStatus(source, "failed", meta.id, reason=built.reason, details=built.details)
            triples = built
        entry = work.entry if work.entry is not None else search_entry(paper, digest, self.embedder())
        if isinstance(entry, str):
            return PaperStatus(source, "failed", paper_id=meta.id, reason=entry)
        try:
            write_paper(store, index, meta.id, entry, triples)
        except Exception as exc:
            reason = one_line(f"storing failed, nothing was changed: {type(exc).__name__}: {exc}")
            return PaperStatus(source, "failed", paper_id=meta.id, reason=reason)
        return PaperStatus(source, "ingested", paper_id=meta.id, records=len(records))


def write_paper(
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
