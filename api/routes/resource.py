"""GET /resource/{path}: the description of a minted IRI, by content negotiation.

Every node the graph mints is `KB_BASE_IRI + path` (paper/…, study/…, result/…, antigen/…). The
base is meant to redirect (303, as w3id.org does) to this server's `/resource/`, where that IRI's
description is answered with 200 in the format Accept asks for: Turtle (the default), JSON-LD,
N-Triples, RDF/XML, or an HTML page for browsers (`?format=` overrides Accept). The description is
the IRI's own triples and those of the nodes minted under it (`…/evidence`, `…/statistic`, …), from
every paper graph. An IRI with no triples is 404. It runs through the SPARQL worker pool, so the
endpoint's time limit applies.

A concept's page (antigen/CD19, intervention/blinatumomab, ...) also lists the results that use it.
`GET /ontology` serves the ontology graph the same way (hash IRIs such as hk:Endpoint_OS resolve
to an anchor of its HTML page), and `KB_BASE_IRI`'s own path (and `/id/`) answers 303 to
`/resource/`. HEAD answers as GET, without a body.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote, unquote, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from api.routes.sparql import RESPONSES, query_dispatcher, sparql_error, without_body
from kb.errors import KBError
from kb.model.rdf_mapping import HK, concept_label
from kb.model.vocabulary_graphs import ONTOLOGY_GRAPH, SCHEMES
from kb.settings import Settings
from kb.sparql.errors import NotAcceptable, ProtocolError, ResourceNotFound
from kb.sparql.pool import Job
from kb.sparql.protocol import negotiate, parse_accept
from kb.store import Dataset

router = APIRouter(tags=["resource"])


def describe_query(iri: str) -> str:
    """The IRI's triples and those of the nodes minted under it, one or two links away."""
    node = NamedNode(iri)
    below = str(Literal(iri + "/"))
    return f"""CONSTRUCT {{ {node} ?p ?o . ?x ?xp ?xo . ?y ?yp ?yo }} WHERE {{
  {{ {node} ?p ?o }}
  UNION {{ {node} ?p1 ?x . FILTER(isIRI(?x) && STRSTARTS(STR(?x), {below})) ?x ?xp ?xo }}
  UNION {{ {node} ?p1 ?x . ?x ?p2 ?y .
           FILTER(isIRI(?y) && STRSTARTS(STR(?x), {below}) && STRSTARTS(STR(?y), {below})) ?y ?yp ?yo }}
}}"""


def graph_query(iri: str) -> str:
    """The triples of the named graph `iri`."""
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {NamedNode(iri)} {{ ?s ?p ?o }} }}"


def _wants_html(request: Request) -> bool:
    if "format" in request.query_params:
        return request.query_params["format"].lower() in ("html", "text/html")
    for media, _ in parse_accept(request.headers.get("accept")):
        if media in ("text/html", "application/xhtml+xml"):
            return True
        if media in ("*/*", "text/*"):
            return False
        try:
            negotiate("graph", None, media)
            return False
        except NotAcceptable:
            continue
    return False


_RESPONSES = {
    **RESPONSES,
    200: {
        "description": "The description of the IRI, in the negotiated RDF format or as HTML.",
        "content": {**RESPONSES[200]["content"], "text/html": {"schema": {"type": "string"}}},
    },
}


@router.api_route(
    "/resource/{path:path}",
    methods=["GET", "HEAD"],
    name="resource",
    response_class=Response,
    responses=_RESPONSES,
)
async def resource(request: Request, path: str) -> Response:
    """Describe `KB_BASE_IRI + path` as Turtle, JSON-LD, N-Triples, RDF/XML or HTML (by Accept)."""
    return without_body(request, await _resource(request, path))


