"""Reviews of outcome records (kb/evidence/reviews.py): over HTTP with an API key, the web form, the CLI, the
exports, the graph (PROV activities in their own named graph) and across re-ingests.

The HTTP tests run a live `kb serve` over a copy of the corpus knowledge base built by the real
extractor; the re-ingest tests use the stand-in extractor so that a paper can be edited and
re-ingested in a second.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from ingest.ingestion import IngestingKnowledgeBase
from kb.evidence.queries import OutcomeFilters
from kb.evidence.reviews import ReviewRefused, ReviewRequest, reviews_graph
from kb.service import KnowledgeBase
from kb.settings import Settings
from tests.conftest import PAPER_A, LiveServer, line_extractor, run_kb
from tests.test_error_shape import assert_canonical_error

KEY = "reviewer-key-3c9e1a77f0"
PROV_ACTIVITY = "http://www.w3.org/ns/prov#Activity"


@pytest.fixture(scope="module")
def home(corpus_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the corpus knowledge base: reviews write to it."""
    copy = tmp_path_factory.mktemp("reviews") / "kb"
    shutil.copytree(corpus_home, copy)
    return copy


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[LiveServer]:
    live = LiveServer(home, timeout=60, KB_API_KEYS=KEY)
    yield live
    live.stop()


def _key() -> dict[str, str]:
    return {"X-API-Key": KEY}


def _daratumumab_pfs(server: LiveServer, review: str = "any") -> list[dict]:
    params = {"intervention": "daratumumab", "endpoint": "PFS", "sort": "paper", "review": review}
    return server.client.get("/outcomes", params=params).json()["results"]


def _pair(server: LiveServer) -> tuple[dict, dict]:
    """POLLUX: daratumumab + Rd versus Rd, two records of one comparison."""
    records = [r for r in _daratumumab_pfs(server) if r["study"]["label"] == "POLLUX"]
    experimental = next(r for r in records if "daratumumab" in (r["arm"] or ""))
    control = next(r for r in records if r is not experimental)
    assert experimental["comparison"] == control["comparison"]
    return experimental, control


def test_a_correction_is_shown_with_the_extracted_values_and_its_history(server):
    experimental, _ = _pair(server)
    body = {
        "verdict": "corrected",
        "changes": {"n": 286},
        "reviewer": "A. Reviewer",
        "note": "arm n from table",
    }
    answer = server.client.post(f"/outcomes/{experimental['id']}/reviews", json=body, headers=_key())
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"] == f"/outcomes/{experimental['id']}"
    assert answer.json()["review"]["verdict"] == "corrected"
    record = server.client.get(f"/outcomes/{experimental['id']}").json()
    assert record["n"] == 286
    assert record["extracted"] == {"n": experimental["n"]}
    assert record["value"] == experimental["value"]  # fields not corrected stay as extracted
    review = record["review"]
    assert review["status"] == "corrected" and review["reviewer"] == "A. Reviewer"
    assert review["note"] == "arm n from table" and review["changes"] == {"n": 286}
    assert [h["verdict"] for h in review["history"]] == ["corrected"]
    # a later acceptance keeps the correction in force and adds to the history
    accept = {"verdict": "accepted", "reviewer": "B. Checker"}
    assert (
        server.client.post(f"/outcomes/{experimental['id']}/reviews", json=accept, headers=_key()).status_code
        == 201
    )
    record = server.client.get(f"/outcomes/{experimental['id']}").json()
    assert record["review"]["status"] == "accepted" and record["n"] == 286
    assert [h["reviewer"] for h in record["review"]["history"]] == ["A. Reviewer", "B. Checker"]


