"""The controlled vocabularies: YAML loads, every concept has labels, external ids are well formed."""

from __future__ import annotations

import re

import pytest
import yaml

from kb import vocab
from kb.vocab import LANGUAGES, VOCAB_DIR, antigen, concepts, labels

LABELLED_KINDS = ("endpoints", "interventions", "diseases", "lines", "populations", "designs")
HGNC = re.compile(r"^HGNC:\d+$")
NCIT = re.compile(r"^C\d+$")
NCT = re.compile(r"^NCT\d{8}$")


@pytest.mark.parametrize("path", sorted(VOCAB_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_yaml_files_load(path):
    with path.open(encoding="utf-8") as fh:
        assert yaml.safe_load(fh)


@pytest.mark.parametrize("kind", LABELLED_KINDS)
def test_every_concept_has_labels_in_every_language(kind):
    for concept in concepts(kind):
        found = labels(kind, concept.id)
        missing = [lang for lang in LANGUAGES if not str(found.get(lang) or "").strip()]
        assert not missing, f"{kind} {concept.id}: no label in {missing}"


def test_labels_name_only_known_concepts():
    table = vocab._load("labels")
    for kind, entries in table.items():
        ids = {c.id for c in concepts(kind)}
        assert set(entries) <= ids, f"{kind}: labels for unknown ids {set(entries) - ids}"


def test_labels_unknown_concept_raises():
    with pytest.raises(KeyError):
        labels("endpoints", "NO_SUCH_ENDPOINT")


def test_every_intervention_antigen_is_known():
    for concept in concepts("interventions"):
        for symbol in concept.antigens:
            assert antigen(symbol)["symbol"] == symbol


def test_antigens_are_well_formed():
    for entry in vocab._load("antigens"):
        assert entry["hgnc_symbol"]
        assert set(LANGUAGES) <= set(entry["labels"]), entry["symbol"]
        if "hgnc" in entry:
            assert HGNC.match(entry["hgnc"]), entry
        if "ncit" in entry:
            assert NCIT.match(entry["ncit"]), entry
    with pytest.raises(KeyError):
        antigen("NOT-AN-ANTIGEN")


@pytest.mark.parametrize("kind", (*LABELLED_KINDS, "trials"))
def test_external_ids_are_well_formed(kind):
    for concept in concepts(kind):
        if "ncit" in concept.extra:
            assert NCIT.match(str(concept.extra["ncit"])), (kind, concept.id)
        if "hgnc" in concept.extra:
            assert HGNC.match(str(concept.extra["hgnc"])), (kind, concept.id)
        for registry_id in concept.extra.get("registry_ids") or []:
            assert NCT.match(registry_id), (kind, concept.id, registry_id)
