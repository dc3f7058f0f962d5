"""Records -> triples -> records must give back exactly the records that went in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from kb.model.rdf_mapping import (
    HK,
    XSD,
    Minter,
    RunInfo,
    content_digest,
    read_run,
    records_to_triples,
    triples_to_records,
)
from kb.model.records import ConceptRef, StudyRef
from tests.records_factory import PAPER, full_record, minimal_record

BASE = "https://w3id.org/hemekb/id/"
RUN = RunInfo(
    software_version="0.1.0", started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), content_digest="d"
)


def round_trip(records):
    return triples_to_records(records_to_triples(BASE, PAPER, records, RUN))


def test_every_field_survives_the_round_trip():
    records = [full_record(), minimal_record("003_test/r0", start=0)]
    back = round_trip(records)
    expected = sorted(records, key=lambda r: (r.evidence.char_start, r.id))
    assert back == expected
    assert [r.model_dump(mode="json") for r in back] == [r.model_dump(mode="json") for r in expected]


def test_none_false_and_empty_lists_stay_so():
    record = minimal_record("r-min")
    (back,) = round_trip([record])
    assert back == record
    assert back.arm is None and back.disease is None and back.value is None
    assert back.not_reached is False and back.antigens == [] and back.mentions == []


@pytest.mark.parametrize("value", [12.5, 0.00001, 1e-300, 123456.789012345, 36, 0.0])
def test_stated_numbers_are_exact(value):
    (back,) = round_trip([full_record(value=value)])
    assert back.value == value and repr(back.value) == repr(float(value))


def test_numbers_keep_fifteen_significant_digits():
    (back,) = round_trip([full_record(value=0.1 + 0.2, ci_low=200 / 3)])
    assert (back.value, back.ci_low) == (0.3, 66.6666666666667)


def test_list_order_is_kept():
    record = full_record(
        antigens=["CD3", "CD19", "BCMA"],
        interventions=[
            ConceptRef(id="daratumumab", label="daratumumab"),
            ConceptRef(id="blinatumomab", label="blinatumomab"),
        ],
    )
    (back,) = round_trip([record])
    assert back.antigens == ["CD3", "CD19", "BCMA"]
    assert [i.id for i in back.interventions] == ["daratumumab", "blinatumomab"]


def test_shared_concepts_and_studies_are_written_once():
    triples = records_to_triples(BASE, PAPER, [full_record(), full_record(id="r2", comparison="c1")], RUN)
    assert len(triples) == len(set(triples))
    study = NamedNode(BASE + "study/ino-vate-all")
    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    assert [t.object for t in triples if t.subject == study and t.predicate == label] == [
        Literal("INO-VATE ALL")
    ]


def test_iris_are_stable_and_minted_from_ids():
    triples = records_to_triples(BASE, PAPER, [full_record()], RUN)
    subjects = {t.subject.value for t in triples}
    assert BASE + "result/003_test%2Fr1" in subjects
    assert BASE + "paper/003_test" in subjects
    assert Minter(BASE).paper_id_of_graph(Minter(BASE).graph("a/b ü")) == "a/b ü"
    objects = {t.object.value for t in triples if isinstance(t.object, NamedNode)}
    assert "https://clinicaltrials.gov/study/NCT01564784" in objects


def test_run_is_recorded():
    run = read_run(records_to_triples(BASE, PAPER, [full_record()], RUN))
    assert run == RUN


def test_digest_changes_with_content_only():
    assert content_digest(PAPER, [full_record()]) == content_digest(PAPER, [full_record()])
    assert content_digest(PAPER, [full_record()]) != content_digest(PAPER, [full_record(value=80.8)])


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (full_record(endpoint="SURVIVAL"), "Unexpected endpoint: 'SURVIVAL'"),
        (full_record(value=float("nan")), "Unexpected non-finite number: nan"),
        (
            full_record(study=StudyRef(id="s", label="S", registry_ids=["ChiCTR123"], is_primary=True)),
            "Unexpected registry id: 'ChiCTR123'",
        ),
        (
            full_record(paper=PAPER.ref().model_copy(update={"file": "other.txt"})),
            "Unexpected paper reference",
        ),
    ],
)
def test_unsupported_values_are_refused(record, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        records_to_triples(BASE, PAPER, [record], RUN)


def test_conflicting_descriptions_are_refused():
    first = full_record()
    other = full_record(id="r2", study=first.study.model_copy(update={"label": "something else"}))
    with pytest.raises(ValueError, match="Unexpected conflicting descriptions"):
        records_to_triples(BASE, PAPER, [first, other], RUN)


def test_a_concept_is_pointed_at_not_described_and_reads_back_with_the_vocabulary_label():
    triples = records_to_triples(BASE, PAPER, [full_record()], RUN)
    disease = NamedNode(BASE + "disease/b-all")
    assert not [t for t in triples if t.subject == disease]
    back = triples_to_records(triples)[0]
    assert back.disease == ConceptRef(id="b-all", label="B-cell acute lymphoblastic leukemia")


def test_numbers_are_decimals_and_whole_time_points_integers():
    record = full_record(value=45.0, time_months=12.0, p_value=0.00001)
    objects = {
        t.predicate.value.rsplit("#", 1)[-1]: t.object for t in records_to_triples(BASE, PAPER, [record], RUN)
    }
    assert objects["timeMonths"] == Literal("12", datatype=NamedNode(XSD + "integer"))
    values = [
        t.object for t in records_to_triples(BASE, PAPER, [record], RUN) if t.predicate.value == HK + "value"
    ]
    assert Literal("45", datatype=NamedNode(XSD + "decimal")) in values
    assert Literal("0.00001", datatype=NamedNode(XSD + "decimal")) in values
    half = records_to_triples(BASE, PAPER, [full_record(time_months=1.5)], RUN)
    assert Literal("1.5", datatype=NamedNode(XSD + "decimal")) in [t.object for t in half]


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="Unexpected duplicate record id"):
        records_to_triples(BASE, PAPER, [full_record(), full_record()], RUN)


def test_unexpected_literal_on_read_is_refused():
    triples = records_to_triples(BASE, PAPER, [full_record()], RUN)
    statistic = NamedNode(BASE + "result/003_test%2Fr1/statistic")
    value = NamedNode("https://w3id.org/hemekb/ontology#value")
    bad = [t for t in triples if not (t.subject == statistic and t.predicate == value)]
    bad.append(Triple(statistic, value, Literal("eighty")))
    with pytest.raises(ValueError, match="Unexpected decimal literal"):
        triples_to_records(bad)


def test_concepts_link_the_checked_hgnc_and_ncit_ids():
    from kb.model.rdf_mapping import external_id_table
    from kb.model.vocabulary_graphs import vocabulary_graphs

    table = external_id_table()
    triples = [t for graph in vocabulary_graphs(BASE).values() for t in graph]
    exact = "http://www.w3.org/2004/02/skos/core#exactMatch"
    links = {(t.subject.value, t.object.value) for t in triples if t.predicate.value == exact}
    assert table["antigen"]["CD22"] and table["intervention"]["blinatumomab"]
    for symbol in ("CD22", "CD19"):
        for iri in table["antigen"].get(symbol, []):
            assert (BASE + f"antigen/{symbol}", iri) in links
            assert iri.startswith("https://identifiers.org/hgnc:")
    for iri in table["intervention"].get("blinatumomab", []):
        assert (BASE + "intervention/blinatumomab", iri) in links
        assert iri.startswith("http://purl.obolibrary.org/obo/NCIT_C")


def test_bibliographic_details_are_written_when_known():
    import dataclasses

    paper = dataclasses.replace(
        PAPER, authors=("A. Author", "B. Author"), journal="Blood", year=2021, doi="10.1/x"
    )
    record = full_record(paper=paper.ref())
    triples = records_to_triples(BASE, paper, [record], RUN)
    about = {
        (t.predicate.value, t.object.value) for t in triples if t.subject.value == BASE + "paper/003_test"
    }
    assert ("http://purl.org/dc/terms/creator", "A. Author") in about
    assert ("http://purl.org/dc/terms/issued", "2021") in about
    assert ("https://w3id.org/hemekb/ontology#journal", "Blood") in about
    assert ("https://schema.org/sameAs", "https://doi.org/10.1/x") in about
    assert round_trip([record]) == [record]
