"""What the endpoint refuses, and why; api/routes/sparql.py maps each to an HTTP status."""

from __future__ import annotations

from kb.errors import KBError, QueryRefused


class ProtocolError(QueryRefused):
    """The request does not follow the SPARQL 1.1 protocol (400)."""


class OperationRefused(QueryRefused):
    """A SPARQL Update, LOAD or SERVICE: the endpoint is read-only and never calls out (400)."""


class QuerySyntaxError(QueryRefused):
    """The query does not parse; the message is the parser's (400)."""


class QueryTooComplex(QueryRefused):
    """A query nested too deeply, or one whose evaluation crashed its worker process (400).

    pyoxigraph parses and plans recursively: a few thousand nested groups or chained operators
    overflow the worker's stack (SIGSEGV), which a time limit cannot catch.
    """


class QueryTooLong(QueryRefused):
    """A query longer than KB_MAX_REQUEST_BYTES (413)."""


class NotAcceptable(QueryRefused):
    """No format the client accepts can carry this kind of result (406)."""


class QueryTimeout(KBError):
    """The query ran past the time limit; its worker process was killed (503)."""


class ResultTooLarge(KBError):
    """The query has more results than the cap (413)."""


class EndpointBusy(KBError):
    """Every query worker stayed busy for a whole time limit (503)."""


class ResourceNotFound(KBError):
    """A /resource/ IRI nothing in the knowledge base describes (404)."""