async def _resource(request: Request, path: str) -> Response:
    settings: Settings = request.app.state.knowledge_base.settings
    # The raw path keeps percent-escapes (result/003_test%2Fr1): they are part of the minted IRI.
    raw = request.scope.get("raw_path", b"").decode("ascii", "replace")
    local = raw.split("/resource/", 1)[1] if "/resource/" in raw else path
    iri = settings.base_iri + local
    try:
        unknown = sorted(set(request.query_params) - {"format"})
        if unknown:
            raise ProtocolError(f"unknown parameter {unknown[0]!r}; allowed: format")
        if not local or any(c in local for c in '<>"{}|\\^` '):
            raise ProtocolError(f"not a resource path: {local!r}")
        html = _wants_html(request)
        job = Job(
            # a paper graph's IRI is the named graph: its description is the graph itself
            query=graph_query(iri) if local.startswith("graph/") else describe_query(iri),
            dataset=Dataset(),
            format_param="ntriples" if html else request.query_params.get("format"),
            accept=request.headers.get("accept"),
            max_results=settings.sparql_max_results,
        )
        answer, _ = await query_dispatcher(request.app).answer(job)
        if answer.results == 0:
            raise ResourceNotFound(
                f"no resource {iri}: nothing in the knowledge base is described by this IRI"
            )
    except KBError as exc:
        return sparql_error(request, exc)
    headers = {"Vary": "Accept", "Link": f'<{iri}>; rel="describes"'}
    if html:
        triples = list(parse(answer.body, format=RdfFormat.N_TRIPLES))
        users = await _results_using(request, iri, local, settings)
        return HTMLResponse(_html_page(iri, triples, settings, users), headers=headers)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


# The concept kinds whose IRIs are KB_BASE_IRI + kind/id; each is also the name of its /outcomes
# filter. (Endpoints are ontology individuals, described on /ontology.)
_CONCEPT_KINDS = frozenset(SCHEMES) - {"endpoint"}
_USERS_SHOWN = 50


async def _results_using(request: Request, iri: str, local: str, settings: Settings) -> str:
    """For a concept: how many results point at it, links to the first ones and to /outcomes."""
    kind, _, concept_id = local.partition("/")
    if kind not in _CONCEPT_KINDS or not concept_id or "/" in concept_id:
        return ""
    node = NamedNode(iri)
    job = Job(
        # a result points at its concepts; at a design, through its study
        query=f"SELECT DISTINCT ?result WHERE {{ ?result a <{HK}OutcomeResult> ."
        f" {{ ?result ?link {node} }} UNION {{ ?result <{HK}study> ?study . ?study ?studyLink {node} }} }}"
        " ORDER BY ?result",
        dataset=Dataset(),
        format_param="tsv",
        accept=None,
        max_results=settings.sparql_max_results,
    )
    try:
        answer, _ = await query_dispatcher(request.app).answer(job)
    except KBError:
        return ""
    found = [line.strip()[1:-1] for line in answer.body.decode("utf-8").splitlines()[1:] if line.strip()]
    items = "\n".join(f"<li>{_html_term(NamedNode(r), settings)}</li>" for r in found[:_USERS_SHOWN])
    more = f"<p>… and {len(found) - _USERS_SHOWN} more.</p>" if len(found) > _USERS_SHOWN else ""
    # the design filter matches the stated design's words ("phase III" finds the randomised ones too)
    value = concept_label("design", unquote(concept_id)) if kind == "design" else unquote(concept_id)
    query = quote(kind) + "=" + quote(value)
    return (
        f"<h2>Results that use it ({len(found)})</h2>\n"
        f'<p><a href="/outcomes?{query}">as JSON (/outcomes?{escape(unquote(query))})</a> ·'
        f' <a href="/?{query}">on the web page</a></p>\n<ul>\n{items}\n</ul>\n{more}'
    )


