"""Per-thread SQLite connections are closed when their thread ends (kb/store/thread_connections.py).

The server's thread pool ends idle threads and starts new ones; a connection kept for every thread
ever seen leaked open files and memory over a long run (tests/test_soak.py found it)."""

from __future__ import annotations

import gc
import sqlite3
import threading
from pathlib import Path

import pytest

from kb.store.thread_connections import ThreadConnections


def test_the_connection_of_an_ended_thread_is_closed(tmp_path: Path) -> None:
    path = tmp_path / "data.sqlite"
    sqlite3.connect(path).close()
    connections = ThreadConnections(
        lambda: sqlite3.connect(path, check_same_thread=False), sqlite3.Connection.close
    )
    seen: list[sqlite3.Connection] = []

    def read() -> None:
        connection = connections.get()
        assert connection is not None and connections.get() is connection  # one per thread
        connection.execute("SELECT 1")
        seen.append(connection)

    threads = [threading.Thread(target=read) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gc.collect()
    assert len({id(c) for c in seen}) == 20
    assert connections.open_count() == 0
    for connection in seen:
        with pytest.raises(sqlite3.ProgrammingError):
            connection.execute("SELECT 1")  # closed


def test_close_all_closes_the_connections_of_live_threads(tmp_path: Path) -> None:
    path = tmp_path / "data.sqlite"
    connections = ThreadConnections(
        lambda: sqlite3.connect(path, check_same_thread=False), sqlite3.Connection.close
    )
    mine = connections.get()
    assert mine is not None and connections.open_count() == 1
    connections.close_all()
    with pytest.raises(sqlite3.ProgrammingError):
        mine.execute("SELECT 1")
    again = connections.get()  # a new one after close_all
    assert again is not None and again is not mine
    again.execute("SELECT 1")


def test_nothing_to_connect_to_yet_is_none(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite"
    connections: ThreadConnections[sqlite3.Connection] = ThreadConnections(
        lambda: sqlite3.connect(missing) if missing.exists() else None, sqlite3.Connection.close
    )
    assert connections.get() is None
    sqlite3.connect(missing).close()
    assert connections.get() is not None