def test_a_rejected_record_leaves_lists_and_exports_unless_asked_for(server):
    _, control = _pair(server)
    before = {r["id"] for r in _daratumumab_pfs(server, review="")}
    assert control["id"] in before
    reject = {"verdict": "rejected", "reviewer": "A. Reviewer", "note": "not this trial's arm"}
    assert (
        server.client.post(f"/outcomes/{control['id']}/reviews", json=reject, headers=_key()).status_code
        == 201
    )
    default = {r["id"] for r in _daratumumab_pfs(server, review="")}
    assert default == before - {control["id"]}
    rejected = _daratumumab_pfs(server, review="rejected")
    assert [r["id"] for r in rejected] == [control["id"]]
    assert rejected[0]["review"]["status"] == "rejected"
    assert control["id"] not in {r["id"] for r in _daratumumab_pfs(server, review="unreviewed")}
    assert control["id"] in {r["id"] for r in _daratumumab_pfs(server, review="any")}
    # the CSV export says every record's status
    rows = list(
        csv.DictReader(io.StringIO(server.client.get("/outcomes?format=csv&review=any&limit=500").text))
    )
    statuses = {row["id"]: row["review"] for row in rows}
    assert statuses[control["id"]] == "rejected"
    assert set(statuses.values()) >= {"rejected", "unreviewed"}
    # and so does the comparison table's record list; the rejected record is not compared
    table = server.client.get("/compare", params={"intervention": "daratumumab", "endpoint": "PFS"}).json()
    assert control["id"] not in json.dumps(table)


def test_search_answers_with_records_as_reviewed(server):
    params = {"q": "daratumumab progression-free survival", "k": 30}

    def found() -> dict[str, dict]:
        hits = server.client.get("/search", params=params).json()["results"]
        return {h["record"]["id"]: h["record"] for h in hits if h["record"]}

    first, second = list(found())[:2]
    correct = {"verdict": "corrected", "changes": {"n": 123}, "reviewer": "A. Reviewer"}
    reject = {"verdict": "rejected", "reviewer": "A. Reviewer"}
    for record_id, body in ((first, correct), (second, reject)):
        answer = server.client.post(f"/outcomes/{record_id}/reviews", json=body, headers=_key())
        assert answer.status_code == 201, answer.text
    after = found()
    assert after[first]["n"] == 123 and after[first]["review"]["status"] == "corrected"
    assert second not in after  # a rejected record is no answer, as on /outcomes


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"verdict": "corrected", "changes": {"valeu": 12}, "reviewer": "x"}, "valeu", "not a field"),
        ({"verdict": "corrected", "changes": {"value": "12.5"}, "reviewer": "x"}, "value", "valid number"),
        ({"verdict": "corrected", "changes": {"n": 12.5}, "reviewer": "x"}, "n", "valid integer"),
        ({"verdict": "corrected", "changes": {"unit": "kg"}, "reviewer": "x"}, "unit", "Input should be"),
        (
            {"verdict": "corrected", "changes": {"evidence": {}}, "reviewer": "x"},
            "evidence",
            "cannot be changed",
        ),
        (
            {"verdict": "accepted", "changes": {"value": 1.0}, "reviewer": "x"},
            "changes",
            "only a `corrected`",
        ),
        ({"verdict": "corrected", "changes": {}, "reviewer": "x"}, "changes", "at least one"),
    ],
)
def test_a_change_the_contract_does_not_allow_is_refused_with_the_field_named(server, body, field, message):
    record = _daratumumab_pfs(server)[0]
    answer = server.client.post(f"/outcomes/{record['id']}/reviews", json=body, headers=_key())
    assert_canonical_error(answer, 422, "invalid_review", message)
    assert answer.json()["error"]["detail"] == {"field": field}
    assert (
        server.client.get(f"/outcomes/{record['id']}").json()["review"]["history"]
        == record["review"]["history"]
    )


def test_reviews_need_a_key_and_a_known_record(server):
    record = _daratumumab_pfs(server)[0]
    body = {"verdict": "accepted", "reviewer": "x"}
    assert_canonical_error(
        server.client.post(f"/outcomes/{record['id']}/reviews", json=body), 401, "unauthorized", "API key"
    )
    assert_canonical_error(
        server.client.post("/outcomes/no-such-record/reviews", json=body, headers=_key()),
        404,
        "not_found",
        "no outcome",
    )
    assert_canonical_error(server.client.get("/outcomes/no-such-record"), 404, "not_found", "no outcome")
    bad = {"verdict": "maybe", "reviewer": "x"}
    assert (
        server.client.post(f"/outcomes/{record['id']}/reviews", json=bad, headers=_key()).status_code == 422
    )


