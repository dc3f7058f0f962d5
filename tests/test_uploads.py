"""POST /papers, GET /jobs, DELETE /papers/{id} and `kb delete` over a live `kb serve` with API keys.

Real parts throughout: the real extractor and embedding model in the server process, the real
graph store and SQLite, multipart bodies over loopback HTTP. The server's whole output (uvicorn's
access log and the app's logs) goes to a file, which the last test searches for the keys.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest

from ingest.ingestion import IngestingKnowledgeBase
from ingest.jobs import Job, JobRegistry, JobRunner, keep_upload, keep_uploads
from kb.settings import Settings
from kb.store import open_store
from kb.store.texts import text_path
from tests.conftest import (
    PAPER_A,
    PAPER_B,
    PAPERS,
    LiveServer,
    extractor_ready,
    line_extractor,
    run_kb,
)
from tests.test_error_shape import assert_canonical_error
from tests.test_readers import HTML_PAGE, JATS

OLD_KEY = "retiring-key-0f3a9c1e77"
NEW_KEY = "current-key-5b8d2e40c9aa"
MAX_UPLOAD = 1_000_000
JA_PAPER = PAPERS / "003_bc4f08158784ce0d.txt"  # two outcome records, quick to extract


class KeyedServer(LiveServer):
    """`kb serve` with KB_* settings of its own (KB_API_KEYS); its stdout and stderr go to `log_path`."""

    def __init__(self, home: Path, log_path: Path, **settings: str) -> None:
        keyed = {f"KB_{name.upper()}": value for name, value in settings.items()}
        super().__init__(home, timeout=60, log_path=log_path, **keyed)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    extractor_ready()
    return tmp_path_factory.mktemp("uploads") / "kb"


@pytest.fixture(scope="module")
def server_log(home: Path) -> Path:
    return home.parent / "server.log"


@pytest.fixture(scope="module")
def server(home: Path, server_log: Path) -> Iterator[KeyedServer]:
    live = KeyedServer(home, server_log, api_keys=f"{OLD_KEY}, {NEW_KEY}", max_upload_bytes=str(MAX_UPLOAD))
    yield live
    live.stop()


def bearer(key: str = NEW_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def finished(server: KeyedServer, job_id: str, timeout: float = 300) -> dict:
    """The job once it has finished, polling GET /jobs/{id}."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = server.client.get(f"/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "interrupted"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {job}")


def upload(server: KeyedServer, files: list[tuple[str, bytes]], headers: dict[str, str] | None = None):
    parts = [("files", (name, body, "application/octet-stream")) for name, body in files]
    return server.client.post("/papers", files=parts, headers=bearer() if headers is None else headers)


def uploads_on_disk(home: Path) -> list[Path]:
    folder = home / "uploads"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def pdf_bytes(text: str) -> bytes:
    document = pymupdf.open()
    page = document.new_page()
    page.insert_textbox(pymupdf.Rect(50, 50, 545, 790), text, fontsize=11)
    body = document.tobytes()
    document.close()
    return body


PDF_TEXT = (
    "Inotuzumab ozogamicin for relapsed acute lymphoblastic leukemia\n\n"
    "Adults with relapsed or refractory CD22-positive B-cell acute lymphoblastic leukemia were"
    " randomly assigned to inotuzumab ozogamicin or standard chemotherapy. The rate of complete"
    " remission was 80.7% with inotuzumab ozogamicin and 29.4% with standard chemotherapy.\n"
)
RU_TEXT = JA_PAPER.with_name("000_4c4594d802944b47.txt").read_text(encoding="utf-8")[:5300]


# ---------------------------------------------------------------------- keys


