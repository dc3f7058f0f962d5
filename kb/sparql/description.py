"""The SPARQL 1.1 Service Description of /sparql and the VoID description of the dataset.

The service description is static but for the URLs and limits, built as triples here. The VoID
description is one CONSTRUCT query (`void_query`) run through the worker pool like any other query,
so its statistics come from the current snapshot and obey the same time limit.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kb import __version__
from kb.model.rdf_mapping import DCT, HK, PREFIXES, RDF, RDFS, SCHEMA, XSD
from kb.settings import Settings
from kb.sparql.examples import examples
from kb.sparql.protocol import FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"
W3_FORMATS = "http://www.w3.org/ns/formats/"
DESCRIPTION_PREFIXES = {**PREFIXES, "sd": SD, "void": VOID, "sh": SH}

# The W3C format IRIs (https://www.w3.org/ns/formats/) of the formats /sparql answers in.
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "jsonld": "JSON-LD",
    "ntriples": "N-Triples",
    "rdfxml": "RDF_XML",
}


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def service_description(endpoint_url: str, void_url: str, settings: Settings) -> list[Triple]:
    """Triples describing the endpoint at `endpoint_url` (SPARQL 1.1 Service Description)."""
    service = NamedNode(endpoint_url)
    a = NamedNode(RDF + "type")
    dataset = BlankNode("dataset")
    default_graph = BlankNode("defaultGraph")
    triples = [
        Triple(service, a, _sd("Service")),
        Triple(service, _sd("endpoint"), service),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        # The default graph is the union of the paper graphs, unless the request names a dataset.
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(dataset, a, _sd("Dataset")),
        Triple(dataset, _sd("defaultGraph"), default_graph),
        Triple(default_graph, a, _sd("Graph")),
        Triple(dataset, NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"), NamedNode(void_url)),
        Triple(service, NamedNode(DCT + "description"), Literal(_LIMITS.format(s=settings))),
        Triple(service, NamedNode(HK + "queryTimeLimit"), _decimal(settings.sparql_timeout)),
        Triple(service, NamedNode(HK + "maxResults"), _integer(settings.sparql_max_results)),
        Triple(service, NamedNode(DCT + "hasVersion"), Literal(__version__)),
    ]
    for fmt in FORMATS:
        triples.append(Triple(service, _sd("resultFormat"), NamedNode(W3_FORMATS + _FORMAT_IRIS[fmt.name])))
    triples.append(Triple(service, NamedNode(HK + "baseIri"), Literal(settings.base_iri)))
    triples += example_triples(endpoint_url)
    return triples


def example_triples(endpoint_url: str) -> list[Triple]:
    """The example queries, as the SIB sparql-examples do: one sh:SPARQLExecutable each, with its
    description (rdfs:comment), its text (sh:select / sh:ask / sh:construct / sh:describe) and the
    endpoint it runs on (schema:target)."""
    a = NamedNode(RDF + "type")
    triples = []
    for example in examples():
        node = NamedNode(f"{endpoint_url}#example-{example.name}")
        form = example.form.lower()
        triples += [
            Triple(node, a, NamedNode(SH + "SPARQLExecutable")),
            Triple(node, a, NamedNode(SH + f"SPARQL{example.form.capitalize()}Executable")),
            Triple(node, NamedNode(RDFS + "label"), Literal(example.title, language="en")),
            Triple(node, NamedNode(RDFS + "comment"), Literal(example.description, language="en")),
            Triple(node, NamedNode(SH + form), Literal(example.query)),
            Triple(node, NamedNode(SCHEMA + "target"), NamedNode(endpoint_url)),
        ]
    return triples


_LIMITS = (
    "Read-only SPARQL 1.1 query endpoint of hemekb. SPARQL Update, LOAD and SERVICE are refused."
    " A query may run {s.sparql_timeout:g} s (KB_SPARQL_TIMEOUT; past it: 503 query_timeout) and return"
    " {s.sparql_max_results} rows or triples (KB_SPARQL_MAX_RESULTS; past it: 413 result_too_large)."
)


def _decimal(value: float) -> Literal:
    return Literal(repr(float(value)), datatype=NamedNode(XSD + "double"))


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def void_query(dataset_iri: str, endpoint_url: str, settings: Settings) -> str:
    """A CONSTRUCT query whose answer is the VoID description of the knowledge base."""
    used = (
        HK,
        DCT,
        PREFIXES["prov"],
        PREFIXES["schema"],
        PREFIXES["skos"],
        PREFIXES["bibo"],
        PREFIXES["obo"],
    )
    vocabularies = " ".join(f"<{iri}>" for iri in used)
    # the example queries, as in the service description (sh:SPARQLExecutable with sh:select, ...)
    example_rows = " ".join(
        f"({NamedNode(f'{endpoint_url}#example-{e.name}')} {Literal(e.title, language='en')}"
        f" {NamedNode(SH + e.form.lower())} {Literal(e.query)})"
        for e in examples()
    )
    return f"""
PREFIX void: <{VOID}>
PREFIX dcterms: <{DCT}>
PREFIX sd: <{SD}>
CONSTRUCT {{
  <{dataset_iri}> a void:Dataset ;
      dcterms:title "hemekb" ;
      dcterms:description "Outcome results of immunotherapy in blood cancers, extracted from papers." ;
      void:sparqlEndpoint <{endpoint_url}> ;
      void:uriSpace "{settings.base_iri}" ;
      void:vocabulary ?vocabulary ;
      void:triples ?triples ;
      void:distinctSubjects ?subjects ;
      void:distinctObjects ?objects ;
      void:properties ?properties ;
      void:classes ?classes ;
      void:classPartition ?classPartition ;
      void:propertyPartition ?propertyPartition ;
      void:subset ?graph .
  ?classPartition void:class ?class ; void:entities ?entities .
  ?propertyPartition void:property ?property ; void:triples ?propertyTriples .
  ?graph a void:Dataset , sd:NamedGraph ; sd:name ?graph ; void:triples ?graphTriples .
  <{dataset_iri}> <{RDFS}seeAlso> ?example .
  ?example a <{SH}SPARQLExecutable> ; <{RDFS}label> ?exampleLabel ; ?exampleForm ?exampleQuery ;
      <{SCHEMA}target> <{endpoint_url}> .
}}
WHERE {{
  {{ VALUES ?vocabulary {{ {vocabularies} }} }}
  UNION
  {{ SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
            (COUNT(DISTINCT ?p) AS ?properties)
     WHERE {{ ?s ?p ?o }} }}
  UNION
  {{ SELECT (COUNT(DISTINCT ?c) AS ?classes) WHERE {{ ?x a ?c }} }}
  UNION
  {{ {{ SELECT ?class (COUNT(DISTINCT ?x) AS ?entities) WHERE {{ ?x a ?class }} GROUP BY ?class }}
     BIND(IRI(CONCAT("{dataset_iri}/class/", ENCODE_FOR_URI(STR(?class)))) AS ?classPartition) }}
  UNION
  {{ {{ SELECT ?property (COUNT(*) AS ?propertyTriples) WHERE {{ ?s ?property ?o }} GROUP BY ?property }}
     BIND(IRI(CONCAT("{dataset_iri}/property/", ENCODE_FOR_URI(STR(?property)))) AS ?propertyPartition) }}
  UNION
  {{ SELECT ?graph (COUNT(*) AS ?graphTriples) WHERE {{ GRAPH ?graph {{ ?s ?p ?o }} }} GROUP BY ?graph }}
  UNION
  {{ VALUES (?example ?exampleLabel ?exampleForm ?exampleQuery) {{ {example_rows} }} }}
}}
"""
