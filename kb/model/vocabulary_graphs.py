"""The ontology and the concept vocabularies as named graphs of the store, as SKOS.

Paper graphs only point at concepts (`hk:antigen <.../antigen/CD19>`); what a concept is (its
labels in every language, notation, broader concept, verified external ids) is said once, here,
in one named graph per vocabulary, and the classes and properties in the ontology graph. So the
union default graph of the SPARQL endpoint holds every triple once, however many papers use a
concept, and a query can ask for a concept's Russian label or its HGNC id.

- the ontology graph is named by the ontology IRI (`https://w3id.org/hemekb/ontology`) and holds
  kb/model/ontology.ttl as written;
- a vocabulary graph is named by its concept scheme, `KB_BASE_IRI + "vocabulary/" + kind`
  (antigen, intervention, drug_class, disease, endpoint, line, population), and holds the scheme
  and its concepts. Endpoint concepts keep their ontology IRIs (`hk:Endpoint_OS`); the others are
  minted under KB_BASE_IRI as before (`antigen/CD19`).

No triple is in two graphs: a vocabulary triple that the ontology already states is left out.
`sync_vocabularies` rewrites a graph only when its triples differ from what the files say now.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse

from kb.evidence import concepts
from kb.model.rdf_mapping import (
    DCT,
    EXACT_MATCH,
    HK,
    IDENTIFIER,
    LABEL,
    RDF,
    SKOS,
    Minter,
    external_id_table,
)
from kb.store.base import GraphStore

ONTOLOGY_FILE = Path(__file__).resolve().parent / "ontology.ttl"
ONTOLOGY_GRAPH = NamedNode(HK.rstrip("#"))

A = NamedNode(RDF + "type")
_SKOS = {name: NamedNode(SKOS + name) for name in ("Concept", "ConceptScheme", "inScheme", "prefLabel")}
ALT_LABEL = NamedNode(SKOS + "altLabel")
NOTATION = NamedNode(SKOS + "notation")
BROADER = NamedNode(SKOS + "broader")
HAS_TOP_CONCEPT = NamedNode(SKOS + "hasTopConcept")
DCT_TITLE = NamedNode(DCT + "title")

# kind -> (class of its concepts, title of its scheme)
SCHEMES: dict[str, tuple[str, str]] = {
    "endpoint": ("Endpoint", "Endpoints (outcome measures)"),
    "antigen": ("Antigen", "Target antigens"),
    "intervention": ("Intervention", "Interventions (drugs, cell therapies, transplants, regimens)"),
    "drug_class": ("DrugClass", "Drug classes"),
    "disease": ("Disease", "Diseases"),
    "line": ("LineOfTherapy", "Lines of therapy and disease settings"),
    "population": ("Population", "Patient populations"),
    "design": ("StudyDesign", "Study designs"),
}


def scheme_iri(base_iri: str, kind: str) -> NamedNode:
    """The concept scheme of a vocabulary, which also names its graph."""
    return NamedNode(f"{base_iri}vocabulary/{kind}")


def concept_iri(base_iri: str, kind: str, concept_id: str) -> NamedNode:
    """The IRI of a concept: hk:Endpoint_<code> for endpoints, KB_BASE_IRI + kind/id for the rest."""
    if kind == "endpoint":
        return NamedNode(f"{HK}Endpoint_{concept_id}")
    return Minter(base_iri).concept(kind, concept_id)


@cache
def ontology_triples() -> tuple[Triple, ...]:
    """kb/model/ontology.ttl as triples, in file order."""
    with ONTOLOGY_FILE.open("rb") as fh:
        # parse() gives quads (in the default graph); as triples they compare with the vocabularies'
        return tuple(Triple(q.subject, q.predicate, q.object) for q in parse(fh, format=RdfFormat.TURTLE))


def _labels(entry: concepts.ConceptEntry) -> list[tuple[NamedNode, Literal]]:
    """skos:prefLabel (one per language: the display label) and skos:altLabel (the other names)."""
    preferred: dict[str, str] = {}
    out: dict[tuple[NamedNode, str, str], None] = {}
    for language, name in entry.labels:
        name = name.strip()
        if not name:
            continue
        if language not in preferred:
            preferred[language] = name
            out[(_SKOS["prefLabel"], language, name)] = None
        elif name != preferred[language]:
            out[(ALT_LABEL, language, name)] = None
    return [(prop, Literal(name, language=language)) for prop, language, name in out]


def vocabulary_triples(base_iri: str, kind: str) -> list[Triple]:
    """The concept scheme of one kind and every concept in it, as SKOS."""
    cls, title = SCHEMES[kind]
    scheme = scheme_iri(base_iri, kind)
    triples = [
        Triple(scheme, A, _SKOS["ConceptScheme"]),
        Triple(scheme, DCT_TITLE, Literal(title, language="en")),
        Triple(scheme, NOTATION, Literal(kind)),
    ]
    external = external_id_table().get(kind, {})
    for entry in concepts.entries(kind):
        node = concept_iri(base_iri, kind, entry.id)
        triples += [
            Triple(node, A, _SKOS["Concept"]),
            Triple(node, A, NamedNode(HK + cls)),
            Triple(node, _SKOS["inScheme"], scheme),
            Triple(node, IDENTIFIER, Literal(entry.id)),
            Triple(node, NOTATION, Literal(entry.id)),
        ]
        if kind != "endpoint":  # endpoints have their rdfs:label in the ontology
            # rdfs:label is the label the records carry (ConceptRef.label): queries written before
            # the vocabularies were SKOS keep working.
            triples.append(Triple(node, LABEL, Literal(entry.label)))
        triples += [Triple(node, prop, label) for prop, label in _labels(entry)]
        if entry.parent:
            triples.append(Triple(node, BROADER, concept_iri(base_iri, kind, entry.parent)))
        else:
            triples.append(Triple(scheme, HAS_TOP_CONCEPT, node))
        if entry.drug_class:
            triples.append(
                Triple(
                    node, NamedNode(HK + "drugClass"), concept_iri(base_iri, "drug_class", entry.drug_class)
                )
            )
        for antigen in entry.antigens:
            triples.append(
                Triple(node, NamedNode(HK + "targetAntigen"), concept_iri(base_iri, "antigen", antigen))
            )
        for iri in external.get(entry.id, []):
            triples.append(Triple(node, EXACT_MATCH, NamedNode(iri)))
    return triples


def vocabulary_graphs(base_iri: str) -> dict[NamedNode, list[Triple]]:
    """Every graph this module owns, by name: the ontology first, then one per vocabulary.

    A triple goes to the first graph that states it, so the union of the graphs is a set.
    """
    graphs: dict[NamedNode, list[Triple]] = {ONTOLOGY_GRAPH: list(dict.fromkeys(ontology_triples()))}
    seen = set(graphs[ONTOLOGY_GRAPH])
    for kind in SCHEMES:
        own = []
        for triple in dict.fromkeys(vocabulary_triples(base_iri, kind)):
            if triple not in seen:
                seen.add(triple)
                own.append(triple)
        graphs[scheme_iri(base_iri, kind)] = own
    return graphs


def sync_vocabularies(store: GraphStore, base_iri: str) -> list[str]:
    """Write the ontology and vocabulary graphs whose stored triples differ; the names rewritten."""
    rewritten = []
    for graph, triples in vocabulary_graphs(base_iri).items():
        if set(store.graph_triples(graph)) != set(triples):
            store.replace_graph(graph, triples)
            rewritten.append(graph.value)
    return rewritten
