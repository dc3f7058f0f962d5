"""The HTTP API through a real server process on loopback, reading what another process writes."""

from __future__ import annotations

from kb import __version__
from kb.evidence.reviews import unreviewed
from kb.model.records import OutcomeRecord
from tests.conftest import PAPER_A, line_extractor


def test_health_follows_ingests_made_while_the_server_runs(live_server, kb, papers):
    assert live_server.client.get("/health").json() == {
        "status": "ok",
        "papers": 0,
        "records": 0,
        "version": __version__,
        "reviews": 0,
        "orphaned_reviews": [],
    }
    assert kb.ingest_paths([papers / "a.txt"]).ok  # this process writes, the server process reads
    assert live_server.client.get("/health").json()["papers"] == 1
    assert kb.ingest_paths([papers]).ok
    assert live_server.client.get("/health").json() == {
        "status": "ok",
        "papers": 2,
        "records": 4,
        "version": __version__,
        "reviews": 0,
        "orphaned_reviews": [],
    }


def test_outcomes_envelope_and_records(populated_server, tmp_path):
    response = populated_server.client.get("/outcomes", params={"antigen": "cd19"})
    assert response.status_code == 200
    page = response.json()
    assert (page["total"], page["offset"], page["limit"]) == (3, 0, 50)
    records = [OutcomeRecord.model_validate(r) for r in page["results"]]
    assert [r.value for r in records] == [80.7, 84.4, 29.4]
    assert all(r.antigens[0] == "CD19" for r in records)


def test_outcomes_paging(populated_server):
    everything = populated_server.client.get("/outcomes").json()
    assert everything["total"] == 4
    page = populated_server.client.get("/outcomes", params={"offset": 1, "limit": 2}).json()
    assert (page["total"], page["offset"], page["limit"]) == (4, 1, 2)
    assert page["results"] == everything["results"][1:3]


def test_records_over_http_equal_records_read_in_process(populated_server, tmp_path):
    (tmp_path / "a.txt").write_text(PAPER_A, encoding="utf-8")
    extracted = line_extractor(tmp_path / "a.txt").records
    page = populated_server.client.get("/outcomes", params={"paper": "a"}).json()
    # as extracted, and saying that no reviewer has looked at them yet
    assert [OutcomeRecord.model_validate(r) for r in page["results"]] == [unreviewed(r) for r in extracted]
    assert {r["review"]["status"] for r in page["results"]} == {"unreviewed"}
