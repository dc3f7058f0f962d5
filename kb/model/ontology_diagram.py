"""The model as a Mermaid class diagram, generated from kb/model/ontology.ttl (the README shows it).

Every object property whose domain and range are hemekb classes is an arrow; `python -m
kb.model.ontology_diagram` prints the block, and tests/test_ontology.py checks that the README's copy is
what the ontology says now.
"""

from __future__ import annotations

from kb.model.rdf_mapping import HK, RDF, RDFS
from kb.model.vocabulary_graphs import ontology_triples

_OBJECT_PROPERTY = "http://www.w3.org/2002/07/owl#ObjectProperty"


def mermaid_class_diagram() -> str:
    """A ```mermaid classDiagram block: one arrow per hk: object property between hk: classes."""
    kinds: dict[str, set[str]] = {}
    domains: dict[str, str] = {}
    ranges: dict[str, str] = {}
    for triple in ontology_triples():
        subject, predicate, obj = triple.subject.value, triple.predicate.value, triple.object.value
        if predicate == RDF + "type":
            kinds.setdefault(subject, set()).add(obj)
        elif predicate == RDFS + "domain":
            domains[subject] = obj
        elif predicate == RDFS + "range":
            ranges[subject] = obj
    lines = ["```mermaid", "classDiagram"]
    for prop in sorted(p for p, types in kinds.items() if _OBJECT_PROPERTY in types and p.startswith(HK)):
        domain, range_ = domains.get(prop, ""), ranges.get(prop, "")
        if domain.startswith(HK) and range_.startswith(HK):
            lines.append(f"  {domain[len(HK) :]} --> {range_[len(HK) :]} : {prop[len(HK) :]}")
    lines.append("```")
    return "\n".join(lines)


if __name__ == "__main__":
    print(mermaid_class_diagram())
