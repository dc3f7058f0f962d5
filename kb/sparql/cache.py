"""Answers to /sparql queries kept per (graph snapshot, query, dataset, format, Accept, cap).

Why this can never serve stale data: the Oxigraph store is read through immutable snapshots, and
every committed change (`kb ingest`, a removal) publishes a new one and points CURRENT at it
(kb/store/oxigraph.py). The key starts with the snapshot readers see when the request arrives; a
worker opens whatever CURRENT names when it evaluates, which is that snapshot or a newer one, so an
entry never holds data older than its key. Once a new snapshot is published no request can build an
old key again, and the old entries are dropped.

The snapshot is named by CURRENT's content plus the snapshot folder's inode and mtime, so that a
knowledge base deleted and rebuilt under a running server (numbering restarts at 00000001) does not
match answers from before. A store without published snapshots (KB_STORE=sparql, which a server
changes in place; or nothing ingested yet) gets no key, and its answers are not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from kb.sparql.pool import Answer

# An answer larger than this share of the cache is not kept: it would evict everything else.
_LARGEST_SHARE = 4


def _size(answer: Answer) -> int:
    return len(answer.body) + len(answer.gzipped or b"")


class AnswerCache:
    """A least-recently-used map of answers, bounded by the bytes of their bodies; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, Hashable], Answer] = OrderedDict()
        self._bytes = 0
        self._snapshot: str | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, snapshot: str, key: Hashable) -> Answer | None:
        with self._lock:
            answer = self._entries.get((snapshot, key))
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end((snapshot, key))
            self.hits += 1
            return answer

    def put(self, snapshot: str, key: Hashable, answer: Answer) -> None:
        size = _size(answer)
        if size * _LARGEST_SHARE > self.max_bytes:
            return
        with self._lock:
            if snapshot != self._snapshot:
                # Keys of other snapshots can never be asked for again (see the module docstring).
                self._entries.clear()
                self._bytes = 0
                self._snapshot = snapshot
            previous = self._entries.pop((snapshot, key), None)
            if previous is not None:
                self._bytes -= _size(previous)
            self._entries[(snapshot, key)] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= _size(evicted)

    def __len__(self) -> int:
        return len(self._entries)
