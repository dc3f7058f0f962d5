"""GET/POST /sparql: a read-only SPARQL 1.1 endpoint; GET /void: the VoID description of the dataset.

The SPARQL 1.1 protocol over the knowledge base's graph store (kb/sparql does the work):

- query by GET (`?query=`), POST form (`application/x-www-form-urlencoded`, `query=`) and POST direct
  (`application/sparql-query`, UTF-8); `default-graph-uri` / `named-graph-uri` name the dataset
  (without them the default graph is the union of the paper graphs);
- answers in the format of the `format` parameter, else of Accept: SELECT/ASK as SPARQL JSON, XML,
  CSV or TSV; CONSTRUCT/DESCRIBE as Turtle, JSON-LD, N-Triples or RDF/XML;
- GET /sparql without a query: the SPARQL 1.1 Service Description (Turtle unless Accept asks for
  another RDF format);
- refused (400): SPARQL Update (by `update=`, application/sparql-update or in the query), LOAD,
  SERVICE, a query that does not parse (with the parser's message); 406 when no accepted format can
  carry the result; 415 for another request body type;
- limits: each query runs in a worker process that is killed past KB_SPARQL_TIMEOUT seconds (503
  `query_timeout`), and an answer may hold KB_SPARQL_MAX_RESULTS rows or triples (more: 413
  `result_too_large`). Every answer carries both limits in `X-KB-Query-Timeout` and
  `X-KB-Max-Results`; a refusal for a limit also says which in `X-KB-Limit-Hit`. A query longer
  than KB_MAX_REQUEST_BYTES is refused (413 `query_too_long`), one nested too deeply or that
  crashes its worker too (400 `query_too_complex`);
- load: jobs go through kb/sparql/dispatch.py: answers cached per graph snapshot, identical jobs
  run once, and a job waits (bounded) for a free worker rather than being refused at once.

Errors use the one JSON envelope when the client accepts JSON, else the message as text/plain.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse

from api.errors import ErrorEnvelope, error_response
from api.fair_use import admit, budgets_of
from api.security import RequestRefused
from api.templating import TEMPLATES
from kb.errors import KBError
from kb.settings import Settings
from kb.sparql.description import DESCRIPTION_PREFIXES, service_description, void_query
from kb.sparql.dispatch import QueryDispatcher, Source
from kb.sparql.errors import (
    EndpointBusy,
    NotAcceptable,
    OperationRefused,
    ProtocolError,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooComplex,
    QueryTooLong,
    ResourceNotFound,
    ResultTooLarge,
)
from kb.sparql.examples import examples
from kb.sparql.pool import Answer, Job, QueryPool
from kb.sparql.protocol import FORMATS, accepts_json, negotiate, parse_accept, screen_query
from kb.sparql.results import graph_bytes
from kb.store import Dataset

router = APIRouter(tags=["sparql"])

_FORM = "application/x-www-form-urlencoded"
_DIRECT = "application/sparql-query"
_UPDATE = "application/sparql-update"
# `output` and `results` are other names of `format`, as SPARQLWrapper (and Virtuoso, Fuseki) send them.
_FORMAT_NAMES = ("format", "output", "results")
_PROTOCOL_PARAMETERS = {"query", "default-graph-uri", "named-graph-uri", *_FORMAT_NAMES}
MAX_IRI_CHARS = 2000  # of a graph IRI in default-graph-uri / named-graph-uri; no minted graph IRI is near it

# error class -> (status, code, limit named in X-KB-Limit-Hit)
_ERRORS: list[tuple[type[KBError], int, str, str | None]] = [
    (QuerySyntaxError, 400, "invalid_query", None),
    (QueryTooComplex, 400, "query_too_complex", None),
    (QueryTooLong, 413, "query_too_long", None),
    (OperationRefused, 400, "operation_refused", None),
    (NotAcceptable, 406, "not_acceptable", None),
    (ProtocolError, 400, "invalid_request", None),
    (ResultTooLarge, 413, "result_too_large", "results"),
    (QueryTimeout, 503, "query_timeout", "timeout"),
    (EndpointBusy, 503, "endpoint_busy", None),
    (ResourceNotFound, 404, "not_found", None),
]


class UnsupportedMediaType(ProtocolError):
    """A POST body that is neither a form nor a SPARQL query (415)."""


_ERRORS.insert(0, (UnsupportedMediaType, 415, "unsupported_media_type", None))


# ------------------------------------------------------------------------------------------ pool


_pool_lock = threading.Lock()


def query_pool(app: FastAPI) -> QueryPool:
    """The app's worker pool, started on first use (and warmed by `start_sparql`)."""
    with _pool_lock:
        pool = getattr(app.state, "sparql_pool", None)
        if pool is None:
            settings: Settings = app.state.knowledge_base.settings
            pool = QueryPool(settings, size=settings.sparql_workers, timeout=settings.sparql_timeout)
            app.state.sparql_pool = pool
        return pool


