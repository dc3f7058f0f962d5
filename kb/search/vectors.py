"""The vector step of a search: exact nearest neighbours by numpy over the index's vectors in memory.

sqlite-vec's vec0 KNN is an exact scan costing ~100 ms over 68k vectors where a float32 matrix
product over the same vectors costs ~7 ms (bench/results/search_latency.md). The vectors stay
stored in the vec0 table, the index's one stored form; this module holds a copy in memory and
keeps it while the index's generation (kb.search.index) stays the same.

Loading reads vec0's shadow tables (sqlite-vec 0.1.x): `<t>_chunks` (chunk_id, size, validity
bitmap, rowids int64[size]), `<t>_vector_chunks00` (rowid = chunk_id, float32[size x D]) and
`<t>_metadatachunks00` (rowid = chunk_id, int64[size]: the `doc_id` column). That is ~7x faster than
scanning the virtual table (1.1 s against 8 s for 68k vectors), and a refresh re-reads only the
chunks whose validity or rowids changed: vec0 never reuses a rowid, and the index never updates a
stored vector in place, so an unchanged chunk holds the same vectors. When the layout is not the
expected one (another sqlite-vec version), the virtual table is scanned instead: slower, same result.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlite_utils.utils import sqlite3

VECTOR_TABLE = "docs_vec"
_SNAPSHOTS_KEPT = 2  # the current generation and the one a reader that started before it still uses


@dataclass(frozen=True)
class VectorChunk:
    """The live vectors of one vec0 chunk: rows of unit length, and the document each belongs to."""

    key: bytes  # validity bitmap + rowids: the same key means the same vectors
    vectors: np.ndarray  # (n, D) float32
    owners: np.ndarray  # (n,) int64 doc ids


@dataclass(frozen=True)
class VectorSnapshot:
    """Every vector of one index generation, as chunks (unchanged chunks are shared between generations)."""

    generation: Hashable
    chunks: dict[int, VectorChunk]
    owners: np.ndarray

    def __len__(self) -> int:
        return len(self.owners)

    def nearest(
        self, vector: np.ndarray, vectors_wanted: int, depth: int, allowed: Sequence[int] | None
    ) -> list[int]:
        """The `depth` documents owning the best of the `vectors_wanted` vectors nearest to `vector`.

        Nearest by cosine similarity (rows and `vector` are unit length), nearest first: the same
        ranking as the sqlite-vec KNN query it replaces, which asks for `vectors_wanted` vectors.
        """
        if not len(self.owners) or depth <= 0:
            return []
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(query))
        if norm > 0:
            query = query / norm
        scores = np.concatenate([chunk.vectors @ query for chunk in self.chunks.values()])
        candidates = len(scores)
        if allowed is not None:
            keep = np.isin(self.owners, np.asarray(allowed, dtype=np.int64))
            candidates = int(keep.sum())
            scores = np.where(keep, scores, -np.inf)
        wanted = min(vectors_wanted, candidates)
        if wanted <= 0:
            return []
        top = np.sort(np.argpartition(-scores, wanted - 1)[:wanted])  # ties: in row (rowid) order
        top = top[np.argsort(-scores[top], kind="stable")]
        return list(dict.fromkeys(self.owners[top].tolist()))[:depth]


class VectorCache:
    """The in-memory vectors of one index file, reloaded (chunks that changed only) per generation."""

    def __init__(self, table: str = VECTOR_TABLE) -> None:
        self.table = table
        self._snapshots: OrderedDict[Hashable, VectorSnapshot] = OrderedDict()
        self._lock = threading.Lock()

    def snapshot(self, conn: sqlite3.Connection, generation: Hashable) -> VectorSnapshot:
        """The vectors of `generation`, read with `conn` (inside the read transaction that saw it)."""
        found = self._snapshots.get(generation)
        if found is not None:
            return found
        with self._lock:  # one reader loads, the others of the same generation wait for it
            found = self._snapshots.get(generation)
            if found is not None:
                return found
            previous = next(reversed(self._snapshots.values()), None)
            loaded = load_vectors(conn, self.table, generation, previous)
            self._snapshots[generation] = loaded
            while len(self._snapshots) > _SNAPSHOTS_KEPT:
                self._snapshots.popitem(last=False)
            return loaded

    def clear(self) -> None:
        with self._lock:
            self._snapshots.clear()


def load_vectors(
    conn: sqlite3.Connection, table: str, generation: Hashable, previous: VectorSnapshot | None = None
) -> VectorSnapshot:
    """Every live vector of `table`, reusing the chunks of `previous` that did not change."""
    try:
        chunks = _chunks_from_shadow_tables(conn, table, previous.chunks if previous else {})
    except _UnexpectedLayout:
        chunks = _chunk_from_virtual_table(conn, table)
    owners = (
        np.concatenate([chunk.owners for chunk in chunks.values()]) if chunks else np.zeros(0, dtype=np.int64)
    )
    return VectorSnapshot(generation, chunks, owners)


class _UnexpectedLayout(Exception):
    """vec0's shadow tables are not laid out as sqlite-vec 0.1.x lays them out."""


