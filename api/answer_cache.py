"""Whole answers of read endpoints kept per version of the data, as a caching proxy would keep them.

Every GET this layer serves is a function of the request and of what the knowledge base holds, and
`KnowledgeBase.data_version()` names the latter (the published graph snapshot and the search index
file's state; every ingest or delete changes them). The version is read before the app answers, so
an answer kept under a version was computed from that version or a newer one: never older. When the
version changes, every kept answer is dropped. Paths whose answers depend on something else are not
kept: /health (live counters), /jobs (the job registry), /sparql (its own cache and time limits),
/comparisons (saved comparisons, and their feeds that keep watch).
The kept answer is the final one (ETag, gzip), keyed also by Accept and Accept-Encoding; a matching
If-None-Match gets 304 from here as it would from the ETag layer; a kept answer says
`X-KB-Cache: hit`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.caching import etag_matches

UNCACHED_PREFIXES = ("/health", "/jobs", "/sparql", "/static", "/comparisons")
# An answer larger than this share of the memory is not kept: it would evict everything else.
LARGEST_SHARE = 4


@dataclass(frozen=True)
class KeptAnswer:
    start: Message
    body: bytes
    etag: str | None


class AnswerStore:
    """Least-recently-used answers of one data version, bounded by the bytes of their bodies."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, ...], KeptAnswer] = OrderedDict()
        self._bytes = 0
        self._version: str | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, version: str, key: tuple[str, ...]) -> KeptAnswer | None:
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._bytes = 0
                self._version = version
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, version: str, key: tuple[str, ...], answer: KeptAnswer) -> None:
        size = len(answer.body)
        with self._lock:
            if version != self._version or size * LARGEST_SHARE > self.max_bytes:
                return
            previous = self._entries.pop(key, None)
            self._bytes -= len(previous.body) if previous else 0
            self._entries[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)


class AnswerCacheMiddleware:
    def __init__(self, app: ASGIApp, data_version: Callable[[], str | None], max_bytes: int) -> None:
        self.app = app
        self.data_version = data_version
        self.answers = AnswerStore(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or self.answers.max_bytes <= 0
            or path.startswith(UNCACHED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        version = self.data_version()
        if version is None:  # a store that cannot name its version (KB_STORE=sparql): nothing is kept
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = (
            path,
            scope.get("query_string", b"").decode("latin-1"),
            headers.get("accept", ""),
            headers.get("accept-encoding", ""),
        )
        kept = self.answers.get(version, key)
        if kept is not None:
            await _replay(kept, headers.get("if-none-match", ""), send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        keep = True

        async def recording(message: Message) -> None:
            nonlocal start, keep
            if message["type"] == "http.response.start":
                # a copy: the layers outside (CORS) add their headers to the message they are sent
                start = {**message, "headers": list(message["headers"])}
                keep = message["status"] == 200 and not headers.get("if-none-match")
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and start is not None:
                    etag = Headers(raw=start["headers"]).get("etag")
                    self.answers.put(version, key, KeptAnswer(start, b"".join(chunks), etag))
            await send(message)

        await self.app(scope, receive, recording)


async def _replay(kept: KeptAnswer, if_none_match: str, send: Send) -> None:
    if kept.etag and if_none_match and etag_matches(if_none_match, kept.etag):
        dropped = {b"content-length", b"content-type", b"content-disposition", b"content-encoding"}
        headers = [(k, v) for k, v in kept.start["headers"] if k.lower() not in dropped]
        await send({**kept.start, "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({**kept.start, "headers": [*kept.start["headers"], (b"x-kb-cache", b"hit")]})
    await send({"type": "http.response.body", "body": kept.body})
