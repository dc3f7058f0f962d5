"""kb/model/ontology.ttl declares, with a label and a comment, every hk: term the graph uses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from kb.model.endpoints import ENDPOINTS
from kb.model.rdf_mapping import HK, RDFS, RunInfo, records_to_triples
from tests.records_factory import PAPER, full_record

ONTOLOGY = Path(__file__).resolve().parents[1] / "kb" / "model" / "ontology.ttl"


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
        assert term in declared, f"{term} is not in kb/model/ontology.ttl"
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


SHAPES = ONTOLOGY.parent / "shapes.ttl"
SH = "http://www.w3.org/ns/shacl#"


def test_every_term_the_shapes_name_is_declared():
    declared = ontology()
    used = set()
    for triple in parse(path=str(SHAPES), format=RdfFormat.TURTLE):
        for term in (triple.predicate, triple.object):
            if isinstance(term, NamedNode) and term.value.startswith(HK):
                used.add(term.value)
    assert used, "kb/model/shapes.ttl names no hk: term"
    missing = sorted(term for term in used if term not in declared)
    assert not missing, f"kb/model/shapes.ttl names undeclared terms: {missing}"


def test_every_class_of_the_model_has_a_shape():
    targets = {
        t.object.value
        for t in parse(path=str(SHAPES), format=RdfFormat.TURTLE)
        if t.predicate.value == SH + "targetClass"
    }
    owl_class = "http://www.w3.org/2002/07/owl#Class"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    classes = {
        term
        for term, props in ontology().items()
        if any(o.value == owl_class for o in props.get(rdf_type, []))
    }
    # Vocabulary classes whose individuals live in the ontology, not in paper graphs, need no shape.
    vocabulary = {HK + name for name in ("Endpoint", "StatisticType", "Unit", "EstimateType", "VariableRole")}
    assert classes - vocabulary <= targets, sorted(classes - vocabulary - targets)


def test_reused_external_terms_are_the_checked_ones():
    # OBI_0000175 is "p-value" and STATO_0000196 "confidence interval" (checked with the search tool);
    # no other OBO class is used as an estimate type.
    declared = ontology()
    obo = "http://purl.obolibrary.org/obo/"
    labels = {
        term: props[RDFS + "label"][0].value for term, props in declared.items() if term.startswith(obo)
    }
    assert labels == {obo + "OBI_0000175": "p-value", obo + "STATO_0000196": "confidence interval"}


def test_a_result_follows_the_fhir_evidence_pattern():
    run = RunInfo("0.1.0", datetime(2026, 1, 1, tzinfo=UTC), "d")
    triples = records_to_triples("https://w3id.org/hemekb/id/", PAPER, [full_record()], run)
    facts: dict[str, dict[str, list[str]]] = {}
    for t in triples:
        facts.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object.value)
    result = "https://w3id.org/hemekb/id/result/003_test%2Fr1"
    roles = sorted(facts[v][HK + "variableRole"][0] for v in facts[result][HK + "variableDefinition"])
    assert roles == [HK + "Role_exposure", HK + "Role_measuredVariable", HK + "Role_population"]
    (statistic,) = facts[result][HK + "statistic"]
    assert facts[statistic][HK + "statisticType"] == [HK + "Statistic_rate"]
    estimates = {
        facts[e][HK + "estimateType"][0]: facts[e] for e in facts[statistic][HK + "attributeEstimate"]
    }
    ci = estimates["http://purl.obolibrary.org/obo/STATO_0000196"]
    assert (ci[HK + "rangeLow"], ci[HK + "rangeHigh"], ci[HK + "level"]) == (["72.3"], ["87.1"], ["0.95"])
    p_value = estimates["http://purl.obolibrary.org/obo/OBI_0000175"]
    assert (p_value[HK + "value"], p_value[HK + "comparator"]) == (["0.001"], ["<"])
    assert set(estimates) >= {HK + "Estimate_plus_minus", HK + "Estimate_hazard_ratio"}


def test_the_readme_diagram_is_generated_from_the_ontology():
    from kb.model.ontology_diagram import mermaid_class_diagram

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    diagram = mermaid_class_diagram()
    assert diagram in readme, "run `python -m kb.model.ontology_diagram` and paste it into the README"
    assert "OutcomeResult --> LineOfTherapy : lineOfTherapyConcept" in diagram
