"""GET /resource/{path}: minted IRIs described by content negotiation (Turtle, JSON-LD, N-Triples,
RDF/XML, HTML), 404 for IRIs nothing describes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from tests.sparql_server import Server, make_home

BASE = "https://w3id.org/hemekb/id/"
HK = "https://w3id.org/hemekb/ontology#"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home: Path = make_home(tmp_path_factory.mktemp("resource"))
    running = Server(home)
    yield running
    running.stop()


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        (None, "text/turtle", "turtle"),
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_a_paper_is_described_in_each_rdf_format(server, accept, media_type, rdflib_format):
    headers = {"Accept": accept} if accept else {}
    response = server.client.get("/resource/paper/a", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]
    graph = Graph().parse(data=response.text, format=rdflib_format)
    assert (URIRef(BASE + "paper/a"), URIRef(HK + "fileName"), Literal("a.txt")) in graph


def test_a_result_iri_keeps_its_percent_escapes_and_brings_its_statistic(server):
    sparql = server.client.get(
        "/sparql",
        params={
            "query": f"SELECT ?r {{ ?r a <{HK}OutcomeResult> ; <{HK}reportedIn> <{BASE}paper/a> }} LIMIT 1"
        },
    )
    result = sparql.json()["results"]["bindings"][0]["r"]["value"]
    assert "%2F" in result
    response = server.client.get("/resource/" + result[len(BASE) :], headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.text, format="turtle")
    statistic = URIRef(result + "/statistic")
    assert (URIRef(result), URIRef(HK + "statistic"), statistic) in graph
    assert (statistic, URIRef(HK + "value"), None) in graph  # the node minted under the result comes along


def test_browsers_get_a_page_with_links(server):
    response = server.client.get(
        "/resource/paper/a", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>https://w3id.org/hemekb/id/paper/a</h1>" in response.text
    assert 'href="/resource/study/a%2Fown"' in response.text
    assert server.client.get("/resource/paper/a?format=html").headers["content-type"].startswith("text/html")
    as_json = server.client.get("/resource/paper/a?format=jsonld")
    assert isinstance(json.loads(as_json.text), list)


def test_unknown_resources_are_404_in_the_envelope(server):
    response = server.client.get("/resource/paper/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "no resource https://w3id.org/hemekb/id/paper/nope" in response.json()["error"]["message"]
    bad = server.client.get("/resource/paper/a?shape=x")
    assert bad.status_code == 400 and "unknown parameter 'shape'" in bad.json()["error"]["message"]