def test_writes_need_a_valid_key_and_reads_stay_open(server, home):
    before, jobs = uploads_on_disk(home), server.client.get("/jobs", headers=bearer()).json()["total"]
    files = [("x.txt", PAPER_A.encode())]
    missing = upload(server, files, headers={})
    assert_canonical_error(missing, 401, "unauthorized", "needs an API key")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    for headers in (
        {"Authorization": "Bearer wrong-key"},
        {"X-API-Key": "wrong-key"},
        {"Authorization": "Basic x"},
    ):
        wrong = upload(server, files, headers=headers)
        assert wrong.status_code == 401, wrong.text
        assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
        assert "wrong-key" not in wrong.text
    near = upload(server, files, headers=bearer(NEW_KEY[:-1]))  # a prefix of a key is not the key
    assert_canonical_error(near, 401, "unauthorized", "not valid")
    assert_canonical_error(server.client.delete("/papers/x"), 401, "unauthorized", "needs an API key")
    assert_canonical_error(
        server.client.delete("/papers/x", headers={"X-API-Key": "nope"}), 401, "unauthorized", "not valid"
    )
    assert uploads_on_disk(home) == before
    assert server.client.get("/jobs", headers=bearer()).json()["total"] == jobs  # nothing was queued
    for path in ("/papers", "/outcomes", "/health"):
        assert server.client.get(path).status_code == 200, path
    assert server.client.get("/jobs").status_code == 401  # the list of uploads is for key holders
    assert server.client.get("/jobs", headers=bearer()).status_code == 200


def test_either_header_and_either_configured_key_are_accepted(server):
    for headers in (bearer(OLD_KEY), {"X-API-Key": NEW_KEY}):
        response = server.client.delete("/papers/no-such-paper", headers=headers)
        assert_canonical_error(response, 404, "not_found", "no paper 'no-such-paper'")


def test_without_configured_keys_writes_are_disabled(live_server):
    for response in (
        live_server.client.post("/papers", files=[("files", ("a.txt", b"x"))], headers=bearer()),
        live_server.client.delete("/papers/a", headers={"X-API-Key": NEW_KEY}),
        live_server.client.post("/papers", files=[("files", ("a.txt", b"x"))]),
    ):
        assert_canonical_error(response, 403, "writes_disabled", "disabled until KB_API_KEYS is set")
    assert live_server.client.get("/papers").status_code == 200


# ---------------------------------------------------------------------- uploads


def test_every_format_is_ingested_in_the_background(server, home):
    files = [
        ("ru-cp1251.txt", RU_TEXT.encode("cp1251")),
        ("ru-page.html", HTML_PAGE.encode("cp1251")),
        ("PMC1234567.xml", JATS.encode("utf-8")),
        ("ino-vate.pdf", pdf_bytes(PDF_TEXT)),
    ]
    response = upload(server, files)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert response.headers["Location"] == f"/jobs/{accepted['id']}" == accepted["href"]
    assert accepted["status"] in ("queued", "running") and accepted["progress"]["total"] == 4
    assert [f["name"] for f in accepted["files"]] == [name for name, _ in files]
    for (name, body), kept in zip(files, accepted["files"], strict=True):
        assert kept["sha256"] == hashlib.sha256(body).hexdigest() and kept["size"] == len(body)
        assert (home / "uploads" / kept["sha256"] / name).read_bytes() == body

    job = finished(server, accepted["id"])
    assert job["status"] == "succeeded", job
    assert job["progress"] == {"done": 4, "total": 4} and job["message"] is None
    assert job["started"] >= job["created"] and job["finished"] >= job["started"]
    results = {r["file"]: r for r in job["results"]}
    assert {r["status"] for r in results.values()} == {"ingested"}
    assert results["PMC1234567.xml"]["records"] > 0  # "The CR rate was 80.7% ..."
    assert results["ino-vate.pdf"]["records"] > 0  # "complete remission was 80.7% ..."

    ru = server.client.get(f"/papers/{results['ru-cp1251.txt']['paper_id']}").json()
    assert ru["text"] == RU_TEXT and ru["paper"]["language"] == "ru"  # decoded from cp1251
    page = server.client.get(f"/papers/{results['ru-page.html']['paper_id']}").json()
    assert "МОБ-негативная ремиссия была" in page["text"] and "tracking" not in page["text"]
    jats = server.client.get(f"/papers/{results['PMC1234567.xml']['paper_id']}").json()
    assert jats["paper"]["title"] == "Inotuzumab ozogamicin in relapsed B-ALL"
    pdf = server.client.get(f"/papers/{results['ino-vate.pdf']['paper_id']}").json()
    assert "80.7%" in pdf["text"] and pdf["results"]
    assert accepted["id"] in [j["id"] for j in server.client.get("/jobs", headers=bearer()).json()["results"]]


