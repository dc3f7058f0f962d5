"""One database connection per thread, closed when its thread ends.

Readers of the SQLite files (kb/search/index.py, kb/store/outcome_table.py) give each thread its own
connection: SQLite runs a statement without the GIL, so threads reading at once do not queue
behind one connection. Threads come and go (the server's thread pool ends a thread idle for a few
seconds and starts another when requests come), so connections kept for the life of their owner
leaked a file handle pair and a page cache per thread ever seen: a 30-minute soak grew the server
to 3,500 open files and 1.3 GB (tests/test_soak.py). Here a thread's connection is closed when the
thread's locals go, and `close_all` closes the ones still open.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

C = TypeVar("C")


class _Held(Generic[C]):
    """What a thread's locals hold: when they go, the finalizer closes the connection."""

    def __init__(self, connection: C) -> None:
        self.connection = connection


def _close_quietly(close: Callable[[C], None], connection: C) -> None:
    with contextlib.suppress(Exception):  # closed already, or its library gone at exit
        close(connection)


class ThreadConnections(Generic[C]):
    """`get()`: this thread's connection, opened by `connect` (None: nothing to connect to yet)."""

    def __init__(self, connect: Callable[[], C | None], close: Callable[[C], None]) -> None:
        self._connect = connect
        self._close = close
        self._local = threading.local()
        self._held: weakref.WeakSet[_Held[C]] = weakref.WeakSet()
        self._lock = threading.Lock()

    def get(self) -> C | None:
        held: _Held[C] | None = getattr(self._local, "held", None)
        if held is None:
            connection = self._connect()
            if connection is None:
                return None
            held = _Held(connection)
            weakref.finalize(held, _close_quietly, self._close, connection)
            self._local.held = held
            with self._lock:
                self._held.add(held)
        return held.connection

    def open_count(self) -> int:
        """Connections open now (for tests and logs)."""
        with self._lock:
            return len(self._held)

    def close_all(self) -> None:
        with self._lock:
            held = list(self._held)
            self._held = weakref.WeakSet()
            self._local = threading.local()
        for one in held:
            _close_quietly(self._close, one.connection)
