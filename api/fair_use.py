"""Fair use of the expensive endpoints (/sparql, /search): a budget of query time per client.

As the Wikidata Query Service does, each client has a budget of query time per minute
(KB_CLIENT_QUERY_SECONDS): a bucket of that many seconds, refilled evenly over a minute. What a
client's queries cost is taken from it: for /sparql the time a worker spent on the query (not the
time it waited for one, nor answers from the cache), for /search the time the search took. A
request from a client whose bucket is empty is refused with 429 `too_many_requests` and
`Retry-After`, the seconds until the bucket holds time again.

A client is its API key when it sends a valid one (KB_API_KEYS), else its address: a made-up key
is not a new client. Clients whose queries of the last minute took more than SLOW_QUERY_SECONDS each
on average, or whose budget is spent, are *heavy*: kb/sparql/dispatch.py lets heavy clients
hold all the SPARQL workers but one, and gives a free worker to the waiting query of a light
client, then of the client with the fewest queries under way; so a client within its budget finds
a worker even while others flood the endpoint.

The budgets are kept in the server process (with `kb serve --workers N`, per process); at most
MAX_CLIENTS clients are remembered, the longest idle forgotten first (a full bucket).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from api.errors import ErrorEnvelope
from api.security import RequestRefused, key_fingerprint, key_matches
from kb.settings import Settings

WINDOW_SECONDS = 60.0
SLOW_QUERY_SECONDS = 1.0  # a client whose queries of the last minute ran this long on average is heavy
MAX_RUNS_KEPT = 256  # per client, for the average
MAX_CLIENTS = 10_000
# For the OpenAPI description of the routes with a budget.
TOO_MANY_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorEnvelope,
        "description": "The client used its query time of the last minute (KB_CLIENT_QUERY_SECONDS);"
        " see Retry-After.",
    }
}


@dataclass
class _Bucket:
    seconds: float  # query time left
    at: float  # when `seconds` was last brought up to date
    running: list[float] = field(default_factory=list)  # start times of its queries under way
    runs: deque[tuple[float, float]] = field(default_factory=deque)  # (end, seconds), last minute


def _spend(bucket: _Bucket, seconds: float) -> None:
    bucket.seconds -= seconds
    bucket.runs.append((bucket.at, seconds))
    if len(bucket.runs) > MAX_RUNS_KEPT:
        bucket.runs.popleft()


class QueryBudgets:
    """Each client's query time left (module docstring); safe to share between threads."""

    def __init__(self, seconds_per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = seconds_per_minute
        self._refill = seconds_per_minute / WINDOW_SECONDS  # seconds of budget per second
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def _bucket(self, client: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = _Bucket(self.capacity, now)
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
        else:
            bucket.seconds = min(self.capacity, bucket.seconds + (now - bucket.at) * self._refill)
            bucket.at = now
            self._buckets.move_to_end(client)
        return bucket

    def retry_after(self, client: str) -> float | None:
        """None if `client` may send a query now, else the seconds until it may."""
        with self._lock:
            bucket = self._bucket(client)
            if bucket.seconds > 0:
                return None
            return (-bucket.seconds) / self._refill if self._refill > 0 else math.inf

    def is_heavy(self, client: str) -> bool:
        """Whether `client`'s queries of the last minute (those under way for the time they have
        run so far) took more than SLOW_QUERY_SECONDS on average, or its budget is spent.

        A minute's memory of what its queries cost, not the bucket's level: a client whose slow
        queries wait in line behind each other refills its bucket meanwhile. And the cost of each
        query, not their sum: a client sending many quick lookups is not the one to keep waiting."""
        with self._lock:
            bucket = self._bucket(client)
            now = bucket.at
            while bucket.runs and bucket.runs[0][0] < now - WINDOW_SECONDS:
                bucket.runs.popleft()
            times = [seconds for _, seconds in bucket.runs] + [now - start for start in bucket.running]
            return bucket.seconds <= 0 or (bool(times) and sum(times) / len(times) > SLOW_QUERY_SECONDS)

    def running(self, client: str) -> int:
        """How many of `client`'s queries are under way."""
        with self._lock:
            return len(self._bucket(client).running)

    def started(self, client: str) -> float:
        """A query of `client` starts; the token to hand to `ended`."""
        with self._lock:
            bucket = self._bucket(client)
            bucket.running.append(bucket.at)
            return bucket.at

    def ended(self, client: str, token: float) -> None:
        """The query started at `token` ended: charge its time."""
        with self._lock:
            bucket = self._bucket(client)
            if token in bucket.running:
                bucket.running.remove(token)
            _spend(bucket, bucket.at - token)

    def charge(self, client: str, seconds: float) -> None:
        """Charge `client` a query of `seconds` that ended now."""
        with self._lock:
            _spend(self._bucket(client), seconds)

    def account(self, client: str) -> ClientAccount:
        return ClientAccount(self, client)


@dataclass
class ClientAccount:
    """One client's side of the budgets, as kb/sparql/dispatch.py asks for it (its Account)."""

    budgets: QueryBudgets
    client: str
    _token: float | None = None

    def heavy(self) -> bool:
        return self.budgets.is_heavy(self.client)

    def running(self) -> int:
        return self.budgets.running(self.client)

    def started(self) -> None:
        self._token = self.budgets.started(self.client)

    def ended(self) -> None:
        if self._token is not None:
            self.budgets.ended(self.client, self._token)
            self._token = None


def client_of(request: Request, settings: Settings) -> str:
    """The API key's fingerprint when the request sends a valid key, else the client's address."""
    keys = settings.api_key_list()
    if keys:
        sent = [request.headers.get("x-api-key", "")]
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            sent.append(authorization[7:].strip())
        for key in sent:
            if key and key_matches(key, keys):
                return "key:" + key_fingerprint(key)
    return "address:" + (request.client.host if request.client else "unknown")


def budgets_of(request: Request) -> QueryBudgets:
    return request.app.state.query_budgets


def admit(request: Request) -> str:
    """The request's client, if its budget allows a query; RequestRefused (429) if not."""
    settings: Settings = request.app.state.knowledge_base.settings
    client = client_of(request, settings)
    wait = budgets_of(request).retry_after(client) if settings.client_query_seconds > 0 else None
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise RequestRefused(
            429,
            "too_many_requests",
            f"this client has used its {settings.client_query_seconds:g} s of query time per minute"
            f" (KB_CLIENT_QUERY_SECONDS); try again in {seconds} s",
            {"Retry-After": str(seconds)},
        )
    return client


def charged_search(request: Request) -> Iterator[None]:
    """A dependency of /search: admit the client, then charge it the time the search took."""
    client = admit(request)
    started = time.monotonic()
    try:
        yield
    finally:
        budgets_of(request).charge(client, time.monotonic() - started)