@router.api_route(
    "/ontology", methods=["GET", "HEAD"], name="ontology", response_class=Response, responses=_RESPONSES
)
async def ontology(request: Request) -> Response:
    """The hemekb ontology (classes, properties, endpoints) as Turtle, JSON-LD, N-Triples, RDF/XML or HTML."""
    settings: Settings = request.app.state.knowledge_base.settings
    try:
        unknown = sorted(set(request.query_params) - {"format"})
        if unknown:
            raise ProtocolError(f"unknown parameter {unknown[0]!r}; allowed: format")
        html = _wants_html(request)
        job = Job(
            query=f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {ONTOLOGY_GRAPH} {{ ?s ?p ?o }} }}",
            dataset=Dataset(),
            format_param="ntriples" if html else request.query_params.get("format"),
            accept=request.headers.get("accept"),
            max_results=max(settings.sparql_max_results, 100_000),
        )
        answer, _ = await query_dispatcher(request.app).answer(job)
        if answer.results == 0:
            raise ResourceNotFound("the ontology is not in the store yet: run `kb ingest` once")
    except KBError as exc:
        return without_body(request, sparql_error(request, exc))
    headers = {"Vary": "Accept", "Link": f'<{ONTOLOGY_GRAPH.value}>; rel="describes"'}
    if html:
        triples = list(parse(answer.body, format=RdfFormat.N_TRIPLES))
        return without_body(request, HTMLResponse(_ontology_page(triples, settings), headers=headers))
    return without_body(request, Response(answer.body, media_type=answer.media_type, headers=headers))


def _ontology_page(triples: list, settings: Settings) -> str:
    """One section per term, anchored by its local name, so that hk:X resolves to /ontology#X."""
    by_subject: dict[str, list] = {}
    for t in triples:
        by_subject.setdefault(t.subject.value, []).append(t)
    sections = []
    for subject in sorted(by_subject, key=lambda s: (s != ONTOLOGY_GRAPH.value, s)):
        anchor = subject.rpartition("#")[2] if "#" in subject else "ontology"
        rows = "\n".join(
            f"<tr><td>{_html_term(t.predicate, settings)}</td><td>{_html_term(t.object, settings)}</td></tr>"
            for t in sorted(by_subject[subject], key=lambda t: (str(t.predicate), str(t.object)))
        )
        sections.append(
            f'<section id="{escape(anchor)}"><h2>{escape(subject)}</h2>\n<table>\n{rows}\n</table></section>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>hemekb ontology</title></head>'
        "<body>\n<h1>hemekb ontology</h1>\n<p>Also as <code>text/turtle</code>,"
        " <code>application/ld+json</code>, <code>application/n-triples</code> and"
        " <code>application/rdf+xml</code> by Accept.</p>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


async def see_resource(request: Request) -> Response:
    """303 from an IRI under KB_BASE_IRI's own path (or /id/) to its description under /resource/."""
    local = request.path_params["path"]
    target = "/resource/" + local + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(target, status_code=303)


def base_paths(settings: Settings) -> list[str]:
    """The paths at which minted IRIs arrive when KB_BASE_IRI points at this server: its own path
    (e.g. /hemekb/id/) and the documented short form /id/."""
    own = urlsplit(settings.base_iri).path or "/"
    return [p for p in dict.fromkeys([own, "/id/"]) if p not in ("/", "/resource/")]


def _html_term(term: object, settings: Settings) -> str:
    if isinstance(term, NamedNode):
        value = term.value
        if value.startswith(settings.base_iri):
            href = "/resource/" + value[len(settings.base_iri) :]
        elif value.startswith(HK) or value == ONTOLOGY_GRAPH.value:
            href = "/ontology" + (value[len(HK) - 1 :] if value.startswith(HK) else "")
        else:
            href = value
        return f'<a href="{escape(href)}">{escape(value)}</a>'
    if isinstance(term, Literal):
        language = (
            f' <small lang="{escape(term.language)}">@{escape(term.language)}</small>'
            if term.language
            else ""
        )
        return escape(term.value) + language
    return escape(str(term))


def _html_page(iri: str, triples: list, settings: Settings, users: str = "") -> str:
    rows = "\n".join(
        f"<tr><td>{_html_term(t.subject, settings)}</td><td>{_html_term(t.predicate, settings)}</td>"
        f"<td>{_html_term(t.object, settings)}</td></tr>"
        for t in sorted(triples, key=lambda t: (t.subject.value != iri, str(t.subject), str(t.predicate)))
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(iri)}</title></head><body>\n<h1>{escape(iri)}</h1>\n"
        "<p>Also as <code>text/turtle</code>, <code>application/ld+json</code>,"
        " <code>application/n-triples</code> and <code>application/rdf+xml</code> by Accept.</p>\n"
        f"<table>\n<tr><th>subject</th><th>property</th><th>value</th></tr>\n{rows}\n</table>\n"
        f"{users}</body></html>\n"
    )
