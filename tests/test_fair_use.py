"""Fair use of /sparql and /search (api/fair_use.py, kb/sparql/dispatch.py WorkerGate).

The live tests run `kb serve` over the corpus and tell clients apart as the server does, by
address: each client binds its own loopback address (127.0.0.0/8 is all loopback on Linux).
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.fair_use import SLOW_QUERY_SECONDS, QueryBudgets
from kb.sparql.dispatch import WorkerGate
from tests.conftest import LiveServer

# Every triple against every triple against every triple: on the corpus (14,000 triples) it runs
# until the time limit. Each flooding query is new (its number), so no cache or joined run helps.
CROSS_JOIN = "# flood {n}\nSELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }}"
LOOKUP = "PREFIX hk: <https://w3id.org/hemekb/ontology#> SELECT ?p WHERE {{ ?p a hk:Paper }} LIMIT {n}"
TIME_LIMIT = "3"  # KB_SPARQL_TIMEOUT of the flooded server, seconds


class Standing:
    """A client whose standing is fixed: heavy or light, with `running` queries under way."""

    def __init__(self, heavy: bool, running: int = 0) -> None:
        self.is_heavy, self.under_way = heavy, running

    def heavy(self) -> bool:
        return self.is_heavy

    def running(self) -> int:
        return self.under_way

    def started(self) -> None:
        self.under_way += 1

    def ended(self) -> None:
        self.under_way -= 1


HEAVY, LIGHT = Standing(True), Standing(False)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_client_past_its_budget_waits_as_long_as_the_refill_takes():
    clock = Clock()
    budgets = QueryBudgets(30.0, clock=clock)  # 30 s a minute: 0.5 s of budget per second
    assert budgets.retry_after("a") is None
    budgets.charge("a", 40.0)  # one long query: 10 s in debt
    assert budgets.retry_after("a") == pytest.approx(20.0)
    assert budgets.retry_after("b") is None  # another client is not affected
    clock.now = 19.0
    assert budgets.retry_after("a") == pytest.approx(1.0)
    clock.now = 21.0
    assert budgets.retry_after("a") is None
    clock.now = 1000.0  # idle for long: the bucket is full, not more
    budgets.charge("a", 30.0)
    assert budgets.retry_after("a") is not None


def test_a_client_of_slow_queries_is_heavy_for_a_minute_one_of_quick_lookups_is_not():
    clock = Clock()
    budgets = QueryBudgets(30.0, clock=clock)
    for _ in range(200):  # many quick lookups: light, however many
        budgets.charge("lookups", 0.05)
        clock.now += 0.1
    assert not budgets.is_heavy("lookups")
    slow = budgets.account("slow")
    slow.started()  # a query under way counts for the time it has run so far
    assert slow.running() == 1 and not slow.heavy()
    clock.now += SLOW_QUERY_SECONDS + 0.5
    assert slow.heavy()
    slow.ended()
    assert slow.running() == 0 and slow.heavy()
    clock.now += 30  # its bucket is full again, but a minute's memory keeps it heavy
    assert budgets.retry_after("slow") is None and budgets.is_heavy("slow")
    clock.now += 31
    assert not budgets.is_heavy("slow")
    budgets.charge("debtor", 31.0)  # one query past the budget: heavy while in debt
    assert budgets.is_heavy("debtor")


def test_heavy_jobs_leave_a_worker_for_a_light_one():
    async def scenario() -> list[str]:
        gate = WorkerGate(2)
        order: list[str] = []
        heavy = [await gate.acquire(HEAVY)]  # one heavy job runs
        assert heavy == [True]
        second_heavy = asyncio.ensure_future(gate.acquire(HEAVY))
        await asyncio.sleep(0)
        assert not second_heavy.done()  # the last worker is not for heavy jobs
        light = await asyncio.wait_for(gate.acquire(LIGHT), 1)  # a light one takes it at once
        order.append(f"light ran heavy={light}")
        gate.release(light)  # the heavy job still may not take the last worker
        await asyncio.sleep(0)
        assert not second_heavy.done()
        gate.release(True)
        assert await asyncio.wait_for(second_heavy, 1) is True
        order.append("second heavy ran")
        return order

    assert asyncio.run(scenario()) == ["light ran heavy=False", "second heavy ran"]


def start_order(queued: list[tuple[str, Standing]]) -> list[str]:
    """The order in which jobs queued behind a busy single worker (in the order given) start."""

    async def scenario() -> list[str]:
        gate = WorkerGate(1)
        started: list[str] = []
        first = await gate.acquire(LIGHT)

        async def job(name: str, account: Standing) -> None:
            took = await gate.acquire(account)
            started.append(name)
            await asyncio.sleep(0)
            gate.release(took)

        waiting = [asyncio.ensure_future(job(name, account)) for name, account in queued]
        await asyncio.sleep(0)
        gate.release(first)
        await asyncio.gather(*waiting)
        return started

    return asyncio.run(scenario())


def test_a_waiting_light_job_goes_before_a_heavy_one_that_came_first():
    assert start_order([("heavy", Standing(True)), ("light", Standing(False))]) == ["light", "heavy"]


def test_among_light_jobs_the_client_with_fewest_queries_under_way_goes_first():
    queued = [("busy", Standing(False, running=1)), ("quiet", Standing(False))]
    assert start_order(queued) == ["quiet", "busy"]


def test_a_cancelled_wait_gives_its_worker_to_the_next_job():
    async def scenario() -> bool:
        gate = WorkerGate(1)
        first = await gate.acquire(LIGHT)
        cancelled = asyncio.ensure_future(gate.acquire(LIGHT))
        after = asyncio.ensure_future(gate.acquire(LIGHT))
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.sleep(0)
        gate.release(first)
        took = await asyncio.wait_for(after, 1)
        return took is False and gate.busy == 1

    assert asyncio.run(scenario())


def client_from(server: LiveServer, address: str, timeout: float = 60) -> httpx.Client:
    """A client of `server` whose connections come from `address` (a loopback address)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.url, transport=transport, timeout=timeout)


