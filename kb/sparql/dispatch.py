"""How the server hands /sparql jobs to the worker pool: from the cache, one run per job, a bounded line.

- An answer already computed on the current graph snapshot is sent from the cache (kb/sparql/cache.py
  says why it is never stale).
- Identical jobs that arrive while one of them runs wait for that run instead of starting their own:
  under load the same few queries arrive together, and each would otherwise take a worker.
- A job waits in line (asyncio, holding no thread) for one of the KB_SPARQL_WORKERS workers, for at
  most KB_SPARQL_QUEUE_TIMEOUT seconds and behind at most KB_SPARQL_QUEUE_LENGTH others; past either
  bound it is refused with 503 endpoint_busy. A job's own run time is bounded by the pool's limit.
- Each run takes a thread of the dispatcher's own executor, one per worker, so that waiting jobs do
  not use up the threads that the synchronous routes (/outcomes, /search, ...) run on.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Literal

from kb.settings import Settings
from kb.sparql.cache import AnswerCache
from kb.sparql.errors import EndpointBusy
from kb.sparql.pool import Answer, Job, QueryPool
from kb.store import published_snapshot

log = logging.getLogger(__name__)

# Where an answer came from (the X-KB-Cache header): kept from an earlier run on this snapshot, the
# run of an identical job that was under way, a run of its own; "off": no cache for this store.
Source = Literal["hit", "joined", "miss", "off"]


class QueryDispatcher:
    def __init__(self, pool: QueryPool, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings
        self.cache = AnswerCache(settings.sparql_cache_bytes)
        self._slots = asyncio.Semaphore(pool.size)
        self._waiting = 0
        self._running: dict[tuple[str, Job], asyncio.Task[Answer]] = {}
        self._executor = ThreadPoolExecutor(max_workers=pool.size, thread_name_prefix="kb-sparql")
        self.runs = 0  # jobs sent to a worker, for tests and logs

    async def answer(self, job: Job) -> tuple[Answer, Source]:
        """The answer to `job` and where it came from, or the error that refused it."""
        snapshot = published_snapshot(self.settings) if self.cache.enabled else None
        if snapshot is None:
            return await self._run(job), "off"
        cached = self.cache.get(snapshot, job)
        if cached is not None:
            return cached, "hit"
        key = (snapshot, job)
        task = self._running.get(key)
        source: Source = "joined"
        if task is None:
            source = "miss"
            task = asyncio.get_running_loop().create_task(self._run(job))
            self._running[key] = task
            task.add_done_callback(partial(self._finished, key))
        # shield: a client that goes away does not cancel the run the others wait for.
        return await asyncio.shield(task), source

    def _finished(self, key: tuple[str, Job], task: asyncio.Task[Answer]) -> None:
        self._running.pop(key, None)
        if task.cancelled() or task.exception() is not None:
            return  # refusals are not kept: a timeout under load may well pass when the load is gone
        snapshot, job = key
        # An answer finished after a newer snapshot was published is not kept: no key can reach it.
        if published_snapshot(self.settings) == snapshot:
            self.cache.put(snapshot, job, task.result())

    async def _run(self, job: Job) -> Answer:
        settings = self.settings
        if self._slots.locked():
            if self._waiting >= settings.sparql_queue_length:
                raise EndpointBusy(
                    f"{self._waiting} queries already wait for the {self.pool.size} SPARQL workers"
                    " (KB_SPARQL_QUEUE_LENGTH); try again shortly"
                )
            self._waiting += 1
            try:
                async with asyncio.timeout(settings.sparql_queue_timeout):
                    await self._slots.acquire()
            except TimeoutError:
                raise EndpointBusy(
                    f"no SPARQL worker came free within {settings.sparql_queue_timeout:g} s"
                    f" (KB_SPARQL_QUEUE_TIMEOUT; {self.pool.size} workers, KB_SPARQL_WORKERS);"
                    " try again shortly"
                ) from None
            finally:
                self._waiting -= 1
        else:
            await self._slots.acquire()
        try:
            self.runs += 1
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self.pool.run, job)
        finally:
            self._slots.release()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.pool.close()
