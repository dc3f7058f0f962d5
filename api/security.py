"""API keys for the write endpoints (POST /papers, DELETE /papers/{id}); reads stay open.

Keys come from KB_API_KEYS (several, comma-separated, so a key can be rotated). A client sends one
as `Authorization: Bearer <key>` or `X-API-Key: <key>`. The given key is compared with every
configured key in constant time (hmac.compare_digest, no early exit), and it is never logged,
echoed in an error or stored: uvicorn's access log shows the request line only, and keys are not
accepted in the query string, where it would show them.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.deps import SettingsDep
from api.errors import ErrorEnvelope, error_response
from kb.settings import Settings

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearerKey",
    description="One of the keys in KB_API_KEYS, as `Authorization: Bearer <key>`.",
)
api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="apiKeyHeader",
    description="One of the keys in KB_API_KEYS, as `X-API-Key: <key>`.",
)


# The answers of a route that needs a key, for its OpenAPI description.
KEY_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope, "description": "No API key, or not a valid one (header WWW-Authenticate)."},
    403: {"model": ErrorEnvelope, "description": "Writes are disabled: KB_API_KEYS is not set."},
}


class RequestRefused(Exception):
    """A write request refused before anything was kept; answered in the error envelope."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


async def request_refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestRefused)
    response = error_response(exc.status, exc.code, exc.message)
    response.headers.update(exc.headers)
    return response


def key_matches(given: str, keys: list[str]) -> bool:
    """Whether `given` is one of `keys`, comparing with every key in constant time."""
    given_bytes = given.encode("utf-8")
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given_bytes, key.encode("utf-8"))
    return matched


def require_api_key(
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    header_key: Annotated[str | None, Security(api_key_scheme)],
) -> str:
    """403 while no key is configured, 401 (with WWW-Authenticate) for a missing or wrong key; the
    fingerprint of the configured key the request sent (key_fingerprint), for quotas."""
    return check_api_key(
        settings, [key for key in (bearer.credentials if bearer else None, header_key) if key]
    )


def key_fingerprint(key: str) -> str:
    """A name for a key that does not give it away: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def check_api_key(settings: Settings, given: list[str]) -> str:
    """RequestRefused unless one of `given` (the keys a request sent, empty ones left out) is
    configured; the matching configured key's fingerprint."""
    keys = settings.api_key_list()
    if not keys:
        raise RequestRefused(
            403,
            "writes_disabled",
            "writes over the API are disabled until KB_API_KEYS is set (comma-separated keys)",
        )
    given = [key for key in given if key]
    challenge = {"WWW-Authenticate": 'Bearer realm="hemekb"'}
    if not given:
        raise RequestRefused(
            401,
            "unauthorized",
            "this endpoint needs an API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`",
            challenge,
        )
    matches = [key_matches(key, keys) for key in given]  # a list: every given key is compared
    if not any(matches):
        invalid = {"WWW-Authenticate": 'Bearer realm="hemekb", error="invalid_token"'}
        raise RequestRefused(401, "unauthorized", "the API key is not valid", invalid)
    return key_fingerprint(given[matches.index(True)])
