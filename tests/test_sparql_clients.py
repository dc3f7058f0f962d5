"""Real SPARQL clients against the live endpoint on loopback: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from tests.sparql_server import Server, make_home

HK = "https://w3id.org/hemekb/ontology#"
PAPER_A = URIRef("https://w3id.org/hemekb/id/paper/a")
FILES = f"SELECT ?file WHERE {{ ?p a <{HK}Paper> ; <{HK}fileName> ?file }} ORDER BY ?file"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home: Path = make_home(tmp_path_factory.mktemp("clients"))
    running = Server(home)
    yield running
    running.stop()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_in_json_xml_and_csv(server, method):
    client = SPARQLWrapper(server.endpoint)
    client.setMethod(method)
    client.setQuery(FILES)
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert [row["file"]["value"] for row in rows] == ["a.txt", "b.txt"]
    client.setReturnFormat(XML)
    document = client.queryAndConvert()
    assert [node.firstChild.data for node in document.getElementsByTagName("literal")] == ["a.txt", "b.txt"]
    client.setReturnFormat(CSV)
    assert client.queryAndConvert().decode() == "file\r\na.txt\r\nb.txt\r\n"


def test_sparqlwrapper_ask_and_construct(server):
    client = SPARQLWrapper(server.endpoint)
    client.setQuery(f"ASK {{ <{PAPER_A}> a <{HK}Paper> }}")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True
    client.setQuery(f"CONSTRUCT {{ <{PAPER_A}> ?p ?o }} WHERE {{ <{PAPER_A}> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert (PAPER_A, URIRef(HK + "fileName"), Literal("a.txt")) in graph
    client.setReturnFormat(XML)  # RDF/XML for CONSTRUCT, parsed by SPARQLWrapper into an rdflib graph
    assert (PAPER_A, URIRef(HK + "fileName"), Literal("a.txt")) in client.queryAndConvert()


def test_sparqlwrapper_sees_a_syntax_error_as_a_bad_query(server):
    client = SPARQLWrapper(server.endpoint)
    client.setQuery("SELECT ?x WHERE {")
    client.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="invalid_query"):
        client.queryAndConvert()


def test_rdflib_sparqlstore_queries_and_reads_triples(server):
    store = SPARQLStore(server.endpoint, returnFormat="xml")
    graph = Graph(store=store)
    rows = list(graph.query(FILES))
    assert [str(row.file) for row in rows] == ["a.txt", "b.txt"]
    assert (PAPER_A, URIRef(HK + "fileName"), Literal("a.txt")) in graph
    labels = set(graph.objects(PAPER_A, URIRef(HK + "fileName")))
    assert labels == {Literal("a.txt")}
    assert bool(graph.query(f"ASK {{ <{PAPER_A}> ?p ?o }}").askAnswer) is True
    constructed = graph.query(f"DESCRIBE <{PAPER_A}>").graph
    assert (PAPER_A, URIRef(HK + "fileName"), Literal("a.txt")) in constructed


def test_rdflib_sparqlstore_is_read_only(server):
    store = SPARQLStore(server.endpoint)
    with pytest.raises(TypeError):
        store.add((PAPER_A, URIRef(HK + "fileName"), Literal("x")))