@pytest.fixture(scope="module")
def flooded_server(corpus_home: Path) -> Iterator[LiveServer]:
    server = LiveServer(corpus_home, timeout=60, KB_SPARQL_TIMEOUT=TIME_LIMIT)
    yield server
    server.stop()


def test_a_client_within_its_budget_is_answered_while_six_others_flood_sparql(flooded_server):
    stop = threading.Event()
    flood_answers: list[httpx.Response] = []

    def flood(address: str, first: int) -> None:
        with client_from(flooded_server, address) as client:
            n = first
            while not stop.is_set():
                answer = client.get("/sparql", params={"query": CROSS_JOIN.format(n=n)})
                flood_answers.append(answer)
                n += 1
                if answer.status_code == 429:  # a flooder that does not wait as told
                    time.sleep(0.2)

    flooders = [
        threading.Thread(target=flood, args=(f"127.0.0.{2 + i}", 1000 * i + copy), daemon=True)
        for i in range(6)
        for copy in range(2)  # two queries at a time from each flooding client
    ]
    for thread in flooders:
        thread.start()
    time.sleep(1.0)  # the flood is under way: every worker busy, queries waiting
    latencies, statuses = [], []
    try:
        with client_from(flooded_server, "127.0.0.20") as normal:
            deadline = time.monotonic() + 30
            n = 1
            while time.monotonic() < deadline:
                started = time.monotonic()
                answer = normal.get("/sparql", params={"query": LOOKUP.format(n=n), "format": "json"})
                latencies.append(time.monotonic() - started)
                statuses.append(answer.status_code)
                n += 1
                time.sleep(0.2)
    finally:
        stop.set()
        for thread in flooders:
            thread.join(timeout=60)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    assert set(statuses) == {200}, statuses
    assert p95 < 1.0, f"p95 {p95:.2f} s over {len(latencies)} lookups: {sorted(latencies)[-5:]}"
    assert {a.status_code for a in flood_answers} <= {429, 503}  # timed out, or refused for a while


def test_search_past_the_budget_is_refused_with_retry_after_for_that_client_only(corpus_home):
    server = LiveServer(corpus_home, KB_CLIENT_QUERY_SECONDS="0.2", KB_RESPONSE_CACHE_BYTES="0")
    try:
        with client_from(server, "127.0.0.30") as greedy, client_from(server, "127.0.0.31") as other:
            answers = []
            for n in range(40):  # new questions: each is a search of its own
                answer = greedy.get("/search", params={"q": f"overall survival after CAR-T {n}"})
                answers.append(answer)
                if answer.status_code == 429:
                    break
            refused = answers[-1]
            assert refused.status_code == 429, [a.status_code for a in answers]
            assert refused.json()["error"]["code"] == "too_many_requests"
            assert int(refused.headers["retry-after"]) >= 1
            assert (
                other.get("/search", params={"q": "complete remission with blinatumomab"}).status_code == 200
            )
            assert greedy.get("/health").status_code == 200  # only the expensive endpoints are budgeted
    finally:
        server.stop()


def test_sparql_past_the_budget_is_refused_with_retry_after_in_the_endpoint_format(corpus_home):
    server = LiveServer(corpus_home, KB_SPARQL_TIMEOUT="1", KB_CLIENT_QUERY_SECONDS="2")
    try:
        with client_from(server, "127.0.0.40") as greedy, client_from(server, "127.0.0.41") as other:
            statuses = []
            for n in range(6):
                answer = greedy.get(
                    "/sparql", params={"query": CROSS_JOIN.format(n=n)}, headers={"Accept": "text/csv"}
                )
                statuses.append(answer.status_code)
                if answer.status_code == 429:
                    break
            assert statuses[-1] == 429 and set(statuses[:-1]) == {503}, statuses  # each ran to the limit
            assert answer.headers["content-type"].startswith("text/plain")  # the client takes no JSON
            assert answer.text.startswith("too_many_requests: ") and "KB_CLIENT_QUERY_SECONDS" in answer.text
            wait = int(answer.headers["retry-after"])
            assert 1 <= wait <= 60, wait  # 2 s a minute: a second of debt is paid back in 30 s
            lookup = LOOKUP.format(n=1)
            assert other.get("/sparql", params={"query": lookup}).status_code == 200
    finally:
        server.stop()
