"""`kb ingest` progress (callback, plain lines, a bar on a terminal) and `--jobs N` worker processes."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from ingest.ingestion import IngestingKnowledgeBase, IngestStarted
from ingest.workers import WORKER_DIED
from kb.settings import Settings
from kb.store.paper_writes import ExtractedPaper, PaperStatus
from tests.conftest import PAPER_A, PAPER_B, REPO, extractor_ready, kb_env, line_extractor


def _write_papers(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"p{i:02d}.txt").write_text(
            f"Paper {i}\nCD19 CAR-T gave CR in {50 + i}.5% of patients.\nOS was {20 + i}%.\n",
            encoding="utf-8",
        )
    return folder


def crashing_extractor(path: Path) -> ExtractedPaper:
    """The stand-in extractor, except that the worker process dies outright on crash.txt."""
    if path.name == "crash.txt":
        os._exit(3)  # what an out-of-memory kill or a crash in native code looks like to the pool
    return line_extractor(path)


def refusing_extractor(path: Path) -> ExtractedPaper:
    """The stand-in extractor, with a p-value out of range in bad.txt: a graph SHACL refuses."""
    paper = line_extractor(path)
    if path.name == "bad.txt":
        first = paper.records[0].model_copy(update={"p_value": 1.5, "p_operator": "="})
        return replace(paper, records=[first, *paper.records[1:]])
    return paper


def test_progress_gets_the_total_then_each_status_in_source_order(kb, papers, tmp_path):
    events: list[object] = []
    report = kb.ingest_paths([tmp_path / "missing.txt", papers], progress=events.append)
    assert events[0] == IngestStarted(total=3, jobs=1)
    assert events[1:] == report.papers
    assert [(p.status, Path(p.source).name) for p in report.papers] == [
        ("failed", "missing.txt"),
        ("ingested", "a.txt"),
        ("ingested", "b.txt"),
    ]


def _outcomes(settings: Settings) -> list[dict]:
    knowledge_base = IngestingKnowledgeBase(settings, extractor=line_extractor)
    try:
        return [r.model_dump() for r in knowledge_base.export_outcomes()]
    finally:
        knowledge_base.close()


def test_two_workers_store_what_one_process_stores(tmp_path):
    folder = _write_papers(tmp_path / "papers", 5)
    (folder / "p02.txt").write_bytes(b"  \n")  # an empty file fails in its worker, with its reason
    serial, parallel = Settings(home=tmp_path / "serial"), Settings(home=tmp_path / "parallel")
    one = IngestingKnowledgeBase(serial, extractor=line_extractor).ingest_paths([folder])
    events: list[object] = []
    two = IngestingKnowledgeBase(parallel, extractor=line_extractor).ingest_paths(
        [folder], jobs=2, progress=events.append
    )
    assert [(p.status, p.source, p.paper_id, p.records, p.reason) for p in two.papers] == [
        (p.status, p.source, p.paper_id, p.records, p.reason) for p in one.papers
    ]
    assert [p.status for p in two.papers] == ["ingested", "ingested", "failed", "ingested", "ingested"]
    assert "empty file" in (two.papers[2].reason or "")
    assert events == [IngestStarted(total=5, jobs=2), *two.papers]
    assert _outcomes(parallel) == _outcomes(serial)
    # Unchanged papers are recognised, and a changed one is rewritten, with workers too.
    (folder / "p01.txt").write_text("Paper 1\nCR 12.5% only.\n", encoding="utf-8")
    again = IngestingKnowledgeBase(parallel, extractor=line_extractor).ingest_paths([folder], jobs=2)
    assert [p.status for p in again.papers] == ["unchanged", "ingested", "failed", "unchanged", "unchanged"]
    assert [r["value"] for r in _outcomes(parallel) if r["paper"]["id"] == "p01"] == [12.5]


def test_workers_keep_duplicate_ids_and_shacl_refusals_per_paper(tmp_path, settings):
    first, second = tmp_path / "one", tmp_path / "two"
    _write_papers(first, 2)
    _write_papers(second, 1)  # p00 again: the same paper id
    (first / "bad.txt").write_text("Bad\nCR 50% (p = 0.01).\n", encoding="utf-8")
    report = IngestingKnowledgeBase(settings, extractor=refusing_extractor).ingest_paths(
        [first, second], jobs=2
    )
    statuses = {Path(p.source).parent.name + "/" + Path(p.source).name: p for p in report.papers}
    assert statuses["one/bad.txt"].status == "failed"
    assert "SHACL" in (statuses["one/bad.txt"].reason or "")
    assert any("a p-value lies between 0 and 1" in d for d in statuses["one/bad.txt"].details or [])
    assert statuses["two/p00.txt"].status == "failed"
    assert "same paper id 'p00'" in (statuses["two/p00.txt"].reason or "")
    assert [statuses[k].status for k in ("one/p00.txt", "one/p01.txt")] == ["ingested", "ingested"]
    assert {r["paper"]["id"] for r in _outcomes(settings)} == {"p00", "p01"}


def test_a_dying_worker_fails_only_its_paper(tmp_path, settings):
    folder = _write_papers(tmp_path / "papers", 3)
    (folder / "crash.txt").write_text(PAPER_A, encoding="utf-8")
    report = IngestingKnowledgeBase(settings, extractor=crashing_extractor).ingest_paths([folder], jobs=2)
    assert [(Path(p.source).name, p.status) for p in report.papers] == [
        ("crash.txt", "failed"),
        ("p00.txt", "ingested"),
        ("p01.txt", "ingested"),
        ("p02.txt", "ingested"),
    ]
    assert report.papers[0].reason == WORKER_DIED
    assert {r["paper"]["id"] for r in _outcomes(settings)} == {"p00", "p01", "p02"}


def test_an_extractor_workers_cannot_import_is_refused_before_anything_runs(settings, papers):
    knowledge_base = IngestingKnowledgeBase(settings, extractor=lambda path: line_extractor(path))
    with pytest.raises(Exception, match="--jobs needs an extractor that worker processes can import"):
        knowledge_base.ingest_paths([papers], jobs=2)


def test_cli_prints_one_plain_line_per_paper_when_not_a_terminal(tmp_path, monkeypatch, papers):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "kb"))
    (papers / "empty.txt").write_bytes(b" \n")
    args = ["ingest", "--jobs", "2", str(papers)]
    result = CliRunner().invoke(main, args, obj={"extractor": line_extractor})
    assert result.exit_code == 1
    empty = papers / "empty.txt"
    assert result.stderr.splitlines() == [
        PaperStatus(str(papers / "a.txt"), "ingested", "a", 2).line(),
        PaperStatus(str(papers / "b.txt"), "ingested", "b", 2).line(),
        PaperStatus(str(empty), "failed", reason="empty file").line(),
        f"Error: 1 of 3 papers failed; first: {empty}: empty file",
    ]
    assert "\x1b[" not in result.stderr and "━" not in result.stderr  # no terminal codes, no bar
    refused = CliRunner().invoke(main, ["ingest", "--jobs", "0", str(papers)])
    assert refused.exit_code == 2 and "--jobs" in refused.stderr


def _run_in_terminal(args: list[str], env: dict[str, str], timeout: float = 600) -> str:
    """Run a command with a pseudo-terminal as stdin, stdout and stderr; everything it wrote."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        args, cwd=REPO, env={**env, "TERM": "xterm-256color", "COLUMNS": "120"}, stdin=follower,
        stdout=follower, stderr=follower, close_fds=True,
    )  # fmt: skip
    os.close(follower)
    output = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the command has finished
                break
            if not chunk:
                break
            output.extend(chunk)
        elif process.poll() is not None:
            break
    else:
        process.kill()
    process.wait(timeout=30)
    os.close(leader)
    assert process.returncode == 0, output.decode(errors="replace")
    return output.decode("utf-8", errors="replace")