def query_dispatcher(app: FastAPI) -> QueryDispatcher:
    """What routes send jobs to: the cache, then a bounded line for the app's worker pool."""
    pool = query_pool(app)
    with _pool_lock:
        dispatcher = getattr(app.state, "sparql_dispatcher", None)
        if dispatcher is None:
            dispatcher = QueryDispatcher(pool, app.state.knowledge_base.settings)
            app.state.sparql_dispatcher = dispatcher
        return dispatcher


def start_sparql(app: FastAPI) -> None:
    """Start the query workers in the background, so that the first query does not wait for them."""
    threading.Thread(target=query_pool(app).warm, name="kb-sparql-warm", daemon=True).start()


def stop_sparql(app: FastAPI) -> None:
    dispatcher = getattr(app.state, "sparql_dispatcher", None)
    if dispatcher is not None:
        dispatcher.close()
    pool = getattr(app.state, "sparql_pool", None)
    if pool is not None:
        pool.close()


# ------------------------------------------------------------------------------------------ helpers


def _limit_headers(settings: Settings) -> dict[str, str]:
    return {
        "X-KB-Query-Timeout": f"{settings.sparql_timeout:g}",
        "X-KB-Max-Results": str(settings.sparql_max_results),
        "Vary": "Accept",
    }


def sparql_error(request: Request, exc: KBError) -> Response:
    """The error response for a refused request: the envelope if JSON is accepted, else plain text."""
    settings: Settings = request.app.state.knowledge_base.settings
    status, code, limit = next(
        ((s, c, hit) for cls, s, c, hit in _ERRORS if isinstance(exc, cls)),
        (500, "knowledge_base_error", None),
    )
    headers = _limit_headers(settings)
    if limit is not None:
        headers["X-KB-Limit-Hit"] = limit
    if status == 503:
        headers["Retry-After"] = "1"
    if accepts_json(request.headers.get("accept")):
        response: Response = error_response(status, code, str(exc))
        response.headers.update(headers)
        return response
    return PlainTextResponse(f"{code}: {exc}\n", status_code=status, headers=headers)


def _one(params: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in params if key == name]
    if len(values) > 1:
        raise ProtocolError(f"{len(values)} '{name}' parameters; send exactly one")
    return values[0] if values else None


def _format(params: list[tuple[str, str]]) -> str | None:
    values = list(dict.fromkeys(value.strip().lower() for key, value in params if key in _FORMAT_NAMES))
    if len(values) > 1:
        raise ProtocolError(f"conflicting formats {', '.join(values)} (format / output / results); send one")
    return values[0] if values else None


def _dataset(params: list[tuple[str, str]]) -> Dataset:
    defaults = [value for key, value in params if key == "default-graph-uri"]
    named = [value for key, value in params if key == "named-graph-uri"]
    for iri in (*defaults, *named):
        if len(iri) > MAX_IRI_CHARS:
            raise ProtocolError(
                f"a graph IRI of {len(iri)} characters in default-graph-uri / named-graph-uri;"
                f" at most {MAX_IRI_CHARS}"
            )
        if not iri.startswith(("http://", "https://", "urn:")) or any(c in iri for c in '<>" {}|\\^`'):
            raise ProtocolError(f"invalid graph IRI {iri!r} in default-graph-uri / named-graph-uri")
    return Dataset(
        default_graphs=tuple(defaults) if defaults else None,
        named_graphs=tuple(named) if named else None,
    )


