"""Whole GET answers kept per version of the data: repeated questions are answered from memory,
and an ingest or a delete is seen by the very next request."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from kb.service import KnowledgeBase
from kb.settings import Settings
from tests.conftest import LiveServer


def test_data_version_changes_with_every_ingest(kb: KnowledgeBase, papers, settings: Settings) -> None:
    assert kb.data_version() is None  # nothing published yet: no version, nothing kept
    assert kb.ingest_paths([papers]).ok
    first = kb.data_version()
    assert first == kb.data_version()
    (papers / "a.txt").write_text("Title A\nCD19 CAR-T gave CR in 61% of patients.\n", encoding="utf-8")
    assert kb.ingest_paths([papers]).ok
    assert kb.data_version() != first


def test_answers_are_kept_until_the_data_changes(kb: KnowledgeBase, papers, settings: Settings) -> None:
    assert kb.ingest_paths([papers]).ok
    server = LiveServer(settings.home)
    try:
        client = server.client
        first = client.get("/outcomes", params={"antigen": "CD19"})
        again = client.get("/outcomes", params={"antigen": "CD19"})
        assert first.status_code == again.status_code == 200
        assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
        assert "x-kb-cache" not in first.headers and again.headers["x-kb-cache"] == "hit"
        revalidated = client.get(
            "/outcomes", params={"antigen": "CD19"}, headers={"If-None-Match": first.headers["etag"]}
        )
        assert revalidated.status_code == 304 and not revalidated.content
        as_csv = client.get("/outcomes", params={"antigen": "CD19"}, headers={"Accept": "text/csv"})
        assert as_csv.headers["content-type"].startswith("text/csv")  # Accept is part of the question

        (papers / "a.txt").write_text("Title A\nCD19 CAR-T gave CR in 61% of patients.\n", encoding="utf-8")
        assert kb.ingest_paths([papers / "a.txt"]).ok
        after = client.get("/outcomes", params={"antigen": "CD19"})
        values = sorted(r["value"] for r in after.json()["results"])
        assert 61.0 in values and 80.7 not in values
        assert kb.delete_paper("a") is not None
        time.sleep(0.01)
        gone = client.get("/outcomes", params={"antigen": "CD19"}).json()["results"]
        assert all(r["paper"]["id"] != "a" for r in gone)
    finally:
        server.stop()


def test_no_answers_are_kept_when_the_cache_is_off(kb: KnowledgeBase, papers, settings: Settings) -> None:
    assert kb.ingest_paths([papers]).ok
    server = LiveServer(settings.home, KB_RESPONSE_CACHE_BYTES="0")
    try:
        first = server.client.get("/outcomes")
        again = server.client.get("/outcomes")
        assert first.status_code == 200 and again.content == first.content
        assert "x-kb-cache" not in again.headers
    finally:
        server.stop()


def test_several_server_processes_answer_on_kept_alive_connections(
    kb: KnowledgeBase, papers, settings
) -> None:
    """`kb serve --workers 2` (KB_WORKERS): each process listens on a socket of its own on the one
    port (SO_REUSEPORT, so the kernel spreads connections over them), and they answer the same."""
    assert kb.ingest_paths([papers]).ok
    server = LiveServer(settings.home, KB_WORKERS="2")
    try:
        assert listening_sockets(server.port) == 2
        answers = [server.client.get("/outcomes", params={"antigen": "CD19"}) for _ in range(6)]
        for _ in range(12):  # new connections, which the kernel hands to either process
            with httpx.Client(base_url=server.url, timeout=30) as fresh:
                answers.append(fresh.get("/outcomes", params={"antigen": "CD19"}))
        assert {a.status_code for a in answers} == {200}
        assert len({a.content for a in answers}) == 1 and answers[0].json()["total"] >= 1
    finally:
        server.stop()


def listening_sockets(port: int) -> int:
    """TCP sockets listening on `port` (from /proc/net/tcp: state 0A is LISTEN)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "0A")
