"""kb/ontology.ttl declares, with a label and a comment, every hk: term the graph uses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from kb.endpoints import ENDPOINTS
from kb.rdf_mapping import HK, RDFS, RunInfo, records_to_triples
from tests.records_factory import PAPER, full_record

ONTOLOGY = Path(__file__).resolve().parents[1] / "kb" / "ontology.ttl"


def ontology() -> dict[str, dict[str, list]]:
    facts: dict[str, dict[str, list]] = {}
    for triple in parse(path=str(ONTOLOGY), format=RdfFormat.TURTLE):
        facts.setdefault(triple.subject.value, {}).setdefault(triple.predicate.value, []).append(
            triple.object
        )
    return facts


def test_every_term_in_the_graph_is_declared():
    run = RunInfo("0.1.0", datetime(2026, 1, 1, tzinfo=UTC), "d")
    triples = records_to_triples("https://w3id.org/hemekb/id/", PAPER, [full_record()], run)
    used = {t.predicate.value for t in triples} | {
        t.object.value for t in triples if isinstance(t.object, NamedNode)
    }
    declared = ontology()
    for term in sorted(iri for iri in used if iri.startswith(HK)):
        assert term in declared, f"{term} is not in kb/ontology.ttl"
        assert declared[term].get(RDFS + "label"), f"{term} has no rdfs:label"
        assert declared[term].get(RDFS + "comment"), f"{term} has no rdfs:comment"


def test_every_declared_term_has_label_and_comment():
    for term, props in ontology().items():
        if term.startswith(HK):
            assert props.get(RDFS + "label") and props.get(RDFS + "comment"), term


def test_endpoint_individuals_are_the_contract_codes():
    skos_notation = "http://www.w3.org/2004/02/skos/core#notation"
    declared = {
        props[skos_notation][0].value
        for term, props in ontology().items()
        if term.startswith(HK + "Endpoint_") and skos_notation in props
    }
    assert declared == set(ENDPOINTS)
    assert all(isinstance(v, Literal) for props in ontology().values() for v in props.get(RDFS + "label", []))


def test_the_extractor_vocabulary_agrees_on_endpoint_codes():
    from kb import vocab

    assert list(getattr(vocab, "ENDPOINT_CODES", ENDPOINTS)) == list(ENDPOINTS)