def _chunks_from_shadow_tables(
    conn: sqlite3.Connection, table: str, reusable: dict[int, VectorChunk]
) -> dict[int, VectorChunk]:
    try:
        version = conn.execute(f"SELECT value FROM [{table}_info] WHERE key = 'CREATE_VERSION'").fetchone()
        if version is None or not str(version[0]).startswith("v0.1."):
            raise _UnexpectedLayout(f"sqlite-vec layout {version}")
        dimension = _dimension(conn, table)
        headers = conn.execute(
            f"SELECT chunk_id, size, validity, rowids FROM [{table}_chunks] ORDER BY chunk_id"
        ).fetchall()
    except sqlite3.OperationalError as exc:  # a shadow table is missing: another layout
        raise _UnexpectedLayout(str(exc)) from exc
    chunks: dict[int, VectorChunk] = {}
    for chunk_id, size, validity, rowids in headers:
        if len(validity) * 8 < size or len(rowids) != 8 * size:
            raise _UnexpectedLayout(f"chunk {chunk_id}: {size} slots, {len(validity)} validity bytes")
        key = bytes(validity) + bytes(rowids)
        old = reusable.get(chunk_id)
        if old is not None and old.key == key:
            chunks[chunk_id] = old
            continue
        live = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[:size].astype(bool)
        if not live.any():
            continue
        vectors_row = conn.execute(
            f"SELECT vectors FROM [{table}_vector_chunks00] WHERE rowid = ?", [chunk_id]
        ).fetchone()
        owners_row = conn.execute(
            f"SELECT data FROM [{table}_metadatachunks00] WHERE rowid = ?", [chunk_id]
        ).fetchone()
        if vectors_row is None or owners_row is None:
            raise _UnexpectedLayout(f"chunk {chunk_id} has no vectors or doc ids")
        if len(vectors_row[0]) != 4 * size * dimension or len(owners_row[0]) != 8 * size:
            raise _UnexpectedLayout(f"chunk {chunk_id}: blob sizes do not match {size} x {dimension}")
        vectors = np.frombuffer(vectors_row[0], dtype=np.float32).reshape(size, dimension)[live]
        owners = np.frombuffer(owners_row[0], dtype=np.int64)[live].copy()
        chunks[chunk_id] = VectorChunk(key, _unit_rows(vectors), owners)
    return chunks


def _chunk_from_virtual_table(conn: sqlite3.Connection, table: str) -> dict[int, VectorChunk]:
    rows = conn.execute(f"SELECT doc_id, embedding FROM [{table}] ORDER BY rowid").fetchall()
    if not rows:
        return {}
    owners = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), -1)
    return {0: VectorChunk(b"", _unit_rows(vectors), owners)}


def _dimension(conn: sqlite3.Connection, table: str) -> int:
    """D of the table's `float[D]` column, from its CREATE statement."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()
    if row is None or "float[" not in row[0]:
        raise _UnexpectedLayout(f"no float[D] column in {table}")
    return int(row[0].split("float[", 1)[1].split("]", 1)[0])


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, so a dot product is the cosine similarity vec0 ranks by."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.where(norms == 0, 1, norms), dtype=np.float32)


__all__ = ["VectorCache", "VectorChunk", "VectorSnapshot", "load_vectors"]