def test_the_web_form_reviews_without_javascript(server):
    record = next(r for r in _daratumumab_pfs(server) if r["study"]["label"] == "ALCYONE")
    page = server.client.get(f"/papers/{record['paper']['id']}?format=html&highlight={record['id']}")
    assert 'action="/outcomes/' in page.text and 'name="api_key"' in page.text
    assert f'name="value" value="{record["value"]:g}"' in page.text
    form = {
        "verdict": "corrected",
        "reviewer": "C. Web",
        "note": "read from the figure",
        "api_key": KEY,
        "value": "36.5",
        "arm": record["arm"] or "",
        "time_months": "" if record["time_months"] is None else f"{record['time_months']:g}",
    }
    answer = server.client.post(f"/outcomes/{record['id']}/review-form", data=form)
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"].startswith(f"/papers/{record['paper']['id']}?format=html&highlight=")
    reviewed = server.client.get(f"/outcomes/{record['id']}").json()
    assert reviewed["value"] == 36.5 and reviewed["review"]["changes"] == {"value": 36.5}
    assert "corrected" in server.client.get(answer.headers["Location"]).text
    wrong = server.client.post(f"/outcomes/{record['id']}/review-form", data={**form, "api_key": "nope"})
    assert wrong.status_code == 401 and "not valid" in wrong.text
    typo = server.client.post(f"/outcomes/{record['id']}/review-form", data={**form, "value": "3x"})
    assert typo.status_code == 422 and "not a number" in typo.text


def test_health_counts_reviews_in_force(server):
    health = server.client.get("/health").json()
    assert health["reviews"] >= 3 and health["orphaned_reviews"] == []


# ---------------------------------------------------------------------------- the graph and re-ingests


@pytest.fixture
def paper_kb(tmp_path: Path) -> Iterator[tuple[KnowledgeBase, Path]]:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "a.txt").write_text(PAPER_A, encoding="utf-8")
    kb = IngestingKnowledgeBase(Settings(home=tmp_path / "kb"), extractor=line_extractor)
    assert kb.ingest_paths([folder]).ok
    yield kb, folder
    kb.close()


def _records(kb: KnowledgeBase) -> dict[float | None, object]:
    return {r.value: r for r in kb.all_outcomes(OutcomeFilters(review="any"))}


def test_reviews_survive_reingesting_the_paper_and_orphans_are_reported(paper_kb, tmp_path):
    kb, folder = paper_kb
    cr, os_rate = _records(kb)[80.7], _records(kb)[45.0]
    kb.review_outcome(cr.id, ReviewRequest(verdict="accepted", reviewer="A"))
    kb.review_outcome(
        os_rate.id, ReviewRequest(verdict="corrected", changes={"endpoint": "OS"}, reviewer="A")
    )
    with pytest.raises(ReviewRefused) as refused:
        kb.review_outcome(cr.id, ReviewRequest(verdict="corrected", changes={"value": "high"}, reviewer="A"))
    assert refused.value.field == "value"
    # unchanged paper, re-ingested: the reviews still apply
    assert kb.ingest_paths([folder]).ok
    assert kb.outcome(cr.id).review.status == "accepted"
    assert kb.outcome(os_rate.id).endpoint == "OS" and kb.orphaned_reviews() == []
    # the paper now says something else where the CR rate was: that review is orphaned, not moved
    (folder / "a.txt").write_text(PAPER_A.replace("80.7%", "81.9%"), encoding="utf-8")
    assert kb.ingest_paths([folder]).ok
    changed = kb.outcome(cr.id)  # same id (the stand-in ids are offsets), other value
    assert changed.value == 81.9 and changed.review.status == "unreviewed"
    orphaned = kb.orphaned_reviews()
    assert [(o.review.record_id, o.reason) for o in orphaned] == [
        (cr.id, "the record has changed since it was reviewed")
    ]
    assert kb.outcome(os_rate.id).review.status == "corrected"
    validate = run_kb(kb.settings.home, "validate")
    assert validate.returncode == 0, validate.stderr
    assert (
        f"orphaned review {orphaned[0].review.id}" in validate.stderr
        and "1 review orphaned" in validate.stderr
    )


