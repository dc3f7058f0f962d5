"""/sparql against the SPARQL 1.1 protocol: the W3C protocol test cases, in spirit, on a live server.

Each case of w3c/rdf-tests sparql/sparql11/protocol/manifest.ttl is named in its test id. The W3C
cases load kasei.us graphs; here the graphs are two paper graphs of a small knowledge base (a.txt and
b.txt), which play data1 and data2. Update cases are expected to be refused: the endpoint is read-only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef

from tests.sparql_server import Server, make_home

BASE = "https://w3id.org/hemekb/id/"
G1, G2 = BASE + "graph/a", BASE + "graph/b"
P1, P2 = BASE + "paper/a", BASE + "paper/b"
HK = "https://w3id.org/hemekb/ontology#"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_home(tmp_path_factory.mktemp("sparql"))


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[Server]:
    running = Server(home)
    yield running
    running.stop()


def boolean(response) -> bool:
    assert response.status_code == 200, response.text
    content_type = response.headers["content-type"]
    if content_type.startswith("application/sparql-results+json"):
        return response.json()["boolean"]
    assert content_type.startswith("application/sparql-results+xml"), content_type
    return "<boolean>true</boolean>" in response.text


ASK_BOTH_DEFAULT = f"ASK {{ <{P1}> a ?type . <{P2}> a ?type . }}"
ASK_BOTH_NAMED = f"ASK {{ GRAPH ?g1 {{ <{P1}> a ?type }} GRAPH ?g2 {{ <{P2}> a ?type }} }}"

# ------------------------------------------------------------------------------------------ positive


def test_query_get(server):
    assert boolean(server.client.get("/sparql", params={"query": "ASK {}"})) is True


def test_query_post_form(server):
    # The default graph named in the URL, the query in the form body.
    response = server.client.post(
        f"/sparql?default-graph-uri={G1}",
        content="query=ASK%20%7B%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert boolean(response) is True


def test_query_post_direct(server):
    response = server.client.post(
        "/sparql", content="ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    assert boolean(response) is True


def test_query_dataset_default_graphs_get(server):
    params = [("query", ASK_BOTH_DEFAULT), ("default-graph-uri", G1), ("default-graph-uri", G2)]
    assert boolean(server.client.get("/sparql", params=params)) is True
    # Only one of the two graphs as the default graph: the other paper is not in it.
    assert (
        boolean(server.client.get("/sparql", params=[("query", ASK_BOTH_DEFAULT), ("default-graph-uri", G1)]))
        is False
    )


def test_query_dataset_default_graphs_post(server):
    response = server.client.post(
        f"/sparql?default-graph-uri={G1}&default-graph-uri={G2}",
        content=ASK_BOTH_DEFAULT,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert boolean(response) is True


def test_query_dataset_named_graphs_post(server):
    response = server.client.post(
        f"/sparql?named-graph-uri={G1}&named-graph-uri={G2}",
        content=ASK_BOTH_NAMED,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert boolean(response) is True


def test_query_dataset_named_graphs_get(server):
    params = [("query", ASK_BOTH_NAMED), ("named-graph-uri", G1), ("named-graph-uri", G2)]
    assert boolean(server.client.get("/sparql", params=params)) is True
    only_one = [("query", ASK_BOTH_NAMED), ("named-graph-uri", G1)]
    assert boolean(server.client.get("/sparql", params=only_one)) is False  # P2 is only in G2


def test_query_dataset_full(server):
    query = f"ASK {{ <{P1}> a ?type GRAPH ?g2 {{ <{P2}> a ?type }} }}"
    response = server.client.post(
        f"/sparql?default-graph-uri={G1}&named-graph-uri={G2}",
        content=query,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert boolean(response) is True
    # The default graph is G1 only: P2's triples are reachable only through GRAPH.
    wrong = f"ASK {{ <{P2}> a ?type }}"
    params = [("query", wrong), ("default-graph-uri", G1), ("named-graph-uri", G2)]
    assert boolean(server.client.get("/sparql", params=params)) is False


def test_query_multiple_dataset(server):
    # A protocol dataset overrides the query's own FROM clause.
    query = f"ASK FROM <{G2}> {{ <{P1}> a ?type }}"
    assert boolean(server.client.get("/sparql", params={"query": query})) is False
    assert boolean(server.client.get("/sparql", params=[("query", query), ("default-graph-uri", G1)])) is True


def test_without_a_dataset_the_default_graph_is_the_union_of_the_papers(server):
    assert boolean(server.client.get("/sparql", params={"query": ASK_BOTH_DEFAULT})) is True
    # and FROM in the query is honoured when the protocol names no dataset
    assert (
        boolean(server.client.get("/sparql", params={"query": f"ASK FROM <{G1}> {{ <{P1}> a ?t }}"})) is True
    )


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        (
            "SELECT ?s WHERE { ?s a ?t } LIMIT 1",
            "application/sparql-results+xml",
            "application/sparql-results+xml",
        ),
        (
            "SELECT ?s WHERE { ?s a ?t } LIMIT 1",
            "application/sparql-results+json",
            "application/sparql-results+json",
        ),
        ("SELECT ?s WHERE { ?s a ?t } LIMIT 1", "text/csv", "text/csv"),
        ("SELECT ?s WHERE { ?s a ?t } LIMIT 1", "text/tab-separated-values", "text/tab-separated-values"),
        ("SELECT ?s WHERE { ?s a ?t } LIMIT 1", "application/json", "application/sparql-results+json"),
        ("SELECT ?s WHERE { ?s a ?t } LIMIT 1", None, "application/sparql-results+json"),
        ("ASK {}", "application/sparql-results+xml", "application/sparql-results+xml"),
        ("ASK {}", "*/*", "application/sparql-results+json"),
        (f"DESCRIBE <{P1}>", "text/turtle", "text/turtle"),
        (f"DESCRIBE <{P1}>", "application/rdf+xml", "application/rdf+xml"),
        ("CONSTRUCT WHERE { ?s a ?t }", "application/n-triples", "application/n-triples"),
        ("CONSTRUCT WHERE { ?s a ?t }", "application/ld+json", "application/ld+json"),
        ("CONSTRUCT WHERE { ?s a ?t }", "text/html,application/xhtml+xml,*/*;q=0.8", "text/turtle"),
        ("CONSTRUCT WHERE { ?s a ?t }", "application/rdf+xml;q=0.5, text/turtle", "text/turtle"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_query_content_type(server, query, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = server.client.get("/sparql", params={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Accept" in response.headers["vary"]


def test_result_formats_carry_the_same_answer(server):
    query = f"SELECT ?file WHERE {{ ?p a <{HK}Paper> ; <{HK}fileName> ?file }} ORDER BY ?file"
    get = lambda fmt: server.client.get("/sparql", params={"query": query, "format": fmt})  # noqa: E731
    as_json = [b["file"]["value"] for b in get("json").json()["results"]["bindings"]]
    assert as_json == ["a.txt", "b.txt"]
    assert get("csv").text == "file\r\na.txt\r\nb.txt\r\n"
    assert get("tsv").text == '?file\n"a.txt"\n"b.txt"\n'
    assert get("xml").text.count("<literal>") == 2
    assert get("json").headers["x-kb-results"] == "2"


def test_graph_answers_parse_in_every_rdf_format(server):
    query = f"DESCRIBE <{P1}>"
    sizes = set()
    for fmt, rdflib_format in [
        ("turtle", "turtle"),
        ("jsonld", "json-ld"),
        ("ntriples", "nt"),
        ("rdfxml", "xml"),
    ]:
        response = server.client.get("/sparql", params={"query": query, "format": fmt})
        assert response.status_code == 200, response.text
        graph = Graph().parse(data=response.text, format=rdflib_format)
        assert (URIRef(P1), URIRef(HK + "fileName"), None) in graph
        sizes.add(len(graph))
    assert len(sizes) == 1


def test_service_description(server):
    response = server.client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    service = URIRef(server.endpoint)
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = {str(o) for o in graph.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    as_jsonld = server.client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert as_jsonld.headers["content-type"].startswith("application/ld+json")


def test_void_description(server):
    response = server.client.get("/void")
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef(server.url + "/void#dataset")
    triples = graph.value(dataset, VOID.triples)
    health = server.client.get("/health").json()
    assert int(triples) > 100
    assert (dataset, VOID.sparqlEndpoint, URIRef(server.endpoint)) in graph
    subsets = set(graph.objects(dataset, VOID.subset))
    # the paper graphs, the ontology and one graph per vocabulary: disjoint, so their sizes add up
    assert {URIRef(G1), URIRef(G2), URIRef("https://w3id.org/hemekb/ontology")} <= subsets
    assert URIRef(BASE + "vocabulary/antigen") in subsets
    assert sum(int(graph.value(s, VOID.triples)) for s in subsets) == int(triples)
    properties = {
        graph.value(p, VOID.property): int(graph.value(p, VOID.triples))
        for p in graph.objects(dataset, VOID.propertyPartition)
    }
    assert properties[URIRef(HK + "endpoint")] == health["records"]
    examples = set(graph.objects(dataset, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")))
    assert len(examples) >= 15  # the example queries, with their text (sh:select, ...)
    select = URIRef("http://www.w3.org/ns/shacl#select")
    assert sum(1 for e in examples if "SELECT" in str(graph.value(e, select))) >= 15
    partitions = {
        graph.value(p, VOID["class"]): int(graph.value(p, VOID.entities))
        for p in graph.objects(dataset, VOID.classPartition)
    }
    assert partitions[URIRef(HK + "OutcomeResult")] == health["records"]
    assert server.client.get("/.well-known/void", follow_redirects=False).status_code == 303


# ------------------------------------------------------------------------------------------ negative


def assert_refused(response, status: int, code: str, message_part: str = "") -> None:
    assert response.status_code == status, response.text
    if response.headers["content-type"].startswith("application/json"):
        body = response.json()
        assert set(body) == {"error"} and body["error"]["code"] == code
        assert message_part in body["error"]["message"]
    else:
        assert response.text.startswith(code) and message_part in response.text


def test_bad_query_method(server):
    response = server.client.put(f"/sparql?query=ASK%20%7B%7D&default-graph-uri={G1}")
    assert_refused(response, 405, "method_not_allowed")


def test_bad_multiple_queries(server):
    response = server.client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert_refused(response, 400, "invalid_request", "2 'query' parameters")


def test_bad_query_wrong_media_type(server):
    response = server.client.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"})
    assert_refused(response, 415, "unsupported_media_type", "unsupported Content-Type 'text/plain'")


def test_bad_query_missing_form_type(server):
    response = server.client.post("/sparql", content="query=ASK%20%7B%7D")
    assert_refused(response, 400, "invalid_request", "needs a Content-Type")


def test_bad_query_missing_direct_type(server):
    response = server.client.post("/sparql", content="ASK {}")
    assert_refused(response, 400, "invalid_request", "needs a Content-Type")


def test_bad_query_non_utf8(server):
    response = server.client.post(
        "/sparql",
        content="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert_refused(response, 400, "invalid_request", "must be UTF-8")
    undeclared = server.client.post(
        "/sparql", content=b"ASK { \xff }", headers={"Content-Type": "application/sparql-query"}
    )
    assert_refused(undeclared, 400, "invalid_request", "not valid UTF-8")


def test_bad_query_syntax(server):
    response = server.client.get("/sparql?query=ASK%20%7B")
    assert_refused(response, 400, "invalid_query", "error at 1:6")


def test_syntax_errors_are_plain_text_for_clients_that_do_not_accept_json(server):
    response = server.client.get(
        "/sparql", params={"query": "SELECT ?x WHERE {"}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("invalid_query: error at")


@pytest.mark.parametrize(
    ("request_args", "message_part"),
    [
        (
            {"method": "GET", "url": "/sparql?update=CLEAR%20ALL"},
            "SPARQL Update is refused",
        ),  # bad_update_get
        (  # update_post_form: refused, the endpoint is read-only
            {
                "method": "POST",
                "url": "/sparql",
                "content": "update=CLEAR+ALL",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            "SPARQL Update is refused",
        ),
        (  # update_post_direct
            {
                "method": "POST",
                "url": "/sparql",
                "content": "CLEAR ALL",
                "headers": {"Content-Type": "application/sparql-update"},
            },
            "SPARQL Update is refused",
        ),
        (  # bad_multiple_updates
            {
                "method": "POST",
                "url": "/sparql",
                "content": "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            "SPARQL Update is refused",
        ),
        ({"method": "GET", "url": "/sparql", "params": {"query": "CLEAR ALL"}}, "SPARQL Update (CLEAR)"),
        (
            {"method": "GET", "url": "/sparql", "params": {"query": f"DROP GRAPH <{G1}>"}},
            "SPARQL Update (DROP)",
        ),
        (
            {"method": "GET", "url": "/sparql", "params": {"query": "LOAD <http://example.org/x.ttl>"}},
            "SPARQL Update (LOAD)",
        ),
        (
            {
                "method": "GET",
                "url": "/sparql",
                "params": {"query": "PREFIX x: <http://x/>\nINSERT DATA { x:a x:b x:c }"},
            },
            "SPARQL Update (INSERT)",
        ),
        (
            {
                "method": "GET",
                "url": "/sparql",
                "params": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"},
            },
            "SERVICE is refused",
        ),
        (
            {
                "method": "GET",
                "url": "/sparql",
                "params": {
                    "query": "SELECT * { ?s ?p ?o OPTIONAL { service silent <http://x/> { ?s ?q ?r } } }"
                },
            },
            "SERVICE is refused",
        ),
    ],
    ids=lambda value: str(value)[:60],
)
def test_updates_load_and_service_are_refused(server, request_args, message_part):
    assert_refused(server.client.request(**request_args), 400, "operation_refused", message_part)


def test_the_word_service_in_strings_iris_and_variables_is_not_refused(server):
    query = (
        'SELECT ?service WHERE { BIND("SERVICE <http://x/>" AS ?service) '
        "FILTER(?service != <http://example.org/SERVICE>) } # SERVICE"
    )
    response = server.client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text


def test_unknown_format_and_unacceptable_types(server):
    assert_refused(
        server.client.get("/sparql", params={"query": "ASK {}", "format": "yaml"}),
        400,
        "invalid_request",
        "unknown format 'yaml'",
    )
    assert_refused(
        server.client.get("/sparql", params={"query": "ASK {}", "format": "turtle"}),
        406,
        "not_acceptable",
        "cannot carry boolean",
    )
    response = server.client.get(
        "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 406
    assert_refused(
        server.client.get("/sparql", params={"query": "ASK {}", "limit": "3"}),
        400,
        "invalid_request",
        "unknown parameter 'limit'",
    )


# ------------------------------------------------------------------------------------------ limits


@pytest.fixture(scope="module")
def limited_server(home: Path) -> Iterator[Server]:
    running = Server(home, KB_SPARQL_TIMEOUT="1.5", KB_SPARQL_MAX_RESULTS="5", KB_SPARQL_WORKERS="1")
    yield running
    running.stop()


def test_limits_are_announced_on_every_answer(limited_server):
    response = limited_server.client.get("/sparql", params={"query": "ASK {}"})
    assert response.headers["x-kb-query-timeout"] == "1.5"
    assert response.headers["x-kb-max-results"] == "5"


def test_the_result_cap_refuses_rather_than_truncates(limited_server):
    response = limited_server.client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert_refused(response, 413, "result_too_large", "more than 5 result rows (KB_SPARQL_MAX_RESULTS)")
    assert response.headers["x-kb-limit-hit"] == "results"
    construct = limited_server.client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert_refused(construct, 413, "result_too_large", "result triples")
    within = limited_server.client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert within.status_code == 200 and len(within.json()["results"]["bindings"]) == 5


def test_a_query_past_the_time_limit_is_stopped_and_the_endpoint_goes_on(limited_server):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    response = limited_server.client.get("/sparql", params={"query": runaway})
    assert_refused(response, 503, "query_timeout", "ran longer than 1.5 s (KB_SPARQL_TIMEOUT)")
    assert response.headers["x-kb-limit-hit"] == "timeout"
    # The killed worker was replaced: the next query is answered.
    assert boolean(limited_server.client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})) is True


def test_json_bindings_are_standard(server):
    query = f"SELECT ?p ?n WHERE {{ BIND(<{P1}> AS ?p) BIND(3 AS ?n) OPTIONAL {{ ?p <http://nothing> ?x }} }}"
    body = json.loads(server.client.get("/sparql", params={"query": query}).text)
    assert body["head"]["vars"] == ["p", "n"]
    assert body["results"]["bindings"] == [
        {
            "p": {"type": "uri", "value": P1},
            "n": {"type": "literal", "value": "3", "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
        }
    ]