def _check_parameters(params: list[tuple[str, str]]) -> None:
    if any(key == "update" for key, _ in params):
        raise OperationRefused(
            "SPARQL Update is refused: this endpoint is read-only;"
            " the knowledge base changes only through `kb ingest` and `kb import`"
        )
    unknown = sorted({key for key, _ in params} - _PROTOCOL_PARAMETERS)
    if unknown:
        allowed = ", ".join(sorted(_PROTOCOL_PARAMETERS))
        raise ProtocolError(f"unknown parameter {unknown[0]!r}; allowed: {allowed}")


async def _request_parameters(request: Request) -> list[tuple[str, str]] | tuple[str, list[tuple[str, str]]]:
    """URL parameters for GET; for POST, (query, parameters) by the body's media type."""
    url_params = list(request.query_params.multi_items())
    if request.method in ("GET", "HEAD"):
        return url_params
    content_type = request.headers.get("content-type")
    if not content_type:
        raise ProtocolError(
            "a POST needs a Content-Type: application/x-www-form-urlencoded (query=...)"
            " or application/sparql-query (the query as the body)"
        )
    media, *params = (part.strip() for part in content_type.split(";"))
    media = media.lower()
    charset = next(
        (p.split("=", 1)[1].strip().strip('"').lower() for p in params if p.lower().startswith("charset=")),
        "utf-8",
    )
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(f"the body must be UTF-8; got charset {charset!r}")
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the body is not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    if media == _FORM:
        return url_params + parse_qsl(text, keep_blank_values=True)
    if media == _DIRECT:
        if any(key == "query" for key, _ in url_params):
            raise ProtocolError("a direct POST carries the query in its body, not also in ?query=")
        return ("direct", [("query", text), *url_params])
    if media == _UPDATE:
        raise OperationRefused(
            "SPARQL Update is refused: this endpoint is read-only;"
            " the knowledge base changes only through `kb ingest` and `kb import`"
        )
    raise UnsupportedMediaType(
        f"unsupported Content-Type {media!r}; use {_FORM} (query=...) or {_DIRECT} (the query as the body)"
    )


def _answer_response(
    answer: Answer, settings: Settings, source: Source = "off", accept_encoding: str | None = None
) -> Response:
    headers = _limit_headers(settings)
    headers["X-KB-Results"] = str(answer.results)
    if source != "off":
        headers["X-KB-Cache"] = source
    media_type = answer.media_type
    if media_type.startswith("text/") or media_type.endswith(("json", "+xml")):
        media_type += "; charset=utf-8"
    body = answer.body
    if answer.gzipped is not None:
        headers["Vary"] = "Accept, Accept-Encoding"
        if _accepts_gzip(accept_encoding):
            # Compressed once by the worker; the GZip middleware passes an encoded body through.
            body = answer.gzipped
            headers["Content-Encoding"] = "gzip"
    return Response(content=body, media_type=media_type, headers=headers)