def test_reviews_are_prov_activities_in_their_own_graph_and_round_trip_a_dump(paper_kb, tmp_path):
    kb, _ = paper_kb
    record = _records(kb)[45.0]
    kb.review_outcome(
        record.id, ReviewRequest(verdict="corrected", changes={"n": 40}, reviewer="A", note="N")
    )
    dump = tmp_path / "kb.nq"
    exported = run_kb(kb.settings.home, "export", "graph", "--format", "nquads")
    assert exported.returncode == 0, exported.stderr
    dump.write_text(exported.stdout, encoding="utf-8")
    graph = reviews_graph(kb._minter)
    quads = [q for q in parse(path=str(dump), format=RdfFormat.N_QUADS) if q.graph_name == graph]
    types = {q.object.value for q in quads if q.predicate.value.endswith("#type")}
    assert {PROV_ACTIVITY, "https://w3id.org/hemekb/ontology#Review"} <= types
    assert any(q.predicate == NamedNode("http://www.w3.org/ns/prov#used") for q in quads)
    assert all(isinstance(q, Quad) for q in quads)
    other = tmp_path / "other"
    assert run_kb(other, "import", str(dump)).returncode == 0
    assert run_kb(other, "reindex").returncode == 0
    imported = IngestingKnowledgeBase(Settings(home=other))
    try:
        again = imported.outcome(record.id)
        assert again.n == 40 and again.review.status == "corrected" and again.review.note == "N"
    finally:
        imported.close()


def test_the_cli_reviews_and_exports_by_status(paper_kb):
    kb, _ = paper_kb
    record = _records(kb)[80.7]
    home = kb.settings.home
    kb.close()
    wrong = run_kb(home, "review", record.id, "--verdict", "corrected", "--set", "n=many", "--reviewer", "A")
    assert wrong.returncode != 0 and "n:" in wrong.stderr
    done = run_kb(
        home, "review", record.id, "--verdict", "rejected", "--reviewer", "A", "--note", "duplicate"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["review"]["status"] == "rejected"
    default = [json.loads(line)["id"] for line in run_kb(home, "export", "outcomes").stdout.splitlines()]
    rejected = run_kb(home, "export", "outcomes", "--review", "rejected").stdout.splitlines()
    assert record.id not in default and [json.loads(line)["id"] for line in rejected] == [record.id]
    bad = run_kb(home, "export", "outcomes", "--review", "maybe")
    assert bad.returncode != 0 and "unknown review" in bad.stderr


def test_both_comparison_layouts_say_each_records_status_and_follow_a_corrected_arm(server):
    """MAIA in the Chinese review: the extractor gives the 31.8-month median to the daratumumab arm;
    the reviewer names its arm Rd, and the comparison row turns round: D-Rd against the Rd backbone."""
    maia = [r for r in _daratumumab_pfs(server) if r["study"]["label"] == "MAIA"]
    stated = next(r for r in maia if r["value"] == 31.8)
    correct = {
        "verdict": "corrected",
        "changes": {"arm": "lenalidomide + dexamethasone"},
        "reviewer": "A. Reviewer",
        "note": "31.8 months is the control arm's median",
    }
    answer = server.client.post(f"/outcomes/{stated['id']}/reviews", json=correct, headers=_key())
    assert answer.status_code == 201, answer.text
    params = {"intervention": "daratumumab", "endpoint": "PFS", "layout": "comparisons", "format": "csv"}
    rows = list(csv.DictReader(io.StringIO(server.client.get("/compare", params=params).text)))
    row = next(r for r in rows if r["study"] == "MAIA")
    assert (row["control arm"], row["control value"]) == ("lenalidomide + dexamethasone", "31.8 mo")
    assert row["experimental arm"] == "daratumumab + lenalidomide + dexamethasone"
    assert row["review"] == "experimental unreviewed; control corrected"
    assert "follow-up" in row
    arms = list(
        csv.DictReader(
            io.StringIO(
                server.client.get(
                    "/compare", params={"intervention": "daratumumab", "endpoint": "PFS", "format": "csv"}
                ).text
            )
        )
    )
    assert {(r["study"], r["arm"], r["review"]) for r in arms if r["study"] == "MAIA"} == {
        ("MAIA", "lenalidomide + dexamethasone", "corrected"),
        ("MAIA", "daratumumab + lenalidomide + dexamethasone", "unreviewed"),
    }
