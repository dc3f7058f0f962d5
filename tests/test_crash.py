"""`kb ingest` killed with SIGKILL at random points leaves a knowledge base that opens, passes
`kb validate`, and is completed by running the ingest again.

One run of the real `kb ingest data/papers` (real extractor and embedding model, fresh KB_HOME)
is measured first: its duration, the moments its writes start (the graph store's UNPUBLISHED
marker, kb/store/oxigraph.py) and how long they take, and its `kb export outcomes`. Then one
KB_HOME goes through a series of ingests, each SIGKILLed in turn: after a delay drawn from the
whole measured run; a random time into a random write (the graph update or its publication); or
up to AFTER_WRITE_SECONDS after a write ended (the graph is published, the search index is about
to commit). The runs alternate between data/papers and a shortened version of every paper
(tests/paper_versions.py), so after the first run every write replaces a paper. After each kill
`kb validate` must pass; at the end an uninterrupted `kb ingest data/papers` must succeed, leave
no interrupted paper, and export exactly what the measured run exported.

The seed is printed (and in every failure message): HEMEKB_CRASH_SEED=N reproduces a series.
Kills: CRASH_KILLS in the default suite (about three minutes on two shared cores), SLOW_CRASH_KILLS
in the `slow` test (`pytest -m slow tests/test_crash.py`), or HEMEKB_CRASH_KILLS=N in either.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import PAPERS, REPO, extractor_ready, kb_env, run_kb
from tests.paper_versions import shortened_corpus

CRASH_KILLS = 4
SLOW_CRASH_KILLS = 24
POLL_SECONDS = 0.0005
AFTER_WRITE_SECONDS = 0.02  # a kill this soon after a graph is published may beat the index commit


@dataclass
class Run:
    """One `kb ingest` as the test saw it from outside."""

    seconds: float
    returncode: int | None  # None: killed
    writes: list[tuple[float, float]] = field(default_factory=list)  # (start, duration) of each write
    stderr: str = ""


def slow_asked_for(config: pytest.Config) -> bool:
    expression = config.getoption("markexpr") or ""
    return "slow" in expression and "not slow" not in expression


def kills_wanted(default: int) -> int:
    return int(os.environ.get("HEMEKB_CRASH_KILLS") or default)


def ingest(
    home: Path,
    corpus: Path,
    *,
    kill_at: float | None = None,
    kill_in_write: int | None = None,
    after_write: bool = False,
) -> Run:
    """`kb ingest corpus`, SIGKILLed `kill_at` seconds after it started or, with `kill_in_write`,
    `kill_at` seconds after its write number `kill_in_write` (from 1) started (`after_write`: ended);
    watched throughout."""
    marker = home / "graph" / "UNPUBLISHED"
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "ingest", str(corpus)],
        cwd=REPO,
        env=kb_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = time.monotonic()
    writes: list[tuple[float, float]] = []
    write_started: float | None = None
    deadline = None if kill_in_write is not None or kill_at is None else started + kill_at
    killed = False
    while process.poll() is None:
        now = time.monotonic()
        present = marker.exists()
        if present and write_started is None:
            write_started = now
            if kill_in_write is not None and len(writes) + 1 == kill_in_write and not after_write:
                deadline = now + (kill_at or 0.0)
        elif not present and write_started is not None:
            writes.append((write_started - started, now - write_started))
            write_started = None
            if kill_in_write is not None and len(writes) == kill_in_write and after_write:
                deadline = now + (kill_at or 0.0)
        if deadline is not None and time.monotonic() >= deadline:
            process.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(POLL_SECONDS)
    _, stderr = process.communicate(timeout=120)
    return Run(time.monotonic() - started, None if killed else process.returncode, writes, stderr)


def assert_validates(home: Path, context: str) -> str:
    result = run_kb(home, "validate", timeout=300)
    assert result.returncode == 0, f"{context}: kb validate failed:\n{result.stderr}"
    return result.stderr


def test_sigkill_during_ingest_never_leaves_a_broken_store(tmp_path: Path):
    crash_series(tmp_path, kills_wanted(CRASH_KILLS))


@pytest.mark.slow
@pytest.mark.skipif(
    "not slow_asked_for(config)", reason="slow: run with `pytest -m slow tests/test_crash.py`"
)
def test_sigkill_many_times_during_ingest(tmp_path: Path):
    crash_series(tmp_path, kills_wanted(SLOW_CRASH_KILLS))


def crash_series(tmp_path: Path, kills: int) -> None:
    """A measured run, `kills` killed runs on one KB_HOME, then the completing run (module docstring)."""
    extractor_ready()
    seed = int(os.environ.get("HEMEKB_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    print(f"crash test seed: HEMEKB_CRASH_SEED={seed}")
    rng = random.Random(seed)

    measured = ingest(tmp_path / "measured", PAPERS)
    assert measured.returncode == 0, measured.stderr
    assert measured.writes, "the uninterrupted run wrote nothing the test could see"
    expected = run_kb(tmp_path / "measured", "export", "outcomes")
    assert expected.returncode == 0 and expected.stdout, expected.stderr
    longest_write = max(duration for _, duration in measured.writes)

    shortened = shortened_corpus(tmp_path / "shortened")
    home = tmp_path / "kb"
    for number in range(kills):
        corpus = PAPERS if number % 2 == 0 else shortened
        write = rng.randint(1, len(measured.writes))
        if number % 3 == 0:
            delay = rng.uniform(0, measured.seconds)
            run = ingest(home, corpus, kill_at=delay)
            where = f"{delay:.3f} s after the start"
        elif number % 3 == 1:  # during the graph update or its publication
            delay = rng.uniform(0, longest_write)
            run = ingest(home, corpus, kill_at=delay, kill_in_write=write)
            where = f"{delay * 1000:.1f} ms into write {write}"
        else:  # the graph is published, the index is about to commit
            delay = rng.uniform(0, AFTER_WRITE_SECONDS)
            run = ingest(home, corpus, kill_at=delay, kill_in_write=write, after_write=True)
            where = f"{delay * 1000:.1f} ms after write {write}"
        context = f"seed {seed}, kill {number + 1}/{kills} ({corpus.name}, {where})"
        if run.returncode is not None:  # finished before the kill point: it must have succeeded
            assert run.returncode == 0, f"{context}: ingest failed:\n{run.stderr}"
        report = assert_validates(home, context)
        print(f"{context}: {'killed' if run.returncode is None else 'finished'}; {report.splitlines()[-1]}")

    final = ingest(home, PAPERS)
    assert final.returncode == 0, f"seed {seed}: the re-run failed:\n{final.stderr}"
    report = assert_validates(home, f"seed {seed}, after the re-run")
    assert "interrupted" not in report, report
    exported = run_kb(home, "export", "outcomes")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == expected.stdout, f"seed {seed}: the re-run exports other records"