def _accepts_gzip(header: str | None) -> bool:
    for part in (header or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().removeprefix("q=").strip()
            return q == "" or _positive(q)
    return False


def _positive(number: str) -> bool:
    try:
        return float(number) > 0
    except ValueError:
        return False


# ------------------------------------------------------------------------------------------ OpenAPI

# The routes read the request themselves (the protocol allows repeated and alternative parameter
# names), so what they accept and answer is declared here for the OpenAPI description.
# what `format` takes (kb.sparql.protocol.negotiate, case aside): names, media types, aliases
FORMAT_VALUES = dict.fromkeys(v for f in FORMATS for v in (f.name, f.media_type, *f.aliases))
_GRAPH_IRIS = {"type": "array", "items": {"type": "string", "maxLength": MAX_IRI_CHARS}}
_PARAMETERS = [
    {
        "name": "query",
        "in": "query",
        "description": "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE); without it, the service"
        " description.",
        "schema": {"type": "string"},
        "example": "SELECT ?s WHERE { ?s a <https://w3id.org/hemekb/ontology#OutcomeResult> } LIMIT 5",
    },
    {"name": "default-graph-uri", "in": "query", "schema": _GRAPH_IRIS, "explode": True},
    {"name": "named-graph-uri", "in": "query", "schema": _GRAPH_IRIS, "explode": True},
    {
        "name": "format",
        "in": "query",
        "description": f"Answer format: {', '.join(f.name for f in FORMATS)} or a media type;"
        " else Accept decides.",
        # Longer is refused (400) as an unknown format: no format name or media type is this long.
        "schema": {"type": "string", "maxLength": 100, "enum": list(FORMAT_VALUES)},
    },
]
_ANSWERS = {fmt.media_type: {"schema": {}} for fmt in FORMATS}
# `model` lets FastAPI put the error envelope in components/schemas and refer to it there (a
# model_json_schema() here would carry "$defs" references that resolve to nothing in the document)
_ERROR: dict[str, Any] = {"model": ErrorEnvelope, "content": {"text/plain": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The answer, in the negotiated format.", "content": _ANSWERS},
    400: {**_ERROR, "description": "Not a query this endpoint runs (syntax, update, SERVICE, nesting)."},
    404: {**_ERROR, "description": "No such resource."},
    406: {**_ERROR, "description": "No accepted format can carry the result."},
    413: {**_ERROR, "description": "Too many results, or the query or request body is too large."},
    415: {**_ERROR, "description": "A POST body that is neither a form nor a SPARQL query."},
    422: {**_ERROR, "description": "Invalid parameter."},
    429: {**_ERROR, "description": "The client used its query time of the last minute; see Retry-After."},
    503: {**_ERROR, "description": "Past the time limit, or no worker came free in time."},
}
_POST_BODY = {
    "content": {
        _FORM: {
            "schema": {
                "type": "object",
                "properties": {"query": {"type": "string"}, "format": {"type": "string"}},
                "required": ["query"],
            }
        },
        _DIRECT: {"schema": {"type": "string"}},
    }
}


# ------------------------------------------------------------------------------------------ routes


async def _sparql(request: Request) -> Response:
    settings: Settings = request.app.state.knowledge_base.settings
    try:
        got = await _request_parameters(request)
        params = got[1] if isinstance(got, tuple) else got
        _check_parameters(params)
        query = _one(params, "query")
        format_param = _format(params)
        dataset = _dataset(params)
        if query is None:
            if request.method == "POST":
                raise ProtocolError("the POST has no query (query=... in the form body)")
            if dataset.given:
                raise ProtocolError("default-graph-uri / named-graph-uri without a query")
            return _service_description(request, format_param, settings)
        size = len(query.encode("utf-8"))
        if size > settings.max_request_bytes:
            raise QueryTooLong(
                f"the query is {size} bytes; at most {settings.max_request_bytes} are accepted"
                " (KB_MAX_REQUEST_BYTES)"
            )
        screen_query(query)  # refusals (updates, SERVICE, nesting) never wait for a worker
        job = Job(
            query=query,
            dataset=dataset,
            format_param=format_param,
            accept=request.headers.get("accept"),
            max_results=settings.sparql_max_results,
        )
        client = admit(request)  # past its query-time budget: 429 (api/fair_use.py)
        answer, source = await query_dispatcher(request.app).answer(job, budgets_of(request).account(client))
    except KBError as exc:
        return sparql_error(request, exc)
    except RequestRefused as exc:
        return _refusal(request, exc)
    return _answer_response(answer, settings, source, request.headers.get("accept-encoding"))


def _refusal(request: Request, exc: RequestRefused) -> Response:
    """A refusal of the API's own (429 past the budget) in the endpoint's format, as sparql_error."""
    if accepts_json(request.headers.get("accept")):
        response: Response = error_response(exc.status, exc.code, exc.message)
        response.headers.update(exc.headers)
        return response
    return PlainTextResponse(f"{exc.code}: {exc.message}\n", status_code=exc.status, headers=exc.headers)


def _service_description(request: Request, format_param: str | None, settings: Settings) -> Response:
    fmt = negotiate("graph", format_param, request.headers.get("accept"))
    endpoint = str(request.url_for("sparql_get"))
    void_url = str(request.url_for("void"))
    triples = service_description(endpoint, void_url, settings)
    body = graph_bytes(fmt.name, triples, prefixes=DESCRIPTION_PREFIXES)
    return _answer_response(Answer(fmt.media_type, body, 0), settings)


@router.api_route(
    "/sparql",
    methods=["GET", "HEAD"],
    name="sparql_get",
    response_class=Response,
    responses=RESPONSES,
    openapi_extra={"parameters": _PARAMETERS},
)
async def sparql_get(request: Request) -> Response:
    """Run a read-only SPARQL 1.1 query (`?query=`), or describe the service when there is none
    (for a browser: a page with the example queries and a form to run them)."""
    if not request.query_params and _browser(request):
        settings: Settings = request.app.state.knowledge_base.settings
        return without_body(request, HTMLResponse(query_page(str(request.url_for("sparql_get")), settings)))
    return without_body(request, await _sparql(request))


def _browser(request: Request) -> bool:
    """Accept puts HTML first (as browsers do); RDF clients asking for the description never do."""
    ranges = parse_accept(request.headers.get("accept"))
    return bool(ranges) and ranges[0][0] in ("text/html", "application/xhtml+xml")


def without_body(request: Request, response: Response) -> Response:
    """HEAD: the GET answer's status and headers, no body."""
    if request.method != "HEAD":
        return response
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(status_code=response.status_code, headers=headers)


@router.post(
    "/sparql",
    name="sparql_post",
    response_class=Response,
    responses=RESPONSES,
    openapi_extra={"parameters": _PARAMETERS[1:], "requestBody": _POST_BODY},
)
async def sparql_post(request: Request) -> Response:
    """Run a read-only SPARQL 1.1 query sent as a form (`query=`) or directly (application/sparql-query)."""
    return await _sparql(request)


@router.api_route(
    "/void",
    methods=["GET", "HEAD"],
    name="void",
    response_class=Response,
    responses=RESPONSES,
    openapi_extra={"parameters": [_PARAMETERS[-1]]},
)
async def void(request: Request) -> Response:
    """The VoID description of the dataset (Turtle unless Accept or `format` asks for another RDF format)."""
    settings: Settings = request.app.state.knowledge_base.settings
    unknown = sorted(set(request.query_params) - {"format"})
    try:
        if unknown:
            raise ProtocolError(f"unknown parameter {unknown[0]!r}; allowed: format")
        void_url = str(request.url_for("void"))
        query = void_query(void_url + "#dataset", str(request.url_for("sparql_get")), settings)
        job = Job(
            query=query,
            dataset=Dataset(),
            format_param=request.query_params.get("format"),
            accept=request.headers.get("accept"),
            max_results=max(settings.sparql_max_results, 100_000),
        )
        answer, source = await query_dispatcher(request.app).answer(job)
    except KBError as exc:
        return without_body(request, sparql_error(request, exc))
    return without_body(
        request, _answer_response(answer, settings, source, request.headers.get("accept-encoding"))
    )


@router.get("/.well-known/void", include_in_schema=False)
async def well_known_void(request: Request) -> RedirectResponse:
    return RedirectResponse(str(request.url_for("void")), status_code=303)


def query_page(endpoint: str, settings: Settings) -> str:
    """The browser page of /sparql: what the endpoint holds, a query form, the example queries."""
    listed = examples()
    template = TEMPLATES.get_template("sparql.html")
    return template.render(
        endpoint=endpoint, base_iri=settings.base_iri, examples=listed, first=listed[0] if listed else None
    )