def test_a_terminal_gets_a_progress_bar_with_a_line_per_paper(tmp_path):
    extractor_ready()
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "a.txt").write_text(PAPER_A, encoding="utf-8")
    (folder / "b.txt").write_text(PAPER_B, encoding="utf-8")
    env = kb_env(tmp_path / "kb")
    shown = _run_in_terminal([sys.executable, "-m", "kb", "ingest", "--jobs", "2", str(folder)], env)
    assert "━" in shown and "\x1b[" in shown  # rich's bar, drawn with terminal control codes
    assert "2/2" in shown and "papers/min" in shown and "2 ingested" in shown
    for name in ("a", "b"):
        assert f"ingested   {folder / (name + '.txt')} -> {name} (" in shown


def test_auto_jobs_takes_the_usable_cores_and_no_more_workers_than_files(tmp_path):
    cores = len(os.sched_getaffinity(0))
    folder = _write_papers(tmp_path / "papers", 5)
    events: list[object] = []
    report = IngestingKnowledgeBase(Settings(home=tmp_path / "a"), extractor=line_extractor).ingest_paths(
        [folder], jobs="auto", progress=events.append
    )
    assert events[0] == IngestStarted(total=5, jobs=min(cores, 4, 5))
    assert [p.status for p in report.papers] == ["ingested"] * 5
    single: list[object] = []
    IngestingKnowledgeBase(Settings(home=tmp_path / "b"), extractor=line_extractor).ingest_paths(
        [folder / "p00.txt"], jobs="auto", progress=single.append
    )
    assert single[0] == IngestStarted(total=1, jobs=1)
    # an extractor worker processes cannot import (a lambda) runs in this process, without error
    unpicklable = IngestingKnowledgeBase(
        Settings(home=tmp_path / "c"), extractor=lambda path: line_extractor(path)
    )
    assert unpicklable.ingest_paths([folder], jobs="auto").ok


def sleepy_extractor(path: Path) -> ExtractedPaper:
    """The stand-in extractor, slowly: the workers are busy when their parent is killed."""
    time.sleep(60)
    return line_extractor(path)


def _processes_with_home(home: Path) -> set[int]:
    """Processes (this user's) whose environment has KB_HOME=home: a kb ingest, its fork server
    and its workers."""
    marker = f"KB_HOME={home}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def test_workers_exit_when_kb_ingest_is_killed(tmp_path):
    folder = _write_papers(tmp_path / "papers", 4)
    home = tmp_path / "kb"
    script = (
        "from pathlib import Path\n"
        "from ingest.ingestion import IngestingKnowledgeBase\n"
        "from kb.settings import Settings\n"
        "from tests.test_ingest_progress import sleepy_extractor\n"
        "if __name__ == '__main__':\n"
        "    knowledge_base = IngestingKnowledgeBase(Settings(), extractor=sleepy_extractor)\n"
        f"    knowledge_base.ingest_paths([Path({str(folder)!r})], jobs=2)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=kb_env(home))
    deadline = time.monotonic() + 120
    while len(_processes_with_home(home) - {parent.pid}) < 3 and time.monotonic() < deadline:  # server + 2
        time.sleep(0.5)
    children = _processes_with_home(home) - {parent.pid}
    assert len(children) >= 3, "the fork server and two workers did not start"
    parent.kill()
    parent.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _processes_with_home(home) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_with_home(home), "workers outlived the killed kb ingest"
