"""Concepts: resolution of what users type, disease subtypes, lookup across languages, GET /concepts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb.evidence import concepts
from tests import evidence_kb
from tests.conftest import LiveServer


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("intervention", "блинатумомаб", ("blinatumomab",)),
        ("intervention", "Блинатумомабом", ("blinatumomab",)),  # an inflected form, by the pattern
        ("intervention", "博纳吐单抗", ("blinatumomab",)),
        ("intervention", "ブリナツモマブ", ("blinatumomab",)),
        ("intervention", "InO", ("inotuzumab-ozogamicin",)),
        ("intervention", "даратумумаб", ("daratumumab",)),
        ("disease", "B-ALL", ("b-all",)),
        ("disease", "multiple myeloma", ("mm",)),
        ("disease", "多发性骨髓瘤", ("mm",)),
        ("drug_class", "car-t", ("CAR-T",)),
        ("drug_class", "Monoclonal Antibody", ("monoclonal antibody",)),
        ("antigen", "bcma", ("BCMA",)),
        ("line", "relapse after allo-HSCT", ("relapse-after-allo-hsct",)),
        ("line", "рецидив после алло-ТГСК", ("relapse-after-allo-hsct",)),
        ("population", "çocuk", ("pediatric",)),
        ("endpoint", "общая выживаемость", ("OS",)),
        ("intervention", "aspirin", ()),
    ],
)
def test_resolve_names_in_any_language(kind, text, expected):
    assert concepts.resolve(kind, text) == expected


def test_a_car_t_class_includes_its_products():
    assert concepts.with_subtypes(["cd19-car-t"], "intervention")[:2] == ("cd19-car-t", "tisagenlecleucel")
    assert "idecabtagene-vicleucel" in concepts.with_subtypes(["bcma-car-t"], "intervention")
    assert concepts.resolve("intervention", "axi-cel") == ("axicabtagene-ciloleucel",)


def test_diseases_include_their_subtypes_parents_first():
    assert concepts.with_subtypes(["b-all"]) == ("b-all", "ph-positive-b-all", "kmt2a-rearranged-all")
    assert concepts.with_subtypes(["mm"]) == ("mm", "rrmm", "ndmm")
    assert set(concepts.with_subtypes(["all"])) == {"all", *concepts.with_subtypes(["b-all"])}


def test_drug_classes_name_their_interventions():
    car_t = set(concepts.interventions_of_class(["CAR-T"]))
    assert {"bcma-car-t", "cd19-car-t", "cd22-car-t", "car-t"} <= car_t
    assert {"axicabtagene-ciloleucel", "tisagenlecleucel", "ciltacabtagene-autoleucel"} <= car_t
    assert "blinatumomab" in concepts.interventions_of_class(["BiTE"])


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("блина", ("intervention", "blinatumomab")),
        ("БЛИНА", ("intervention", "blinatumomab")),
        ("达雷", ("intervention", "daratumumab")),
        ("elotu", ("intervention", "elotuzumab")),
        ("BCM", ("antigen", "BCMA")),
        ("общая выжив", ("endpoint", "OS")),
        ("genel sağ", ("endpoint", "OS")),
        ("B-AL", ("disease", "b-all")),
        ("多发性骨", ("disease", "mm")),
    ],
)
def test_lookup_autocompletes_across_languages(text, first):
    hits = concepts.lookup(text)
    assert hits, text
    assert (hits[0].concept.kind, hits[0].concept.id) == first


def test_lookup_through_a_pattern_when_no_label_starts_so():
    hit = next(h for h in concepts.lookup("блинотумомаб") if h.concept.id == "blinatumomab")  # the o spelling
    assert hit.via == "pattern" and "блин" in hit.matched


def test_display_labels_come_from_labels_yaml_per_language():
    labels = concepts.entry("intervention", "blinatumomab").labels_by_language()  # type: ignore[union-attr]
    assert labels["ru"][0] == "блинатумомаб" and labels["zh"][0] == "博纳吐单抗"
    assert concepts.display_label("disease", "b-all", "ru").startswith("В-клеточный")
    assert concepts.display_label("disease", "b-all") == "B-cell acute lymphoblastic leukemia"


# ------------------------------------------------------------------------------ GET /concepts


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(evidence_kb.build(tmp_path_factory.mktemp("concepts")).home)
    yield live
    live.stop()


def test_kind_lists_concepts_with_result_counts(server):
    body = server.client.get("/concepts", params={"kind": "antigen"}).json()
    counts = {c["id"]: c["results"] for c in body["concepts"]}
    assert counts["CD19"] == 4 and counts["CD38"] == 1 and counts["BCMA"] == 1 and counts["PD-1"] == 0
    assert [c["id"] for c in body["concepts"]][:1] == ["CD19"]  # most results first
    diseases = {
        c["id"]: c for c in server.client.get("/concepts", params={"kind": "disease"}).json()["concepts"]
    }
    assert (diseases["b-all"]["results"], diseases["b-all"]["results_with_subtypes"]) == (2, 3)
    assert (diseases["mm"]["results"], diseases["mm"]["results_with_subtypes"]) == (0, 3)
    assert diseases["b-all"]["parent"] == "all"


def test_counts_follow_the_filters(server):
    body = server.client.get("/concepts", params={"kind": "endpoint", "language": "zh"}).json()
    counts = {c["id"]: c["results"] for c in body["concepts"] if c["results"]}
    assert counts == {"OS": 1, "PFS": 2, "ORR": 1}
    lines = server.client.get("/concepts", params={"kind": "line", "study_role": "own"}).json()["concepts"]
    assert {c["label"]: c["results"] for c in lines if c["results"]} == {
        "relapse after allo-HSCT": 1,
        "first line": 1,
        "second relapse": 1,
    }


def test_q_looks_labels_up_across_languages(server):
    body = server.client.get("/concepts", params={"q": "блина"}).json()
    first = body["concepts"][0]
    assert (first["kind"], first["id"], first["results"]) == ("intervention", "blinatumomab", 3)
    assert first["match"] == {"text": "блинатумомаб", "via": "label"}
    assert first["labels"]["ja"][0] == "ブリナツモマブ"
    only_diseases = server.client.get("/concepts", params={"q": "B", "kind": "disease"}).json()["concepts"]
    assert {c["kind"] for c in only_diseases} == {"disease"}


def test_concepts_refusals_name_the_parameter_and_allowed_values(server):
    nothing = server.client.get("/concepts")
    assert nothing.status_code == 400 and nothing.json()["error"]["message"].startswith("give kind (antigen,")
    bad_kind = server.client.get("/concepts", params={"kind": "drug"})
    assert bad_kind.status_code == 422
    error = bad_kind.json()["error"]
    assert error["detail"][0]["parameter"] == "kind"
    assert "'antigen', 'intervention', 'drug_class'" in error["message"]
