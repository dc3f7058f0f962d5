"""FTS5's bm25() ranking of the index's documents, computed in memory with numpy.

FTS5 answers an OR query by visiting every posting of every term, so the glossed query of a search
(~20 terms, several in half of all documents) costs ~35 ms at 1,000 papers: most of a search's
CPU. This module holds the same postings in numpy arrays, read from FTS5 itself through its
fts5vocab table (so the terms are FTS5's own tokens), and computes bm25() as fts5_aux.c does:

    idf(t)   = log((N - n(t) + 0.5) / (n(t) + 0.5)), or 1e-6 where that is <= 0
    score(d) = sum over the query's terms t, in query order, of
               idf(t) * (f(t,d) * (k1 + 1)) / (f(t,d) + k1 * (1 - b + b * |d| / avgdl))

with k1 = 1.2, b = 0.75, N the table's rows and |d| the document's tokens, in the same order of
floating-point operations, so the ranking is FTS5's (tests/test_search_bm25.py compares the two).

Loading the postings reads every token instance (4.3 M at 1,000 papers, ~3 s), so it runs on a
background thread, and only once the index's generation has stayed the same for QUIET_SECONDS:
while an ingest keeps changing the index, searches ask FTS5 (same ranking, slower).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlite_utils.utils import sqlite3

K1 = 1.2
B = 0.75
MIN_IDF = 1e-6  # fts5_aux.c: a term in more than half the rows still counts, a little
QUIET_SECONDS = 5.0  # a generation this old is worth loading; younger ones may be an ingest's steps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bm25Snapshot:
    """The postings of one generation of the index: for each term, its documents and f(t,d) part."""

    generation: Hashable
    rows: int  # N: rows of the FTS5 table
    doc_ids: np.ndarray  # int64 rowids of the documents that have tokens, ascending
    spans: dict[str, tuple[int, int]]  # term -> its postings' slice of `docs` and `parts`
    docs: np.ndarray  # int64 positions in doc_ids, per posting
    parts: np.ndarray  # float64 (f * (k1 + 1)) / (f + k1 * (1 - b + b * |d| / avgdl)), per posting
    tokenizer: QueryTokenizer  # splits query tokens into terms as the table's tokenizer does

    def terms(self, query_tokens: Sequence[str]) -> list[str] | None:
        """The FTS5 term of each distinct query token (each a phrase of fts_query), in query order;
        None when a token is not one term (a phrase of several, or of none): then ask FTS5."""
        out = []
        for token in dict.fromkeys(query_tokens):
            if token in self.spans:  # an FTS5 term already: the tokenizer leaves it as it is
                out.append(token)
                continue
            split = self.tokenizer.terms(token)
            if len(split) != 1:
                return None
            out.append(split[0])
        return out

    def best_matching(self, terms: Sequence[str], depth: int, allowed: Sequence[int] | None) -> list[int]:
        """Rowids of the `depth` best documents for any of `terms` (from `self.terms`: one per
        phrase, in query order), as `ORDER BY bm25(docs_fts) LIMIT depth` orders them; equal
        scores by rowid."""
        slices = [self.spans[t] for t in terms if t in self.spans]
        if not slices or depth <= 0:
            return []
        docs = np.concatenate([self.docs[a:b] for a, b in slices])
        weighted = np.concatenate([idf(self.rows, b - a) * self.parts[a:b] for a, b in slices])
        # bincount adds each document's postings in array order: term by term, as FTS5 does
        scores = np.bincount(docs, weights=weighted, minlength=len(self.doc_ids))
        matched = scores > 0  # every posting adds at least MIN_IDF * a positive part
        if allowed is not None:
            matched &= np.isin(self.doc_ids, np.asarray(allowed, dtype=np.int64))
        candidates = np.flatnonzero(matched)
        if len(candidates) > depth:
            # the depth-th best score, then everything at least as good (ties kept for the sort)
            cut = np.partition(-scores[candidates], depth - 1)[depth - 1]
            candidates = candidates[-scores[candidates] <= cut]
        order = np.lexsort((self.doc_ids[candidates], -scores[candidates]))
        return self.doc_ids[candidates[order][:depth]].tolist()


def idf(rows: int, hits: int) -> float:
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0.0 else MIN_IDF


def load_postings(conn: Any, generation: Hashable, table: str = "docs_fts") -> Bm25Snapshot:
    """Every posting of `table`, read with `conn` (inside the read transaction that saw `generation`)."""
    by_row, by_instance = f"temp.[{table}_rows]", f"temp.[{table}_instances]"
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {by_row} USING fts5vocab(main, '{table}', 'row')")
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {by_instance} USING fts5vocab(main, '{table}', 'instance')"
    )
    rows = conn.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()[0]
    created = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    tokenize = re.search(r"tokenize\s*=\s*(\"[^\"]*\"|'[^']*')", created)
    # Both in the index's term order: the terms with their document counts, then the postings.
    terms = conn.execute(f"SELECT term, doc FROM {by_row}").fetchall()
    postings = np.array(
        conn.execute(f"SELECT doc, COUNT(*) FROM {by_instance} GROUP BY term, doc").fetchall(),
        dtype=np.int64,
    ).reshape(-1, 2)
    ends = np.cumsum([hits for _, hits in terms], dtype=np.int64)
    if (ends[-1] if len(ends) else 0) != len(postings):
        raise RuntimeError(f"{table}: {len(postings)} postings where the vocabulary counts {ends[-1]}")
    frequencies = postings[:, 1].astype(np.float64)
    doc_ids, docs = np.unique(postings[:, 0], return_inverse=True)
    sizes = np.bincount(docs, weights=frequencies, minlength=len(doc_ids))  # |d|: tokens per row
    avgdl = float(sizes.sum()) / rows if rows else 1.0
    # the same operations, in the same order, as fts5Bm25Function
    parts = (frequencies * (K1 + 1.0)) / (frequencies + K1 * (1 - B + B * sizes[docs] / avgdl))
    starts = ends - np.asarray([hits for _, hits in terms], dtype=np.int64)
    spans = {term: (int(a), int(b)) for (term, _), a, b in zip(terms, starts, ends, strict=True)}
    tokenizer = QueryTokenizer(tokenize[1] if tokenize else "unicode61")
    return Bm25Snapshot(generation, rows, doc_ids, spans, docs.astype(np.int64), parts, tokenizer)


class QueryTokenizer:
    """Splits text into terms as an FTS5 table with `tokenize` does, by asking FTS5: a scratch
    table in memory (the index's readers cannot write, not even temp tables), answers cached."""

    def __init__(self, tokenize: str, cached: int = 65536) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE scratch USING fts5(text, tokenize = {tokenize})")
        self._conn.execute("CREATE VIRTUAL TABLE scratch_terms USING fts5vocab(scratch, 'instance')")
        self._cache: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._cached = cached
        self._lock = threading.Lock()

    def terms(self, text: str) -> tuple[str, ...]:
        with self._lock:
            found = self._cache.get(text)
            if found is None:
                self._conn.execute("INSERT INTO scratch (rowid, text) VALUES (1, ?)", [text])
                ordered = self._conn.execute("SELECT term FROM scratch_terms ORDER BY offset")
                found = tuple(row[0] for row in ordered)
                self._conn.execute("DELETE FROM scratch")
                self._cache[text] = found
                if len(self._cache) > self._cached:
                    self._cache.popitem(last=False)
            return found


class Bm25Cache:
    """The postings of the newest quiet generation, loaded on a background thread."""

    def __init__(self, quiet_seconds: float = QUIET_SECONDS) -> None:
        self.quiet_seconds = quiet_seconds
        self._snapshot: Bm25Snapshot | None = None
        self._seen: tuple[Hashable, float] | None = None  # generation last seen, and since when
        self._loading = False
        self._failed = False  # a load failed: the next waits for a quiet generation too
        self._lock = threading.Lock()

    def current(self, generation: Hashable, load: Callable[[], Bm25Snapshot | None]) -> Bm25Snapshot | None:
        """The postings of `generation` if they are in memory; else None, and perhaps a load started.

        `load` reads the postings of whatever generation the index is at when it runs (it is
        called on another thread); the first load starts at once, later ones once the index has
        been quiet for `quiet_seconds`."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot.generation == generation:
            return snapshot
        now = time.monotonic()
        with self._lock:
            if self._seen is None or self._seen[0] != generation:
                self._seen = (generation, now)
            quiet = (snapshot is None and not self._failed) or now - self._seen[1] >= self.quiet_seconds
            if quiet and not self._loading:
                self._loading = True
                threading.Thread(target=self._load, args=(load,), name="bm25-load", daemon=True).start()
        return None

    def _load(self, load: Callable[[], Bm25Snapshot | None]) -> None:
        loaded = None
        try:
            loaded = load()
        except Exception:  # the searches go on with FTS5
            log.warning("loading the BM25 postings failed; searches rank with FTS5", exc_info=True)
        with self._lock:
            if loaded is not None:
                self._snapshot = loaded
            elif self._seen is not None:  # not again for this generation before it is quiet
                self._failed = True
                self._seen = (self._seen[0], time.monotonic())
            self._loading = False

    def clear(self) -> None:
        self._snapshot = None


__all__ = ["Bm25Cache", "Bm25Snapshot", "QueryTokenizer", "idf", "load_postings"]