def test_oversize_body_is_refused_and_nothing_is_kept(server, home):
    before, jobs = uploads_on_disk(home), server.client.get("/jobs", headers=bearer()).json()["total"]
    big = b"CR 80.7%\n" * (MAX_UPLOAD // 9 + 10)
    declared = upload(server, [("big.txt", big)])
    assert_canonical_error(declared, 413, "upload_too_large", f"KB_MAX_UPLOAD_BYTES ({MAX_UPLOAD} bytes)")

    boundary = "hemekb-test-boundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap is checked while the body is read
        yield head.encode()
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]
        yield f"\r\n--{boundary}--\r\n".encode()

    streamed = server.client.post(
        "/papers",
        content=chunks(),
        headers={**bearer(), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_canonical_error(streamed, 413, "upload_too_large", "nothing was kept")
    assert uploads_on_disk(home) == before
    assert server.client.get("/jobs", headers=bearer()).json()["total"] == jobs


def test_unsupported_files_and_bodies_are_refused_up_front(server, home):
    before, jobs = uploads_on_disk(home), server.client.get("/jobs", headers=bearer()).json()["total"]
    mixed = upload(server, [("fine.txt", PAPER_A.encode()), ("notes.docx", b"PK\x03\x04")])
    assert_canonical_error(mixed, 415, "unsupported_media_type", "notes.docx: unsupported extension '.docx'")
    assert ".txt, .text, .html" in mixed.json()["error"]["message"]
    long_name = upload(server, [("x" * 201 + ".txt", b"CR 80%")])
    assert_canonical_error(long_name, 415, "unsupported_media_type", "longer than 200 bytes")
    no_name = upload(server, [("README", b"CR 80%")])
    assert_canonical_error(no_name, 415, "unsupported_media_type", "unsupported extension '(none)'")
    # U+202E would show "report\u202efdp.txt" as "reporttxt.pdf"
    disguised = upload(server, [("report\u202efdp.txt", b"CR 80%")])
    assert disguised.status_code in (400, 415, 422)
    assert "bidirectional control characters" in disguised.json()["error"]["message"]
    assert "\\u202e" in disguised.json()["error"]["message"]  # shown escaped, not applied
    as_json = server.client.post("/papers", json={"files": ["a.txt"]}, headers=bearer())
    assert_canonical_error(as_json, 415, "unsupported_media_type", "multipart/form-data")
    wrong_field = server.client.post("/papers", files=[("paper", ("a.txt", b"x"))], headers=bearer())
    assert_canonical_error(wrong_field, 422, "invalid_parameter", "unknown form field 'paper'")
    as_form = server.client.post("/papers", data={"files": "a.txt"}, headers=bearer())
    assert_canonical_error(as_form, 415, "unsupported_media_type", "multipart/form-data")
    no_files = server.client.post("/papers", files=[("files", (None, "a.txt"))], headers=bearer())
    assert_canonical_error(no_files, 422, "invalid_parameter", "one or more files are needed")
    assert uploads_on_disk(home) == before
    assert server.client.get("/jobs", headers=bearer()).json()["total"] == jobs


def test_a_paper_that_cannot_be_read_fails_its_job_with_the_reason_and_leaves_no_file(server, home):
    response = upload(server, [("empty.txt", b""), ("fake.pdf", b"<html>not a pdf</html>")])
    assert {p.name for p in uploads_on_disk(home)} >= {"empty.txt", "fake.pdf"}  # kept for the job
    job = finished(server, response.json()["id"])
    assert not {p.name for p in uploads_on_disk(home)} & {"empty.txt", "fake.pdf"}  # gone with it
    assert job["status"] == "failed" and job["progress"] == {"done": 2, "total": 2}
    assert job["message"].startswith("2 of 2 papers failed; first: empty.txt: ")
    assert {r["file"]: r["status"] for r in job["results"]} == {"empty.txt": "failed", "fake.pdf": "failed"}
    assert all(r["reason"] for r in job["results"])


class _BrokenStream(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise OSError("connection reset while copying")


def test_keeping_uploads_is_all_or_nothing_and_spares_files_of_earlier_jobs(tmp_path):
    settings = Settings(home=tmp_path / "kb")
    earlier = keep_upload(settings, "a.txt", io.BytesIO(PAPER_A.encode()))  # named by a queued job
    with pytest.raises(OSError, match="connection reset"):
        keep_uploads(
            settings,
            [
                ("a.txt", io.BytesIO(PAPER_A.encode())),
                ("b.txt", io.BytesIO(PAPER_B.encode())),
                ("c.txt", _BrokenStream()),
            ],
        )
    assert uploads_on_disk(settings.home) == [earlier.path(settings)]


def test_unknown_job_and_unknown_paper_are_404(server):
    assert_canonical_error(server.client.get("/jobs/nope"), 404, "not_found", "no job 'nope'")
    response = server.client.delete("/papers/nope", headers=bearer())
    assert_canonical_error(response, 404, "not_found", "no paper 'nope'; GET /papers lists the papers")


# ---------------------------------------------------------------------- deletes


def visible(server: KeyedServer, paper_id: str, graph: str) -> dict[str, bool]:
    """Where the paper shows: /papers/{id}, /papers, /outcomes, /search, /sparql."""
    client = server.client
    outcomes = client.get("/outcomes", params={"limit": 500}).json()["results"]
    hits = client.get("/search", params={"q": "イノツズマブ オゾガマイシン 完全寛解率", "k": 50}).json()[
        "results"
    ]
    ask = client.get("/sparql", params={"query": f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"})
    return {
        "paper": client.get(f"/papers/{paper_id}").status_code == 200,
        "papers": paper_id in [p["id"] for p in client.get("/papers").json()["results"]],
        "outcomes": any(r["paper"]["id"] == paper_id for r in outcomes),
        "search": any(h["paper"]["id"] == paper_id for h in hits),
        "sparql": ask.json()["boolean"],
    }


def ingest_ja_paper(server: KeyedServer) -> dict:
    job = finished(server, upload(server, [(JA_PAPER.name, JA_PAPER.read_bytes())]).json()["id"])
    assert job["status"] == "succeeded", job
    return job["results"][0]


def test_delete_removes_the_paper_everywhere_and_it_can_be_uploaded_again(server, home):
    paper_id, sha256 = JA_PAPER.stem, hashlib.sha256(JA_PAPER.read_bytes()).hexdigest()
    graph = f"https://w3id.org/hemekb/id/graph/{paper_id}"
    first = ingest_ja_paper(server)
    assert (first["paper_id"], first["status"], first["records"]) == (paper_id, "ingested", 2)
    everywhere = {"paper": True, "papers": True, "outcomes": True, "search": True, "sparql": True}
    assert visible(server, paper_id, graph) == everywhere
    settings = Settings(home=home)
    assert text_path(settings, sha256).exists() and (home / "uploads" / sha256 / JA_PAPER.name).exists()

    response = server.client.delete(f"/papers/{paper_id}", headers={"X-API-Key": OLD_KEY})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": paper_id,
        "file": JA_PAPER.name,
        "results": 2,
        "text_removed": True,
        "uploads_removed": 1,
    }
    assert visible(server, paper_id, graph) == dict.fromkeys(everywhere, False)
    assert not text_path(settings, sha256).exists() and not (home / "uploads" / sha256).exists()
    assert_canonical_error(
        server.client.delete(f"/papers/{paper_id}", headers=bearer()), 404, "not_found", ""
    )

    again = ingest_ja_paper(server)
    assert (again["paper_id"], again["status"], again["records"]) == (paper_id, "ingested", 2)
    assert visible(server, paper_id, graph) == everywhere
    assert server.client.get(f"/papers/{paper_id}").json()["text"] == JA_PAPER.read_text(encoding="utf-8")


def test_kb_delete_on_the_command_line(server, home):
    ingest_ja_paper(server)
    result = run_kb(home, "delete", JA_PAPER.name, "not-a-paper")  # a file name works as in the API
    assert result.returncode == 1
    assert f"deleted    {JA_PAPER.stem} ({JA_PAPER.name}, 2 records)" in result.stderr
    assert "1 of 2 papers not found; first: 'not-a-paper'" in result.stderr
    assert server.client.get(f"/papers/{JA_PAPER.stem}").status_code == 404


# ---------------------------------------------------------------------- one writer at a time


def test_a_job_waits_while_another_process_holds_the_store(server, home):
    settings = Settings(home=home)
    store = open_store(settings, writable=True)  # what a running `kb ingest` holds
    try:
        response = upload(server, [("held.txt", PAPER_A.encode())])
        job_id = response.json()["id"]
        deadline = time.monotonic() + 120
        job = server.client.get(f"/jobs/{job_id}").json()
        while not (job["message"] or "").startswith("waiting:") and time.monotonic() < deadline:
            time.sleep(0.2)
            job = server.client.get(f"/jobs/{job_id}").json()
        assert job["status"] == "running" and "being written by another process" in job["message"], job
        busy = server.client.delete("/papers/held", headers=bearer())
        assert_canonical_error(busy, 503, "store_busy", "being written by another process")
    finally:
        store.close()
        del store
        gc.collect()  # RocksDB releases its lock when the last reference goes
    job = finished(server, job_id)
    assert job["status"] == "succeeded" and job["message"] is None, job


def test_a_job_fails_with_the_reason_when_the_store_stays_busy(tmp_path):
    settings = Settings(home=tmp_path / "kb")
    knowledge_base = IngestingKnowledgeBase(settings, extractor=line_extractor)
    runner = JobRunner(knowledge_base, store_wait=1.0)
    source = tmp_path / "a.txt"
    source.write_text(PAPER_A, encoding="utf-8")
    with source.open("rb") as fh:
        kept = keep_upload(settings, "a.txt", fh)
    store = open_store(settings, writable=True)
    runner.start()
    try:
        job = runner.submit([kept])
        deadline = time.monotonic() + 60
        while (job := runner.registry.get(job.id)).status not in ("failed", "succeeded") and (
            time.monotonic() < deadline
        ):
            time.sleep(0.1)
    finally:
        runner.stop()
        store.close()
        knowledge_base.close()
    assert job.status == "failed" and "being written by another process" in (job.message or ""), job
    assert job.results == []
    assert not kept.path(settings).exists()  # a failed job leaves no file behind


def test_progress_is_reported_paper_by_paper(tmp_path):
    """A job's results grow as each paper is decided (KnowledgeBase.ingest_paths' progress events)."""
    settings = Settings(home=tmp_path / "kb")
    second_started, let_second_finish = threading.Event(), threading.Event()

    def gated_extractor(path: Path):
        if path.name == "b.txt":
            second_started.set()
            assert let_second_finish.wait(120)
        return line_extractor(path)

    knowledge_base = IngestingKnowledgeBase(settings, extractor=gated_extractor)
    runner = JobRunner(knowledge_base)
    kept = []
    for name, text in (("a.txt", PAPER_A), ("b.txt", PAPER_B)):
        source = tmp_path / name
        source.write_text(text, encoding="utf-8")
        with source.open("rb") as fh:
            kept.append(keep_upload(settings, name, fh))
    runner.start()
    try:
        job = runner.submit(kept)
        assert second_started.wait(300)
        midway = runner.registry.get(job.id)
        let_second_finish.set()
        deadline = time.monotonic() + 300
        while (job := runner.registry.get(job.id)).status == "running" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        let_second_finish.set()
        runner.stop()
        knowledge_base.close()
    assert midway is not None and midway.status == "running"
    assert (midway.done, midway.total) == (1, 2) and midway.results[0].status == "ingested"
    assert job.status == "succeeded" and [r.file for r in job.results] == ["a.txt", "b.txt"]
    assert [r.paper_id for r in job.results] == ["a", "b"]


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_restart_keeps_finished_jobs_interrupts_running_ones_and_resumes_queued_ones(
    server, home, server_log
):
    finished_before = [j["id"] for j in server.client.get("/jobs", headers=bearer()).json()["results"]]
    server.stop()  # and, below, jobs a server left behind when it died
    settings = Settings(home=home)
    registry = JobRegistry.open(settings)
    source = home.parent / "queued.txt"
    source.write_text(PAPER_A.replace("Title A", "Title Q"), encoding="utf-8")
    with source.open("rb") as fh:
        queued_file = keep_upload(settings, "queued.txt", fh)
    dead = _dead_pid()
    lost = home.parent / "lost.txt"
    lost.write_text(PAPER_A.replace("Title A", "Title L"), encoding="utf-8")
    with lost.open("rb") as fh:
        lost_file = keep_upload(settings, "lost.txt", fh)
    incoming = settings.uploads_dir / ".incoming"
    stale, fresh = incoming / "upload-stale", incoming / "upload-fresh"  # cut-off uploads' copies
    stale.write_bytes(b"half a paper")
    fresh.write_bytes(b"being received")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    running = Job(
        id="running-job",
        status="running",
        files=[lost_file],
        created="2026-01-01T00:00:00+00:00",
        started="2026-01-01T00:00:01+00:00",
        owner_pid=dead,
    )
    queued = Job(
        id="queued-job",
        status="queued",
        files=[queued_file],
        created="2026-01-01T00:00:02+00:00",
        owner_pid=dead,
    )
    registry.save(running)
    registry.save(queued)

    server.start()
    interrupted = server.client.get("/jobs/running-job").json()
    assert interrupted["status"] == "interrupted" and interrupted["message"].startswith("interrupted:")
    assert interrupted["finished"] is not None
    assert not lost_file.path(settings).exists()  # the interrupted job's file did not become a paper
    assert not stale.exists() and fresh.exists()
    resumed = finished(server, "queued-job")
    assert resumed["status"] == "succeeded" and resumed["results"][0]["paper_id"] == "queued"
    listed = [j["id"] for j in server.client.get("/jobs", headers=bearer()).json()["results"]]
    assert set(finished_before) <= set(listed)


def test_openapi_declares_the_key_the_form_field_and_the_job_model(server):
    spec = server.client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerKey"]["scheme"] == "bearer" and schemes["apiKeyHeader"]["name"] == "X-API-Key"
    upload_op = spec["paths"]["/papers"]["post"]
    delete_op = spec["paths"]["/papers/{paper_id}"]["delete"]
    for operation in (upload_op, delete_op):
        assert {name for item in operation["security"] for name in item} == {"bearerKey", "apiKeyHeader"}
        assert {"401", "403"} <= set(operation["responses"])
    form = upload_op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["files"] and form["properties"]["files"]["items"]["format"] == "binary"
    assert {"202", "413", "415"} <= set(upload_op["responses"])
    job = spec["paths"]["/jobs/{job_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert job["schema"]["$ref"].endswith("/JobOut")
    assert "security" not in spec["paths"]["/papers"]["get"]  # reads stay open


# ---------------------------------------------------------------------- last: the keys left no trace


def test_the_keys_are_never_logged_nor_stored(server, home, server_log):
    server.client.get("/papers", headers=bearer(OLD_KEY))
    upload(server, [("z.docx", b"x")], headers={"X-API-Key": NEW_KEY})
    server.stop()
    log = server_log.read_text(encoding="utf-8", errors="replace")
    assert "POST /papers" in log and "DELETE /papers/" in log  # the access log was captured
    for key in (OLD_KEY, NEW_KEY):
        assert key not in log
        for path in home.rglob("*"):
            if path.is_file():
                assert key.encode() not in path.read_bytes(), path
    with sqlite3.connect(home / "jobs" / "jobs.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] > 3
    assert os.environ.get("KB_API_KEYS") is None  # the keys came from the server's own environment


def test_uploads_count_against_each_keys_quota_and_the_total(tmp_path):
    """Quotas are on what stays on disk: 507 past a key's or all uploads' bytes, nothing kept."""
    extractor_ready()
    home = tmp_path / "kb"
    paper = PAPER_A.encode()
    size = len(paper.replace(b"Title A", b"Title curr1"))  # each upload below: one paper this long
    keys = {"api_keys": f"{OLD_KEY},{NEW_KEY}"}
    quotas = {"upload_quota_bytes": str(2 * size + 10), "uploads_total_bytes": str(3 * size + 10)}
    live = KeyedServer(home, tmp_path / "server.log", **keys, **quotas)
    try:

        def send(key: str, n: int) -> object:
            body = paper.replace(b"Title A", f"Title {key[:4]}{n}".encode())
            return live.client.post(
                "/papers", files=[("files", (f"q{key[:4]}{n}.txt", body))], headers=bearer(key)
            )

        for n in (1, 2):
            accepted = send(NEW_KEY, n)
            assert accepted.status_code == 202, accepted.text
            assert finished(live, accepted.json()["id"])["status"] == "succeeded"
        before = uploads_on_disk(home)
        over = send(NEW_KEY, 3)
        assert_canonical_error(over, 507, "insufficient_storage", "this key's uploads hold")
        assert "KB_UPLOAD_QUOTA_BYTES" in over.json()["error"]["message"]
        assert uploads_on_disk(home) == before  # nothing kept
        other = send(OLD_KEY, 1)  # another key has its own quota
        assert other.status_code == 202, other.text
        assert finished(live, other.json()["id"])["status"] == "succeeded"
        full = send(OLD_KEY, 2)  # but all uploads together are at their limit
        assert_canonical_error(full, 507, "insufficient_storage", "KB_UPLOADS_TOTAL_BYTES")
    finally:
        live.stop()


def test_a_registry_from_before_job_owners_is_read_and_extended(tmp_path):
    import sqlite3

    path = tmp_path / "jobs.sqlite"
    with sqlite3.connect(path) as db:  # the table as the previous release wrote it
        db.execute(
            "CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, files TEXT NOT NULL,"
            " results TEXT NOT NULL, created TEXT NOT NULL, started TEXT, finished TEXT, message TEXT,"
            " owner_pid INTEGER NOT NULL)"
        )
        db.execute(
            "INSERT INTO jobs VALUES ('old', 'succeeded', '[]', '[]', '2026-01-01T00:00:00+00:00',"
            " NULL, NULL, NULL, 1)"
        )
    registry = JobRegistry(path)
    assert [(j.id, j.owner_key) for j in registry.recent()] == [("old", "")]
    registry.save(
        Job(id="new", status="queued", files=[], created="2026-01-02T00:00:00+00:00", owner_key="k")
    )
    assert {j.id: j.owner_key for j in registry.recent()} == {"old": "", "new": "k"}
