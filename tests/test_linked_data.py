"""The graph as a SPARQL user meets it, on the corpus through the live endpoint: the ontology and the
vocabularies are in the store as SKOS, minted and ontology IRIs dereference, numbers compare without
casts, and the protocol's dataset, base and HEAD rules hold; with SPARQLWrapper and rdflib too."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from tests.sparql_server import Server

BASE = "https://w3id.org/hemekb/id/"
HK = Namespace("https://w3id.org/hemekb/ontology#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SH = Namespace("http://www.w3.org/ns/shacl#")
PREFIXES = f"PREFIX hk: <{HK}>\nPREFIX skos: <{SKOS}>\n"
CD19 = URIRef(BASE + "antigen/CD19")


def select(corpus_server: Server, query: str, **params: str) -> list[dict[str, str]]:
    response = corpus_server.client.post("/sparql", data={"query": PREFIXES + query, **params})
    assert response.status_code == 200, response.text
    return [
        {name: cell["value"] for name, cell in row.items()} for row in response.json()["results"]["bindings"]
    ]


def test_an_endpoint_has_its_names_in_every_language(corpus_server):
    found = select(
        corpus_server,
        f"SELECT ?label WHERE {{ GRAPH <{BASE}vocabulary/endpoint>"
        " { hk:Endpoint_OS skos:prefLabel ?label } }",
    )
    assert len(found) >= 5
    names = {row["label"] for row in found}
    assert {"overall survival", "общая выживаемость", "genel sağkalım", "总生存"} <= names


def test_every_vocabulary_is_a_concept_scheme_in_its_own_graph(corpus_server):
    found = select(
        corpus_server,
        "SELECT ?scheme (COUNT(?c) AS ?n)"
        " WHERE { GRAPH ?scheme { ?c skos:inScheme ?scheme } } GROUP BY ?scheme",
    )
    sizes = {row["scheme"].rsplit("/", 1)[1]: int(row["n"]) for row in found}
    assert set(sizes) == {
        "endpoint",
        "antigen",
        "intervention",
        "drug_class",
        "disease",
        "line",
        "population",
        "design",
    }
    assert all(n > 0 for n in sizes.values())


def test_the_vocabulary_graphs_conform_to_the_shapes():
    from kb.model.validation import validate_paper_graph
    from kb.model.vocabulary_graphs import vocabulary_graphs

    # together, as the default graph holds them: the ontology says hk:Endpoint is a skos:Concept
    union = [triple for triples in vocabulary_graphs(BASE).values() for triple in triples]
    validate_paper_graph(union, "the vocabulary graphs")  # raises GraphInvalid with every violation


def test_results_point_to_line_and_population_concepts_and_keep_the_stated_phrase(corpus_server):
    found = select(
        corpus_server,
        "SELECT ?line ?stated WHERE { ?r hk:lineOfTherapyConcept ?line ; hk:lineOfTherapy ?stated }",
    )
    assert any(row["line"] == BASE + "line/relapsed-refractory" for row in found)
    populations = select(corpus_server, "SELECT DISTINCT ?p WHERE { ?r hk:populationConcept ?p }")
    assert {BASE + "population/pediatric", BASE + "population/adult"} <= {row["p"] for row in populations}


def test_a_study_points_to_its_design_concept_which_is_narrower_than_its_phase(corpus_server):
    """TOWER is a randomised phase III trial: its design concept is under phase III, named in
    Russian too, and asking for phase III designs finds it with the other phase III trials."""
    found = select(
        corpus_server,
        "SELECT ?design ?stated ?broader ?ru WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label ;"
        " hk:design ?stated ;"
        " hk:designConcept ?design . ?design skos:broader ?broader ; skos:prefLabel ?ru ."
        ' FILTER(?label = "TOWER" && LANG(?ru) = "ru") }',
    )
    assert found, "TOWER has no design concept"
    row = found[0]
    assert row["design"] == BASE + "design/randomized-phase-iii" and row["stated"] == "randomized phase III"
    assert row["broader"] == BASE + "design/phase-iii"
    assert row["ru"] == "рандомизированное исследование III фазы"
    phase_iii = select(
        corpus_server,
        f"SELECT DISTINCT ?s WHERE {{ ?s hk:designConcept/skos:broader* <{BASE}design/phase-iii> }}",
    )
    assert len(phase_iii) >= 4  # TOWER, ALCYONE, INO-VATE ALL (stated "phase III"), ...


def test_a_plain_triple_pattern_matches_a_whole_time_point(corpus_server):
    (row,) = select(corpus_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s hk:timeMonths 12 }")
    assert int(row["n"]) > 0
    (row,) = select(corpus_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s hk:value 80.7 }")
    assert int(row["n"]) >= 1  # INO-VATE's CR 80.7%, an xsd:decimal


def test_a_relative_iri_resolves_against_the_base(corpus_server):
    response = corpus_server.client.post(
        "/sparql", data={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef(BASE + "s"), URIRef(BASE + "p"), Literal(1)) in graph


def test_default_graph_uri_alone_leaves_no_named_graphs(corpus_server):
    paper_graph = select(corpus_server, "SELECT ?g WHERE { GRAPH ?g { ?p a hk:Paper } } LIMIT 1")[0]["g"]
    named = select(
        corpus_server,
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        **{"default-graph-uri": paper_graph},
    )
    assert named == [{"n": "0"}]
    default = select(
        corpus_server, "SELECT (COUNT(*) AS ?n) WHERE { ?p a hk:Paper }", **{"default-graph-uri": paper_graph}
    )
    assert default == [{"n": "1"}]


@pytest.mark.parametrize(
    "path", ["/sparql?query=ASK%20%7B%7D", "/resource/antigen/CD19", "/ontology", "/void", "/sparql"]
)
def test_head_answers_as_get_without_a_body(corpus_server, path):
    got = corpus_server.client.get(path)
    head = corpus_server.client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.content == b""


def test_the_ontology_is_served_with_content_negotiation(corpus_server):
    turtle = corpus_server.client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (HK.Endpoint_OS, SKOS.notation, Literal("OS")) in graph
    assert (HK.OutcomeResult, None, None) in graph
    page = corpus_server.client.get("/ontology", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="Endpoint_OS"' in page.text and 'id="OutcomeResult"' in page.text
    jsonld = corpus_server.client.get("/ontology", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")


@pytest.mark.parametrize("prefix", ["/id/", "/hemekb/id/"])
def test_the_base_iri_path_redirects_to_the_description(corpus_server, prefix):
    response = corpus_server.client.get(prefix + "antigen/CD19", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/resource/antigen/CD19"
    assert corpus_server.client.get(prefix + "antigen/CD19", follow_redirects=True).status_code == 200


def test_a_concept_is_described_with_its_labels_and_lists_the_results_that_use_it(corpus_server):
    turtle = corpus_server.client.get("/resource/antigen/CD19", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (CD19, SKOS.exactMatch, URIRef("https://identifiers.org/hgnc:1633")) in graph
    assert (CD19, SKOS.prefLabel, Literal("CD19", lang="en")) in graph
    page = corpus_server.client.get("/resource/intervention/blinatumomab", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "блинатумомаб" in page.text  # its Russian label
    assert "Results that use it (" in page.text
    assert 'href="/outcomes?intervention=blinatumomab"' in page.text
    used = int(page.text.split("Results that use it (", 1)[1].split(")", 1)[0])
    assert used > 50
    listed = corpus_server.client.get("/outcomes", params={"intervention": "blinatumomab", "limit": 1}).json()
    assert listed["total"] >= used


def test_the_service_description_and_the_browser_page_carry_the_examples(corpus_server):
    description = Graph().parse(
        data=corpus_server.client.get("/sparql", headers={"Accept": "text/turtle"}).text
    )
    examples = set(description.subjects(None, SH.SPARQLExecutable))
    assert len(examples) >= 15
    assert all(description.value(e, SH.select) or description.value(e, SH.ask) for e in examples)
    page = corpus_server.client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.count('<section id="example-') == len(examples)
    assert "<script" not in page.text
    # every example's form runs as it is sent by a browser (GET, format=csv)
    answer = corpus_server.client.get(
        "/sparql", params={"query": description.value(sorted(examples)[0], SH.select), "format": "csv"}
    )
    assert answer.status_code == 200 and answer.text.count("\n") > 1


def test_sparqlwrapper_looks_up_a_label_filters_numbers_and_describes_a_concept(corpus_server):
    client = SPARQLWrapper(corpus_server.endpoint)
    client.setQuery(PREFIXES + 'SELECT ?c WHERE { ?c skos:prefLabel|skos:altLabel "блинатумомаб"@ru }')
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert [row["c"]["value"] for row in rows] == [BASE + "intervention/blinatumomab"]
    client.setQuery(PREFIXES + "SELECT ?s WHERE { ?s hk:sampleSize ?n FILTER(?n >= 100) } LIMIT 3")
    assert len(client.queryAndConvert()["results"]["bindings"]) == 3
    client.setQuery(f"DESCRIBE <{CD19}>")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert (CD19, SKOS.inScheme, URIRef(BASE + "vocabulary/antigen")) in graph


def test_rdflib_sparqlstore_reads_labels_across_languages(corpus_server):
    graph = Graph(SPARQLStore(corpus_server.endpoint, returnFormat="json"))
    rows = list(
        graph.query(
            PREFIXES
            + "SELECT ?label WHERE { hk:Endpoint_PFS skos:prefLabel ?label FILTER(LANG(?label) = 'ja') }"
        )
    )
    assert [str(row.label) for row in rows] == ["無増悪生存"]
    numeric = list(graph.query(PREFIXES + "SELECT ?s WHERE { ?s hk:timeMonths 12 } LIMIT 1"))
    assert len(numeric) == 1


def test_every_kind_of_minted_iri_dereferences(corpus_server):
    kinds = select(
        corpus_server,
        f"SELECT ?kind (SAMPLE(?iri) AS ?example) WHERE {{ {{ ?iri ?p ?o }} UNION {{ ?s ?p ?iri }}"
        f' FILTER(isIRI(?iri) && STRSTARTS(STR(?iri), "{BASE}"))'
        f' BIND(STRBEFORE(STRAFTER(STR(?iri), "{BASE}"), "/") AS ?kind) }} GROUP BY ?kind',
    )
    examples = {row["kind"]: row["example"] for row in kinds}
    graph = select(corpus_server, "SELECT ?g WHERE { GRAPH ?g { ?p a hk:Paper } } LIMIT 1")[0]["g"]
    examples["graph"] = graph
    expected = {"paper", "run", "result", "study", "arm", "comparison", "graph", "antigen", "intervention"}
    expected |= {"disease", "line", "population", "drug_class", "vocabulary"}
    assert expected <= set(examples)
    for kind, iri in sorted(examples.items()):
        # an IRI minted under another node (result/x/statistic) is described with that node
        response = corpus_server.client.get(
            "/resource/" + iri[len(BASE) :], headers={"Accept": "text/turtle"}
        )
        assert response.status_code == 200, (kind, iri, response.text[:200])
        assert Graph().parse(data=response.text, format="turtle"), (kind, iri)
    assert corpus_server.client.get("/ontology").status_code == 200  # hk: IRIs resolve to /ontology#Name
