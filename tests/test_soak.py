"""Soak: uploads, deletes, searches, outcome pages and SPARQL from 50 clients against one server.

The server (`kb serve` over the corpus, API keys set) is sampled every SAMPLE_SECONDS: resident
memory and open files of its own process (its children, SPARQL workers and upload jobs, come and
go and are reported apart). No request may fail; in a run of STEADY_AFTER_SECONDS or more, after
the warm-up (the first WARM_UP_SHARE of the run: caches fill, and each of the server's threads
opens its own SQLite connections as it first serves a request) no sample may exceed the one at the
end of the warm-up by more than GROWTH (10%). A shorter run shows the warm-up, not a steady state.

Clients connect from addresses of their own (as users do; the server's query budgets are per
address: api/fair_use.py). Each uploading client writes papers of its own words (not from any
source) and deletes each once its job has finished. Questions and filters come from a fixed pool,
so answer caches fill during the warm-up as they do in use.

The default suite runs DEFAULT_SECONDS; the slow test runs SLOW_SECONDS (30 minutes:
`pytest -m slow tests/test_soak.py`); HEMEKB_SOAK_SECONDS=N sets either. Figures are printed.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer
from tests.test_crash import slow_asked_for  # noqa: F401 (the skipif condition names it)

CLIENTS = 50
UPLOADERS = 3  # of the clients; the others read
SAMPLE_SECONDS = 10
WARM_UP_SHARE = 1 / 3
STEADY_AFTER_SECONDS = 600
GROWTH = 0.10
DEFAULT_SECONDS = 90
SLOW_SECONDS = 1800
KEY = "soak-test-key"

QUESTIONS = [
    f"{what} {where}"
    for what in ("overall survival", "complete remission", "minimal residual disease", "cytokine release")
    for where in ("blinatumomab", "CAR-T", "inotuzumab", "daratumumab", "BCMA", "B-ALL", "myeloma")
]
OUTCOME_FILTERS = [
    {"antigen": "CD19"},
    {"antigen": "CD22"},
    {"endpoint": "CR"},
    {"endpoint": "OS"},
    {"language": "zh"},
    {"antigen": "CD19", "endpoint": "CR"},
    {},
]
SPARQL = (
    "PREFIX hk: <https://w3id.org/hemekb/ontology#> SELECT ?r ?v WHERE {{ ?r hk:statistic ?s ."
    " ?s hk:value ?v FILTER(?v > {n}) }} LIMIT 20"
)


@dataclass
class Tally:
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    uploaded: int = 0
    deleted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, answer: httpx.Response, allowed: tuple[int, ...] = (200,)) -> None:
        with self.lock:
            self.requests += 1
            if answer.status_code not in allowed:
                self.errors.append(f"{answer.request.method} {answer.request.url.path}: {answer.status_code}")


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    pids, i = [pid], 0
    while i < len(pids):
        for task in Path(f"/proc/{pids[i]}/task").glob("*"):
            with contextlib.suppress(OSError):  # the task ended meanwhile
                pids.extend(int(c) for c in (task / "children").read_text().split())
        i += 1
    return pids


def _rss_and_files(pids: list[int]) -> tuple[int, int]:
    rss = files = 0
    for member in pids:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) * 1024
            files += len(os.listdir(f"/proc/{member}/fd"))
        except OSError:
            continue  # ended meanwhile
    return rss, files


def reader(server: LiveServer, n: int, stop: threading.Event, tally: Tally) -> None:
    rng = random.Random(n)
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{10 + n}")
    with httpx.Client(base_url=server.url, transport=transport, timeout=60) as client:
        while not stop.is_set():
            kind = rng.random()
            if kind < 0.4:
                answer = client.get("/search", params={"q": rng.choice(QUESTIONS)})
            elif kind < 0.75:
                answer = client.get("/outcomes", params=rng.choice(OUTCOME_FILTERS))
            else:
                answer = client.get("/sparql", params={"query": SPARQL.format(n=rng.randrange(100))})
            tally.count(answer)
            time.sleep(rng.uniform(0.1, 0.5))


def uploader(server: LiveServer, n: int, stop: threading.Event, tally: Tally) -> None:
    rng = random.Random(1000 + n)
    headers = {"Authorization": f"Bearer {KEY}"}
    transport = httpx.HTTPTransport(local_address=f"127.0.1.{10 + n}")
    with httpx.Client(base_url=server.url, transport=transport, timeout=120) as client:
        number = 0
        while not stop.is_set():
            number += 1
            name = f"soak-{n}-{number}.txt"
            rate, cohort = rng.randrange(30, 90), rng.randrange(20, 200)
            text = (
                f"Soak cohort {n}-{number}\n\nIn this cohort of {cohort} adults with relapsed B-cell acute"
                f" lymphoblastic leukaemia treated with blinatumomab, complete remission was reached by"
                f" {rate}% of patients. Median overall survival was {rng.randrange(6, 30)} months.\n"
            )
            answer = client.post(
                "/papers", files=[("files", (name, text.encode(), "text/plain"))], headers=headers
            )
            tally.count(answer, (202,))
            if answer.status_code != 202:
                continue
            job_id = answer.json()["id"]
            while not stop.is_set():
                job = client.get(f"/jobs/{job_id}").json()
                if job["status"] in ("succeeded", "failed", "interrupted"):
                    break
                time.sleep(0.5)
            else:
                return
            if job["status"] != "succeeded":
                tally.errors.append(f"upload {name}: {job['status']} {job.get('message')}")
                continue
            tally.uploaded += 1
            deleted = client.delete(f"/papers/{Path(name).stem}", headers=headers)
            tally.count(deleted)
            tally.deleted += deleted.status_code == 200


def _recording(client: Callable[[LiveServer, int, threading.Event, Tally], None]) -> Callable[..., None]:
    """A client whose crash (a connection reset, a body that is not JSON) is an error of the run."""

    def run(server: LiveServer, n: int, stop: threading.Event, tally: Tally) -> None:
        try:
            client(server, n, stop, tally)
        except Exception as exc:
            with tally.lock:
                tally.errors.append(f"client {n}: {type(exc).__name__}: {exc}")

    return run


def soak(home: Path, seconds: float) -> None:
    server = LiveServer(home, timeout=120, KB_API_KEYS=KEY)
    stop, tally = threading.Event(), Tally()
    samples: list[tuple[float, int, int, int, int]] = []  # s; server RSS, files; children RSS, files
    try:
        threads = [
            threading.Thread(
                target=_recording(uploader if n < UPLOADERS else reader),
                args=(server, n, stop, tally),
                daemon=True,
            )
            for n in range(CLIENTS)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while time.monotonic() - started < seconds:
            pid = server.process.pid
            samples.append(
                (time.monotonic() - started, *_rss_and_files([pid]), *_rss_and_files(_tree(pid)[1:]))
            )
            time.sleep(SAMPLE_SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
    finally:
        stop.set()
        server.stop()
    warm = [s for s in samples if s[0] >= seconds * WARM_UP_SHARE]
    assert len(warm) >= 2, samples
    base_rss, base_files = warm[0][1], warm[0][2]
    peak_rss, peak_files = max(s[1] for s in warm), max(s[2] for s in warm)
    print(
        f"soak {seconds:.0f} s, {CLIENTS} clients: {tally.requests} requests, {len(tally.errors)} errors,"
        f" {tally.uploaded} papers uploaded, {tally.deleted} deleted; after warm-up RSS"
        f" {base_rss / 2**20:.0f} -> peak {peak_rss / 2**20:.0f} MiB, open files {base_files} -> peak"
        f" {peak_files}; samples (s; server MiB, files; children MiB, files): "
        + ", ".join(f"({t:.0f}; {r / 2**20:.0f}, {f}; {cr / 2**20:.0f}, {cf})" for t, r, f, cr, cf in samples)
    )
    assert not tally.errors, tally.errors[:20]
    assert tally.uploaded >= 1 and tally.deleted == tally.uploaded
    if seconds >= STEADY_AFTER_SECONDS:
        assert peak_rss <= base_rss * (1 + GROWTH), (base_rss, peak_rss)
        assert peak_files <= base_files * (1 + GROWTH) + 2, (base_files, peak_files)


def test_soak(corpus_home: Path, tmp_path: Path):
    soak(_copy(corpus_home, tmp_path), float(os.environ.get("HEMEKB_SOAK_SECONDS") or DEFAULT_SECONDS))


@pytest.mark.slow
@pytest.mark.skipif("not slow_asked_for(config)", reason="slow: run with `pytest -m slow tests/test_soak.py`")
def test_soak_thirty_minutes(corpus_home: Path, tmp_path: Path):
    soak(_copy(corpus_home, tmp_path), float(os.environ.get("HEMEKB_SOAK_SECONDS") or SLOW_SECONDS))


def _copy(home: Path, tmp_path: Path) -> Path:
    """A copy of the session's corpus store: the soak writes to its own."""
    target = tmp_path / "kb"
    shutil.copytree(home, target)
    return target
