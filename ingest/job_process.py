"""An upload job's ingest in a process of its own, so that extracting a paper never slows the server.

The server answers requests from one process; extraction is CPU-bound Python and native code
that holds the interpreter for long stretches, so run in a thread of the server it delays every
answer (a first upload's cold start stalled GET /jobs for over a minute on a busy machine). The
job's ingest runs instead in a child process started with "spawn" (a clean interpreter, not a
copy of the server's threads, locks and store handles), at lower CPU priority (ingest/job_child.py) and
with its address space capped at KB_JOB_MEMORY_BYTES, so a hostile file costs the child, not
the server. The child writes the papers as `kb ingest` does (the server's reads follow what
writers publish) and sends each paper's status back as soon as it is decided.

The child exits when the server does (it checks every PARENT_CHECK_SECONDS); a paper it was
writing is then stored whole or not at all, as after any crash.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from ingest import job_child
from ingest.ingestion import Extractor, IngestReport
from kb.errors import KBError, StoreBusy
from kb.settings import Settings
from kb.store.paper_writes import PaperStatus

POLL_SECONDS = 0.5


class JobProcessDied(KBError):
    """The job's process ended without a report: killed, past its memory cap, or a crash in native code."""


class ServerStopping(Exception):
    """The server is stopping: the child was ended and the job stays running, reported interrupted
    by the next server (papers already reported were stored whole)."""


def ingest_in_process(
    settings: Settings,
    extractor: Extractor,
    paths: Sequence[Path],
    on_status: Callable[[PaperStatus], None],
    stopping: threading.Event,
) -> IngestReport:
    """Ingest `paths` in a child process; `on_status` gets each paper's status as it is decided.

    Raises what the child's ingest raised when it is a KBError (StoreBusy stays StoreBusy, so a
    job can wait for a `kb ingest` to finish), JobProcessDied when the child ended without a
    report, and ServerStopping when the server is stopping (the child is ended first).
    """
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(
        target=job_child.main,
        # pickled here, unpickled by the child once it has lowered its priority: unpickling imports
        # the extractor's modules, the costliest part of its start-up
        args=(pickle.dumps((settings, extractor, [str(p) for p in paths])), sending, os.getpid()),
        name="kb-ingest-job",
        daemon=True,
    )
    child.start()
    sending.close()  # the parent's copy: the pipe reads EOF once the child has gone
    try:
        return _follow(child, receiving, on_status, stopping)
    finally:
        receiving.close()
        if child.is_alive():
            child.terminate()
        child.join(10)


def _follow(
    child: multiprocessing.process.BaseProcess,
    receiving: Connection,
    on_status: Callable[[PaperStatus], None],
    stopping: threading.Event,
) -> IngestReport:
    report = IngestReport()
    while True:
        if stopping.is_set():
            raise ServerStopping
        if not receiving.poll(POLL_SECONDS):
            continue
        try:
            kind, payload = receiving.recv()
        except EOFError:
            child.join(10)
            raise JobProcessDied(
                f"the ingest process ended with exit code {child.exitcode} before it finished (killed,"
                " past KB_JOB_MEMORY_BYTES, or a crash); papers already reported were stored"
            ) from None
        if kind == "status":
            report.papers.append(payload)
            on_status(payload)
        elif kind == "done":
            return report
        elif kind == "busy":
            raise StoreBusy(payload)
        else:
            raise KBError(payload)
