"""Secrets out of the access log: uvicorn logs each request line, query string included.

API keys are taken from headers only (api/security.py), so a key sent as `?api_key=...` is refused,
but uvicorn's access log would still show it in clear. `RedactSecrets`, on the "uvicorn.access"
logger, replaces the value of every query parameter named like a secret (key, token, secret,
password, auth) and any configured key wherever it appears in the logged path.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

REDACTED = "[redacted]"
_SECRET_PARAMETER = re.compile(r"(?i)([?&][^=&#?/]*(?:key|token|secret|passw|auth)[^=&#?/]*)=[^&#]*")


def redact(path: str, keys: Iterable[str] = ()) -> str:
    """`path` with the values of secret-named query parameters and the given keys replaced."""
    path = _SECRET_PARAMETER.sub(rf"\1={REDACTED}", path)
    for key in keys:
        for form in {key, quote(key, safe="")}:
            path = path.replace(form, REDACTED)
    return path


class RedactSecrets(logging.Filter):
    """On "uvicorn.access": the request path (the third argument of its records) redacted."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        super().__init__()
        self.keys = [k for k in keys if k]

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2], self.keys), *args[3:])
        return True


def install(keys: Iterable[str]) -> None:
    """Put one RedactSecrets (with these keys) on uvicorn's access logger, replacing an earlier one."""
    logger = logging.getLogger("uvicorn.access")
    for old in [f for f in logger.filters if isinstance(f, RedactSecrets)]:
        logger.removeFilter(old)
    logger.addFilter(RedactSecrets(keys))
