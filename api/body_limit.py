"""A cap on request bodies (KB_MAX_REQUEST_BYTES): 413 `request_too_large` in the error envelope.

A body whose Content-Length passes the cap is refused before any of it is read. A body sent without
one (chunked) is counted as the route reads it, and reading stops with the same refusal once it
passes the cap, so no route ever holds more than the cap in memory. Paper uploads (POST /papers)
are exempt: that route streams its body to disk under its own cap (KB_MAX_UPLOAD_BYTES).
"""

from __future__ import annotations

from collections.abc import Collection

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

UPLOAD_ROUTES = (("POST", "/papers"),)


class BodyTooLarge(HTTPException):
    """Raised while a route reads a body past the cap; an HTTPException so FastAPI passes it on."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _message(max_bytes))


def _message(max_bytes: int) -> str:
    return f"the request body is larger than {max_bytes} bytes (KB_MAX_REQUEST_BYTES); refused"


async def body_too_large(request: Request, exc: Exception) -> JSONResponse:
    """BodyTooLarge -> 413 in the one error envelope (registered in api/main.py)."""
    assert isinstance(exc, BodyTooLarge)
    return error_response(413, "request_too_large", str(exc.detail))


class RequestBodyLimit:
    def __init__(
        self, app: ASGIApp, max_bytes: int, exempt: Collection[tuple[str, str]] = UPLOAD_ROUTES
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = set(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"].rstrip("/")) in self.exempt:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await error_response(413, "request_too_large", _message(self.max_bytes))(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge:
            # Read outside a route (by a middleware): answer here, unless an answer has begun.
            if started:
                raise
            await error_response(413, "request_too_large", _message(self.max_bytes))(scope, receive, send)
