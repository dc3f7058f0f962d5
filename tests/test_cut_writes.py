"""One state per paper after a crash: a server started on a store whose last write was killed
between the graph and the search index answers every view of the paper alike (kb/store/recovery.py).

The kills are real SIGKILLs of a child process at a chosen point of the write
(tests/test_validate_index.py): after the new graph of a paper is published, before the index
commits; after a deleted paper's graph is dropped, before the index commits. Then `kb serve` starts
on the store, and /papers, /outcomes, /studies, /search and /sparql must all show the paper in
the same state: its new version everywhere (the ingest completed), or nowhere (the delete
completed); `kb export outcomes` must equal that of a store where nothing was killed.
"""

from __future__ import annotations

from pathlib import Path

from ingest.ingestion import IngestingKnowledgeBase
from kb.settings import Settings
from tests.conftest import PAPER_A, LiveServer, line_extractor, run_kb
from tests.test_validate_index import PAPER_A_V2, delete_killed, ingest_killed, validate

QUESTION = "CD19 CAR-T relapsed B-ALL complete remission"


def results_in_graph(server: LiveServer, paper_id: str) -> int:
    query = (
        "PREFIX hk: <https://w3id.org/hemekb/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>"
        " SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r hk:reportedIn ?p . ?p dcterms:identifier"
        f' "{paper_id}" }}'
    )
    answer = server.client.get("/sparql", params={"query": query, "format": "json"})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def views_of(server: LiveServer, paper_id: str) -> dict[str, object]:
    """What each endpoint says about the paper: records listed, counted, found."""
    papers = {row["id"]: row for row in server.client.get("/papers").json()["results"]}
    outcomes = server.client.get("/outcomes", params={"limit": 200}).json()
    hits = server.client.get("/search", params={"q": QUESTION, "k": 20}).json()["results"]
    studies = server.client.get("/studies").json()["results"]
    return {
        "listed": paper_id in papers,
        "results on /papers": papers[paper_id]["results"] if paper_id in papers else 0,
        "records on /outcomes": sorted(r["id"] for r in outcomes["results"] if r["paper"]["id"] == paper_id),
        "results in the graph": results_in_graph(server, paper_id),
        "found by /search": any(hit["paper"]["id"] == paper_id for hit in hits),
        "studies": sum(1 for study in studies if study["paper"]["id"] == paper_id),
    }


def reference_export(tmp_path: Path, folder: Path) -> str:
    """`kb export outcomes` of a store that ingested `folder` with nothing killed."""
    home = tmp_path / "reference"
    knowledge_base = IngestingKnowledgeBase(Settings(home=home), extractor=line_extractor)
    assert knowledge_base.ingest_paths([folder]).ok
    knowledge_base.close()
    exported = run_kb(home, "export", "outcomes")
    assert exported.returncode == 0, exported.stderr
    return exported.stdout


def test_a_server_started_after_a_cut_ingest_shows_the_new_paper_everywhere(kb, papers, settings, tmp_path):
    assert kb.ingest_paths([papers]).ok
    kb.close()
    (papers / "a.txt").write_text(PAPER_A_V2, encoding="utf-8")
    ingest_killed(settings, papers / "a.txt", before_publishing=False)
    assert "paper a: an ingest was interrupted" in validate(settings).stderr

    server = LiveServer(settings.home)
    try:
        views = views_of(server, "a")
    finally:
        server.stop()
    records = views["records on /outcomes"]
    assert isinstance(records, list) and len(records) == 3, views  # CR 90.1%, EFS 50%, OS 61%
    assert views == {
        "listed": True,
        "results on /papers": 3,
        "records on /outcomes": records,
        "results in the graph": 3,
        "found by /search": True,
        "studies": views["studies"],
    }
    assert views["studies"], views
    result = validate(settings)
    assert result.returncode == 0 and "interrupted" not in result.stderr, result.stderr
    exported = run_kb(settings.home, "export", "outcomes")
    assert exported.stdout == reference_export(tmp_path, papers)


def test_a_server_started_after_a_cut_delete_shows_the_paper_nowhere(kb, papers, settings, tmp_path):
    assert kb.ingest_paths([papers]).ok
    kb.close()
    delete_killed(settings, "a")
    assert "paper a: a delete was interrupted" in validate(settings).stderr

    server = LiveServer(settings.home)
    try:
        views = views_of(server, "a")
        assert views_of(server, "b")["listed"]
    finally:
        server.stop()
    assert views == {
        "listed": False,
        "results on /papers": 0,
        "records on /outcomes": [],
        "results in the graph": 0,
        "found by /search": False,
        "studies": 0,
    }
    result = validate(settings)
    assert result.returncode == 0 and "interrupted" not in result.stderr, result.stderr
    assert "agrees with the graph store on 1 of 1 papers" in result.stderr
    (papers / "a.txt").unlink()
    assert run_kb(settings.home, "export", "outcomes").stdout == reference_export(tmp_path, papers)
    assert PAPER_A  # the paper deleted was the fixture's paper a
