"""Saved comparisons (kb/evidence/saved_comparisons.py) over a live server on a copy of the corpus: a named,
versioned comparison keeps its rows at a stable URL while reviews change the evidence, and its Atom
feed announces what changed."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import LiveServer
from tests.test_error_shape import assert_canonical_error

KEY = "comparison-key-7d1f0b"
ATOM = "{http://www.w3.org/2005/Atom}"
SAVED = {
    "name": "Daratumumab in myeloma",
    "filters": {"intervention": "daratumumab", "disease": "MM"},
    "layout": "comparisons",
    "description": "add-on trials, PFS",
}


@pytest.fixture(scope="module")
def server(corpus_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("saved") / "kb"
    shutil.copytree(corpus_home, home)
    live = LiveServer(home, timeout=60, KB_API_KEYS=KEY)
    yield live
    live.stop()


def _key() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def _entries(server: LiveServer) -> list[ET.Element]:
    answer = server.client.get("/comparisons/daratumumab-in-myeloma/feed")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(answer.content)
    assert (
        feed.tag == f"{ATOM}feed"
        and feed.find(f"{ATOM}id") is not None
        and feed.find(f"{ATOM}updated") is not None
    )
    return feed.findall(f"{ATOM}entry")


def test_a_saved_version_keeps_its_rows_while_the_feed_announces_changes(server):
    saved = server.client.post("/comparisons", json=SAVED, headers=_key())
    assert saved.status_code == 201, saved.text
    version = saved.json()
    assert version["id"] == "daratumumab-in-myeloma" and version["version"] == 1 and version["rows"] >= 2
    assert saved.headers["Location"] == "/comparisons/daratumumab-in-myeloma/versions/1"
    again = server.client.post("/comparisons", json=SAVED, headers=_key())
    assert again.status_code == 200 and again.json()["version"] == 1  # nothing changed: no new version
    frozen = server.client.get(version["url"]).json()
    csv_before = server.client.get(version["url"], params={"format": "csv"}).text
    assert _entries(server) == []
    # a reviewer rejects one control arm: the live comparison loses the row, version 1 keeps it
    control = frozen["rows"][0]["control"]["record"]
    body = {"verdict": "rejected", "reviewer": "A. Reviewer"}
    assert server.client.post(f"/outcomes/{control}/reviews", json=body, headers=_key()).status_code == 201
    assert server.client.get(version["url"]).json() == frozen
    assert server.client.get(version["url"], params={"format": "csv"}).text == csv_before
    entries = _entries(server)
    assert len(entries) == 1
    assert "1 removed" in entries[0].findtext(f"{ATOM}title")
    study = frozen["rows"][0]["study"]["label"]
    assert f"removed: {study}" in entries[0].findtext(f"{ATOM}content")
    assert len(_entries(server)) == 1  # polled again, nothing new
    # saving again freezes the rows as they are now, as version 2
    second = server.client.post("/comparisons", json=SAVED, headers=_key())
    assert second.status_code == 201 and second.json()["version"] == 2
    assert second.json()["rows"] == version["rows"] - 1
    versions = server.client.get("/comparisons/daratumumab-in-myeloma").json()
    assert [v["version"] for v in versions] == [1, 2]
    assert [c["id"] for c in server.client.get("/comparisons").json()] == ["daratumumab-in-myeloma"]


def test_saving_needs_a_key_and_known_filters(server):
    assert_canonical_error(server.client.post("/comparisons", json=SAVED), 401, "unauthorized", "API key")
    unknown = server.client.post("/comparisons", json={**SAVED, "filters": {"colour": "red"}}, headers=_key())
    assert_canonical_error(unknown, 400, "invalid_query", "unknown filter")
    assert_canonical_error(
        server.client.get("/comparisons/none-such"), 404, "not_found", "no saved comparison"
    )
    missing = server.client.get("/comparisons/daratumumab-in-myeloma/versions/99")
    assert_canonical_error(missing, 404, "not_found", "no version 99")


def test_a_name_in_cyrillic_gets_a_location_header_that_leads_back_to_it(server):
    body = {**SAVED, "name": "Даратумумаб при миеломе"}
    saved = server.client.post("/comparisons", json=body, headers=_key())
    assert saved.status_code == 201, saved.text
    location = saved.headers["Location"]
    assert location.isascii() and location.startswith("/comparisons/%D0%B4")
    shown = server.client.get(location)
    assert shown.status_code == 200 and shown.json()["rows"], shown.text[:300]
    assert server.client.get(location, params={"format": "csv"}).status_code == 200
    listed = {v["name"]: v["url"] for v in server.client.get("/comparisons").json()}
    assert quote(listed[body["name"]], safe="/") == location
