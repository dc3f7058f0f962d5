"""One error envelope for every 4xx/5xx: {"error": {"code", "message", "detail"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from kb.errors import KBError, QueryRefused, StoreBusy
from kb.evidence.reviews import ReviewRefused

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    code: str
    message: str
    detail: Any = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


class UnknownParameter(QueryRefused):
    """A query parameter the route does not have: refused rather than silently ignored."""


# Domain errors -> (status, code); the most specific class wins because subclasses come first.
_DOMAIN_STATUS: list[tuple[type[KBError], int, str]] = [
    (ReviewRefused, 422, "invalid_review"),
    (UnknownParameter, 400, "unknown_parameter"),
    (QueryRefused, 400, "invalid_query"),
    (StoreBusy, 503, "store_busy"),
    (KBError, 500, "knowledge_base_error"),
]
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (400, 404, 405, 422, 500, 503)
}


def error_response(status: int, code: str, message: str, detail: Any = None) -> JSONResponse:
    body = ErrorEnvelope(error=ErrorBody(code=code, message=message, detail=detail))
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"))


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    for cls, status, code in _DOMAIN_STATUS:
        if isinstance(exc, cls):
            if status >= 500:
                log.error("%s %s failed: %s", request.method, request.url.path, exc)
            detail = {"field": exc.field} if isinstance(exc, ReviewRefused) else None
            return error_response(status, code, str(exc), detail)
    raise exc


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"parameter": ".".join(str(part) for part in err["loc"][1:]), "problem": err["msg"]}
        for err in exc.errors()
    ]
    message = "; ".join(f"{p['parameter']}: {p['problem']}" for p in problems) or "invalid request"
    return error_response(422, "invalid_parameter", message, problems)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    response = error_response(exc.status_code, code, str(exc.detail))
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:  # RFC 9110: a 405 lists every method the resource has
        response.headers["Allow"] = ", ".join(_allowed_methods(request))
    return response


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Methods some route on the request's path takes, asked of every route with each method;
    Starlette's own Allow names the first route's only, so a path with a GET and a POST route
    answered "GET, HEAD"."""
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path)
    return error_response(500, "internal_error", f"internal error: {type(exc).__name__}")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KBError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
