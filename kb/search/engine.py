"""Hybrid search: a query's vector neighbours, BM25 matches of its words and BM25 matches of the
vocabulary concepts it names (kb.search.concept_terms), fused by reciprocal rank.

    score(doc) = w_vec / (rrf_k + rank_vec(doc)) + w_bm25 / (rrf_k + rank_bm25(doc))
                 + w_concept / (rrf_k + rank_concept(doc))

over the `depth` best documents of each ranking (ranks from 1). The query, followed by the English
glosses of the vocabulary concepts it mentions (kb.search.gloss), is embedded and tokenized, so a
Chinese query also meets the English cards and the glossed passages.
Weights and depth were chosen by bench/search_tuning.py (results in bench/results/).

Outcome hits carry the record as the graph holds it at the content digest the hit was indexed
with: the outcome table's copy of it (kb.store.outcome_table, written from the same extraction, in the
same file), one indexed row per hit; a paper graph is read and converted (cached per paper and
digest) only for an index without that table. Reading whole graphs was a third of a search's CPU on
1,000 papers with always-new questions (bench/results/REPORT.md).

Concurrency: the query is embedded before the index is read, and the index reads of one search run
in one read transaction on the thread's own connection (kb.search.index), so searches on the
server's worker threads run side by side instead of queueing behind one lock.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from kb.embedding import Embedder, embedder
from kb.errors import KBError, QueryRefused
from kb.evidence.queries import graph_digests
from kb.model.rdf_mapping import Minter, triples_to_records
from kb.model.records import OutcomeRecord
from kb.search.concept_terms import DOC_PREFIX, query_terms
from kb.search.documents import with_gloss
from kb.search.gloss import gloss_text
from kb.search.index import DocRow, SearchIndex
from kb.search.models import SearchHit, SearchResults
from kb.search.rerank import Candidate, Question, shipped_reranker
from kb.search.text import tokens
from kb.settings import Settings
from kb.store import GraphStore
from kb.store.outcome_table import table_record

MAX_K = 50
DEFAULT_K = 10
MAX_QUERY_CHARS = 1000
FILTERS = ("language", "paper", "disease", "antigen", "endpoint")
# Papers whose converted records are kept: the working set of a 1,000-paper base. At 64 the cache
# thrashed there and converting hit papers was a quarter of a search's CPU (bench/results/load_notes.md).
CACHED_PAPERS = 1024
WARM_UP_QUERY = "complete remission"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fusion:
    """How the two rankings are combined (bench/search_tuning.py measures the choices)."""

    rrf_k: int = 10
    vector_weight: float = 1.5
    bm25_weight: float = 1.0
    concept_weight: float = 1.0
    depth: int = 50
    gloss_query: bool = True
    collapse: bool = True  # one hit per evidence sentence: records stated together show once
    rerank: bool = True  # order the fused candidates by the learned reranker (kb.search.rerank)


def check_k(k: int) -> int:
    if not 1 <= k <= MAX_K:
        raise QueryRefused(f"k must be between 1 and {MAX_K}, got {k}")
    return k


def check_query(query: str) -> str:
    text = query.strip()
    if not text:
        raise QueryRefused("q must not be empty: give the words to search for, e.g. q=complete remission")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryRefused(
            f"q is {len(text)} characters long; the most a query can have is {MAX_QUERY_CHARS}"
        )
    return text


def fuse(rankings: list[tuple[list[int], float]], rrf_k: int) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion of weighted rankings: (id, score), best first, ties by first appearance."""
    scores: dict[int, float] = {}
    for ranking, weight in rankings:
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


