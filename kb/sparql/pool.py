"""Query worker processes: the per-query time limit that pyoxigraph cannot enforce in-process.

pyoxigraph has no query timeout, and a thread running a Rust query cannot be interrupted. So
queries run in a small pool of worker processes (multiprocessing, "spawn": no forked locks), each
with its own read-only store (for Oxigraph: the published snapshot, followed as `kb ingest`
publishes new ones). The server thread sends a job over a pipe and waits at most the time limit for
the answer; a worker that does not answer in time is killed (SIGKILL) and replaced by a fresh one,
so a runaway query costs its CPU time and nothing else. Once a worker has been killed, a spare
one is kept started (in the background): the next kill is replaced at once, not by a start of a
second or more (longer on a machine busy with the very queries that overran) on the path of the
next query, which may well be another client's quick lookup.

A worker answers with the serialized body, so result rows never cross the pipe as Python objects.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from kb.errors import KBError
from kb.settings import Settings
from kb.sparql.errors import EndpointBusy, QueryTimeout, QueryTooComplex
from kb.store.base import Dataset

log = logging.getLogger(__name__)

_START_TIMEOUT = 60.0
GZIP_MINIMUM = 1000  # as the app's GZipMiddleware: smaller bodies are sent as they are


@dataclass(frozen=True)
class Job:
    """One query for a worker; `format_param`/`accept` are negotiated once the result kind is known."""

    query: str
    dataset: Dataset
    format_param: str | None
    accept: str | None
    max_results: int


@dataclass(frozen=True)
class Answer:
    media_type: str
    body: bytes
    results: int  # rows or triples (1 for ASK)
    # The body gzip-compressed by the worker (bodies of GZIP_MINIMUM bytes or more), so that the
    # server sends a cached answer without compressing it again for every request.
    gzipped: bytes | None = None


class _Worker:
    def __init__(self, context: multiprocessing.context.SpawnContext, settings: Settings) -> None:
        from kb.sparql.worker import serve

        parent, child = context.Pipe()
        self.conn: Connection = parent
        self.process: BaseProcess = context.Process(
            target=serve, args=(child, settings), name="kb-sparql-worker", daemon=True
        )
        self.process.start()
        child.close()
        if not self.conn.poll(_START_TIMEOUT):
            self.kill()
            raise KBError(f"a SPARQL worker did not start within {_START_TIMEOUT:.0f} s")
        try:
            ready = self.conn.recv()
        except (EOFError, OSError) as exc:  # died while starting: the caller gives its slot back
            self.kill()
            raise KBError(
                f"a SPARQL worker exited while starting (exit code {self.process.exitcode})"
            ) from exc
        if ready != "ready":
            self.kill()
            raise KBError(f"a SPARQL worker failed to start: {ready}")

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """`size` worker processes; `run` answers a job or raises QueryTimeout / EndpointBusy / the error."""

    def __init__(self, settings: Settings, *, size: int, timeout: float) -> None:
        self.settings = settings
        self.size = size
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        for _ in range(size):
            self._idle.put(None)  # a slot: its worker starts on first use, or by warm()
        self.kills = 0  # workers killed on timeout, for tests and logs
        self._spare: queue.Queue[_Worker] = queue.Queue(maxsize=1)
        self._spare_starting = False

    def warm(self) -> None:
        """Start every worker now (in the background from the app), so the first query does not wait."""
        slots = []
        while True:
            try:
                slots.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for slot in slots:
            try:
                self._idle.put(slot if slot is not None else self._start())
            except KBError as exc:
                log.error("%s", exc)
                self._idle.put(None)

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self.settings)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)

    def _fresh(self) -> _Worker:
        """A started worker: the spare if one is ready, else one started now."""
        try:
            spare = self._spare.get_nowait()
        except queue.Empty:
            return self._start()
        self._keep_a_spare()  # overruns come in runs: have the next one ready too
        return spare

    def _keep_a_spare(self) -> None:
        """Start a spare worker in the background unless one is ready or starting."""
        with self._lock:
            if self._spare_starting or self._spare.full() or self._closed:
                return
            self._spare_starting = True

        def start() -> None:
            try:
                worker = self._start()
                if self._closed:
                    self._discard(worker)
                else:
                    self._spare.put_nowait(worker)
            except (KBError, queue.Full) as exc:
                log.error("%s", exc)
            finally:
                with self._lock:
                    self._spare_starting = False

        threading.Thread(target=start, name="kb-sparql-spare", daemon=True).start()

    def run(self, job: Job) -> Answer:
        if self._closed:
            raise KBError("the SPARQL endpoint is shut down")
        try:
            slot = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise EndpointBusy(
                f"all {self.size} SPARQL workers stayed busy for {self.timeout:g} s (KB_SPARQL_WORKERS);"
                " try again shortly"
            ) from None
        worker: _Worker | None = slot
        try:
            if worker is None or not worker.process.is_alive():
                if worker is not None:
                    self._discard(worker)
                worker = None
                worker = self._fresh()
            started = time.monotonic()
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                self._discard(worker)
                worker = None
                self.kills += 1
                self._keep_a_spare()
                raise QueryTimeout(
                    f"the query ran longer than {self.timeout:g} s (KB_SPARQL_TIMEOUT) and was stopped;"
                    " narrow it or add a LIMIT"
                )
            status, payload = worker.conn.recv()
            log.debug("SPARQL job answered in %.3f s", time.monotonic() - started)
        except (EOFError, OSError, BrokenPipeError) as exc:
            signal = None
            if worker is not None:
                self._discard(worker)
                exitcode = worker.process.exitcode
                signal = -exitcode if exitcode is not None and exitcode < 0 else None
                worker = None
            if signal is not None:
                # The worker was healthy when it took the job: the query itself brought it down.
                raise QueryTooComplex(
                    f"the query crashed the worker evaluating it (signal {signal}): it is nested too"
                    " deeply or chains too many operators for the query planner; simplify it"
                ) from exc
            raise KBError(f"a SPARQL worker died while answering: {exc}") from exc
        finally:
            self._idle.put(worker)
        if status == "ok":
            return payload
        raise payload

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.kill()
