"""HTTP caching of read endpoints: a validator (ETag) on every successful GET, and 304 when it matches.

The ETag is a digest of the body, so it changes exactly when the answer does (a new ingest, a
different format). It is weak (W/"…") because the gzip middleware may encode the body after this
one has seen it: the two encodings are semantically equal, not byte-equal. Cache-Control comes from
KB_CACHE_MAX_AGE: 0 (the default) lets caches keep answers but makes them revalidate every time,
which is cheap with the ETag and never serves a result from before the latest ingest.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_CACHE_PATHS = ("/health",)


def cache_control(max_age: int) -> str:
    return "no-cache" if max_age <= 0 else f"public, max-age={max_age}"


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored."""
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


class ETagMiddleware:
    def __init__(self, app: ASGIApp, max_age: int = 0) -> None:
        self.app = app
        self.cache_control = cache_control(max_age)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if scope["path"] in NO_CACHE_PATHS:
            await self.app(scope, receive, _with_header(send, "Cache-Control", "no-store"))
            return
        if_none_match = Headers(scope=scope).get("if-none-match", "")
        start: Message | None = None
        passing = False  # True: not a 200, sent as it comes
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                start = message
                passing = message["status"] != 200
                if passing:
                    await send(message)
                return
            if passing or message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(scope=start)
            etag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers["ETag"] = etag
            if "cache-control" not in headers:
                headers["Cache-Control"] = self.cache_control
            vary = {v.strip().lower() for value in headers.getlist("vary") for v in value.split(",")}
            if "accept" not in vary:
                headers.append("Vary", "Accept")
            if if_none_match and etag_matches(if_none_match, etag):
                for name in ("content-length", "content-type", "content-disposition"):
                    if name in headers:
                        del headers[name]
                await send({**start, "status": 304})
                await send({"type": "http.response.body", "body": b""})
                return
            headers["Content-Length"] = str(len(body))
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)


def _with_header(send: Send, name: str, value: str) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message).setdefault(name, value)
        await send(message)

    return sending