class Searcher:
    """Searches the index of one knowledge base; one per process (the model is loaded once)."""

    def __init__(self, settings: Settings, fusion: Fusion | None = None) -> None:
        self.settings = settings
        self.fusion = fusion or Fusion()
        self.index = SearchIndex.open(settings, writable=False)
        self._minter = Minter(settings.base_iri)
        self._records: OrderedDict[tuple[str, str], dict[str, OutcomeRecord]] = OrderedDict()
        self._records_lock = threading.Lock()

    def embedder(self) -> Embedder:
        return embedder(self.settings.embedding_model)

    def search(
        self,
        store: GraphStore,
        query: str,
        k: int = DEFAULT_K,
        filters: Mapping[str, str | None] | None = None,
    ) -> SearchResults:
        """The `k` best hits for `query`; QueryRefused for a bad query, k or filter value."""
        text, k = check_query(query), check_k(k)
        given = {name: value for name, value in (filters or {}).items() if value is not None}
        unknown = sorted(set(given) - set(FILTERS))
        if unknown:
            raise QueryRefused(f"unknown filter {unknown[0]!r}; allowed: {', '.join(FILTERS)}")
        if not self.index.path.exists():
            return SearchResults(query=query, k=k, filters=given, results=[])
        self._check_model(self.index.meta())  # before loading a model the index was not built with
        fusion = self.fusion
        glossed = with_gloss(text, gloss_text(text)) if fusion.gloss_query else text
        vector = self.embedder().queries([glossed])[0]  # no transaction open while the model works
        terms = tokens(glossed)
        with self.index.reading() as db:
            if db is None:
                return SearchResults(query=query, k=k, filters=given, results=[])
            checked = self.index.validate(db, given)
            allowed = self.index.allowed(db, checked) if checked.any() else None
            if allowed == []:
                return SearchResults(query=query, k=k, filters=given, results=[])
            question, candidates, rows = self._candidates(db, text, vector, terms, allowed)
        ranked = (
            shipped_reranker().rank(question, candidates)
            if fusion.rerank
            else [(c, c.fused_score) for c in candidates]
        )
        # A row counts only while its paper's graph in `store` (this answer's snapshot) holds the content
        # it was indexed from: an ingest commits the graph and the index one after the other.
        graphs = {row.paper.id: self._minter.graph(row.paper.id).value for row in rows.values()}
        digests = graph_digests(store, list(graphs.values()))
        hits: list[SearchHit] = []
        shown: set[tuple[str, int, int]] = set()
        with self.index.reading() as db:  # the hits' records: from the outcome table where it has them
            for candidate, score in ranked:
                if len(hits) == k:
                    break
                row = rows[candidate.doc_id]
                if digests.get(graphs[row.paper.id]) != row.digest:
                    continue
                span = (row.paper.id, row.char_start, row.char_end)
                if fusion.collapse and span in shown:
                    continue
                hit = self._hit(store, row, score, db)
                if hit is not None:
                    hits.append(hit)
                    shown.add(span)
        return SearchResults(query=query, k=k, filters=given, results=hits)

    def _candidates(
        self,
        db: sqlite_utils.Database,
        text: str,
        vector: np.ndarray,
        words: list[str],
        allowed: list[int] | None,
    ) -> tuple[Question, list[Candidate], dict[int, DocRow]]:
        """The question as the reranker sees it, and the fused pool of the three channels' `depth`
        best documents, in fused order, with their index rows."""
        fusion = self.fusion
        concepts = query_terms(text)
        channels = {
            "vector_rank": self.index.nearest(db, vector, fusion.depth, allowed),
            "bm25_rank": self.index.best_matching(db, words, fusion.depth, allowed),
            "concept_rank": self.index.best_matching(db, concepts, fusion.depth, allowed),
        }
        weights = {
            "vector_rank": fusion.vector_weight,
            "bm25_rank": fusion.bm25_weight,
            "concept_rank": fusion.concept_weight,
        }
        fused = fuse([(channels[name], weights[name]) for name in channels], fusion.rrf_k)
        pool = [doc_id for doc_id, _ in fused]
        rows = self.index.rows(db, pool)
        terms = self.index.concept_terms(db, pool)
        positions = {
            name: {doc_id: r for r, doc_id in enumerate(ranking, start=1)}
            for name, ranking in channels.items()
        }
        candidates = [
            Candidate(
                doc_id=doc_id,
                paper_id=rows[doc_id].paper.id,
                kind=rows[doc_id].kind,
                text=rows[doc_id].text,
                terms=terms.get(doc_id, frozenset()),
                fused_score=score,
                fused_rank=rank,
                **{name: ranks.get(doc_id) for name, ranks in positions.items()},
            )
            for rank, (doc_id, score) in enumerate(fused, start=1)
            if doc_id in rows
        ]
        return (
            Question(text, frozenset(t for t in concepts if t.startswith(f"{DOC_PREFIX}."))),
            candidates,
            rows,
        )

    def candidates(
        self, store: GraphStore, query: str
    ) -> tuple[Question, list[tuple[Candidate, SearchHit | None]]]:
        """Every fused candidate of `query`, in fused order, with the hit it would be: what the
        reranker is fitted and measured on (kb.search.rerank_training)."""
        text = check_query(query)
        glossed = with_gloss(text, gloss_text(text)) if self.fusion.gloss_query else text
        vector = self.embedder().queries([glossed])[0]
        with self.index.reading() as db:
            if db is None:
                return Question(text, frozenset()), []
            question, candidates, rows = self._candidates(db, text, vector, tokens(glossed), None)
        return question, [(c, self._hit(store, rows[c.doc_id], c.fused_score)) for c in candidates]

    def _check_model(self, meta: Mapping[str, str]) -> None:
        built_with = meta.get("model")
        if built_with is not None and built_with != self.settings.embedding_model:
            raise KBError(
                f"the search index was built with embedding model {built_with!r} but KB_EMBEDDING_MODEL is"
                f" {self.settings.embedding_model!r}; run `kb ingest` on the papers again to rebuild it"
            )

    def _hit(
        self, store: GraphStore, row: DocRow, score: float, db: sqlite_utils.Database | None = None
    ) -> SearchHit | None:
        common = {
            "score": round(score, 6),
            "paper": row.paper,
            "char_start": row.char_start,
            "char_end": row.char_end,
        }
        if row.kind == "passage":
            return SearchHit(kind="passage", text=row.text, **common)
        record = table_record(db, row.paper.id, row.digest, row.record_id or "") if db is not None else None
        if record is None:  # an older store's index without the outcome table: the graph's records
            record = self._records_of(store, row.paper.id, row.digest).get(row.record_id or "")
        if record is None:  # the graph moved on between the index read and this one
            return None
        return SearchHit(
            kind="outcome", text=record.evidence.text, record=record, evidence=record.evidence, **common
        )

    def _records_of(self, store: GraphStore, paper_id: str, digest: str) -> dict[str, OutcomeRecord]:
        """The paper's records as its graph holds them at content digest `digest`, cached by that digest.

        `search` keeps only rows whose graph in `store` has the digest they were indexed with, so
        the row's digest is the graph's: a digest names one graph content, and a cached conversion
        needs no graph query.
        """
        cached = self._cached((paper_id, digest))
        if cached is not None:
            return cached
        records = {r.id: r for r in triples_to_records(store.paper_triples(paper_id))}
        if not digest:  # a graph without an ingest run has no digest to key it by
            return records
        with self._records_lock:
            self._records[(paper_id, digest)] = records
            while len(self._records) > CACHED_PAPERS:
                self._records.popitem(last=False)
        return records

    def _cached(self, key: tuple[str, str]) -> dict[str, OutcomeRecord] | None:
        with self._records_lock:
            records = self._records.get(key)
            if records is not None:
                self._records.move_to_end(key)
            return records

    def close(self) -> None:
        self.index.close()


def warm_up_in_background(search: Callable[[str], object]) -> threading.Thread:
    """Run one search on a daemon thread, so that the first user's search does not pay for the
    model's import and load (5-40 s), the index's vectors (~1 s at 68k vectors) and cold pages.

    `search` is e.g. `KnowledgeBase.search`; without an index it returns at once, loading nothing.
    A failure is logged only: the first real search reports it to its caller.
    """

    def run() -> None:
        try:
            search(WARM_UP_QUERY)
        except Exception:
            log.warning("search warm-up failed; the first search will load what it needs", exc_info=True)

    thread = threading.Thread(target=run, name="search-warm-up", daemon=True)
    thread.start()
    return thread
