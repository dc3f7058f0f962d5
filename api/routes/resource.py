"""GET /resource/{path}: the description of a minted IRI, by content negotiation.

Every node the graph mints is `KB_BASE_IRI + path` (paper/…, study/…, result/…, antigen/…). The
base is meant to redirect (303, as w3id.org does) to this server's `/resource/`, where that IRI's
description is answered with 200 in the format Accept asks for: Turtle (the default), JSON-LD,
N-Triples, RDF/XML, or an HTML page for browsers (`?format=` overrides Accept). The description is
the IRI's own triples and those of the nodes minted under it (`…/evidence`, `…/statistic`, …), from
every paper graph. An IRI with no triples is 404. It runs through the SPARQL worker pool, so the
endpoint's time limit applies.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from api.routes.sparql import RESPONSES, query_dispatcher, sparql_error
from kb.errors import KBError
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


@router.get("/resource/{path:path}", name="resource", response_class=Response, responses=_RESPONSES)
async def resource(request: Request, path: str) -> Response:
    """Describe `KB_BASE_IRI + path` as Turtle, JSON-LD, N-Triples, RDF/XML or HTML (by Accept)."""
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
            query=describe_query(iri),
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
        return HTMLResponse(_html_page(iri, triples, settings), headers=headers)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


def _html_term(term: object, settings: Settings) -> str:
    if isinstance(term, NamedNode):
        value = term.value
        href = (
            "/resource/" + value[len(settings.base_iri) :] if value.startswith(settings.base_iri) else value
        )
        return f'<a href="{escape(href)}">{escape(value)}</a>'
    if isinstance(term, Literal):
        return escape(term.value)
    return escape(str(term))


def _html_page(iri: str, triples: list, settings: Settings) -> str:
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
        "</body></html>\n"
    )
