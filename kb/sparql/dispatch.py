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
- Jobs of *heavy* clients (whose queries have been slow, or whose query-time budget is spent:
  api/fair_use.py) may hold all the workers but one; a free worker goes to a waiting job of a light
  client first, then to that of the client with the fewest queries under way (WorkerGate). So a
  client within its budget is answered while others flood the endpoint with queries that run to
  the time limit (tests/test_fair_use.py), instead of waiting behind them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Literal, Protocol

from kb.settings import Settings
from kb.sparql.cache import AnswerCache
from kb.sparql.errors import EndpointBusy
from kb.sparql.pool import Answer, Job, QueryPool
from kb.store import published_snapshot

log = logging.getLogger(__name__)

# Where an answer came from (the X-KB-Cache header): kept from an earlier run on this snapshot, the
# run of an identical job that was under way, a run of its own; "off": no cache for this store.
Source = Literal["hit", "joined", "miss", "off"]


class Account(Protocol):
    """A client's side of the fair-use budgets (api/fair_use.py), as the dispatcher asks for it."""

    def heavy(self) -> bool:
        """Whether the client is heavy (module docstring); asked whenever its job could take a worker."""
        ...

    def running(self) -> int:
        """How many of the client's queries are under way."""
        ...

    def started(self) -> None:
        """The job took a worker."""
        ...

    def ended(self) -> None:
        """The job's run ended (answered or refused): charge its time."""
        ...


class Unaccounted:
    """The account of a job without budgets: never heavy, never charged."""

    def heavy(self) -> bool:
        return False

    def running(self) -> int:
        return 0

    def started(self) -> None:
        pass

    def ended(self) -> None:
        pass


UNACCOUNTED = Unaccounted()


class QueryDispatcher:
    def __init__(self, pool: QueryPool, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings
        self.cache = AnswerCache(settings.sparql_cache_bytes)
        self._gate = WorkerGate(pool.size)
        self._waiting = 0
        self._running: dict[tuple[str, Job], asyncio.Task[Answer]] = {}
        self._executor = ThreadPoolExecutor(max_workers=pool.size, thread_name_prefix="kb-sparql")
        self.runs = 0  # jobs sent to a worker, for tests and logs

    async def answer(self, job: Job, account: Account = UNACCOUNTED) -> tuple[Answer, Source]:
        """The answer to `job` and where it came from, or the error that refused it. `account`: the
        client's budget (module docstring), charged when this request's job runs (not for an answer
        from the cache or a run it joined), also when the run is refused."""
        snapshot = published_snapshot(self.settings) if self.cache.enabled else None
        if snapshot is None:
            return await self._run(job, account), "off"
        cached = self.cache.get(snapshot, job)
        if cached is not None:
            return cached, "hit"
        key = (snapshot, job)
        task = self._running.get(key)
        source: Source = "joined"
        if task is None:
            source = "miss"
            task = asyncio.get_running_loop().create_task(self._run(job, account))
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

    async def _run(self, job: Job, account: Account) -> Answer:
        settings = self.settings
        if not self._gate.may_start(account.heavy()):
            if self._waiting >= settings.sparql_queue_length:
                raise EndpointBusy(
                    f"{self._waiting} queries already wait for the {self.pool.size} SPARQL workers"
                    " (KB_SPARQL_QUEUE_LENGTH); try again shortly"
                )
            self._waiting += 1
            try:
                async with asyncio.timeout(settings.sparql_queue_timeout):
                    ran_heavy = await self._gate.acquire(account)
            except TimeoutError:
                raise EndpointBusy(
                    f"no SPARQL worker came free within {settings.sparql_queue_timeout:g} s"
                    f" (KB_SPARQL_QUEUE_TIMEOUT; {self.pool.size} workers, KB_SPARQL_WORKERS);"
                    " try again shortly"
                ) from None
            finally:
                self._waiting -= 1
        else:
            ran_heavy = await self._gate.acquire(account)
        account.started()
        try:
            self.runs += 1
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self.pool.run, job)
        finally:
            account.ended()
            self._gate.release(ran_heavy)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.pool.close()


class WorkerGate:
    """Who takes a free worker: jobs of light clients first, then those of heavy clients, which may
    hold at most `size - 1` workers at once (all of them if `size` is 1); among equals, the job of
    the client with the fewest queries under way, then the first to come. Whether a job is heavy is
    asked again each time it could start: a client whose query has just run long is heavy for its
    jobs already waiting. Runs on the event loop: no locks."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.busy = 0
        self.busy_heavy = 0
        self._waiters: deque[tuple[Account, asyncio.Future[bool]]] = deque()

    def _room_for(self, heavy: bool) -> bool:
        if self.busy >= self.size:
            return False
        return not heavy or self.size == 1 or self.busy_heavy < self.size - 1

    def may_start(self, heavy: bool) -> bool:
        """Whether a job could take a worker now, no job waiting before it."""
        return not self._waiters and self._room_for(heavy)

    def _take(self, heavy: bool) -> bool:
        self.busy += 1
        self.busy_heavy += heavy
        return heavy

    async def acquire(self, account: Account) -> bool:
        """Wait for a worker; whether the job took it as a heavy one (to hand to `release`)."""
        heavy = account.heavy()
        if self.may_start(heavy):
            return self._take(heavy)
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        entry = (account, waiter)
        self._waiters.append(entry)
        self._wake()  # a worker may be free that the waiting heavy jobs may not take
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release(waiter.result())  # given a worker as it was cancelled: pass it on
            else:
                self._waiters.remove(entry)
            raise

    def release(self, heavy: bool) -> None:
        self.busy -= 1
        self.busy_heavy -= heavy
        self._wake()

    def _wake(self) -> None:
        """Give free workers to waiting jobs, in the order of the class docstring."""
        while self.busy < self.size:
            ranked = sorted(
                ((account.heavy(), account.running(), i), (account, waiter))
                for i, (account, waiter) in enumerate(self._waiters)
                if not waiter.done()
            )
            chosen = next((entry for (heavy, _, _), entry in ranked if self._room_for(heavy)), None)
            if chosen is None:
                return
            self._waiters.remove(chosen)
            chosen[1].set_result(self._take(chosen[0].heavy()))
