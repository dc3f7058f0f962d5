"""Search answers kept per (graph snapshot, index generation, query, k, filters).

Popular questions repeat ("CD19 complete remission", a clinician's saved search), and a search costs
~50 ms of CPU at 1,000 papers (bench/results/search_latency.md), most of it BM25 over FTS5 matches.

Why an entry can never be stale: the key starts with the graph snapshot readers see
(kb.store.published_snapshot; every ingest or delete publishes a new one) and the index's
`generation` (kb.search.index: every index write stores a new one in the same transaction). A search
computed after reading the key sees that state or a newer one, so an entry never holds data older
than its key, and once either changes no request builds the old key again. Stores without published
snapshots (KB_STORE=sparql) get no key and nothing is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from kb.search.models import SearchResults

MAX_ANSWERS = 2048


class SearchAnswers:
    """A least-recently-used map of search answers; thread-safe. Entries of an older state are
    dropped as soon as a newer state is seen."""

    def __init__(self, max_answers: int = MAX_ANSWERS) -> None:
        self.max_answers = max_answers
        self._entries: OrderedDict[Hashable, SearchResults] = OrderedDict()
        self._state: Hashable = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, state: Hashable, question: Hashable) -> SearchResults | None:
        with self._lock:
            if state != self._state:
                self._entries.clear()
                self._state = state
            answer = self._entries.get(question)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(question)
            self.hits += 1
            return answer

    def put(self, state: Hashable, question: Hashable, answer: SearchResults) -> None:
        with self._lock:
            if state != self._state:
                return  # the knowledge base changed while this answer was computed
            self._entries[question] = answer
            while len(self._entries) > self.max_answers:
                self._entries.popitem(last=False)
