"""The screen in front of the vocabulary patterns (kb/vocab/screen.py) changes no match, only speed."""

from __future__ import annotations

import re

import pytest
import yaml

from ingest.extract import lexicon
from kb.search import gloss
from kb.search.text import fold
from kb.vocab import VOCAB_DIR, concepts, read_yaml
from kb.vocab.screen import PatternScreen, requirement, screen_text
from tests.conftest import PAPERS

KINDS = ("interventions", "diseases", "endpoints", "lines", "populations", "trials")
CORPUS = {path.name: path.read_text(encoding="utf-8") for path in sorted(PAPERS.glob("*.txt"))}


def _sentences(text: str, per_paper: int = 120) -> list[tuple[int, int]]:
    spans = [m.span() for m in re.finditer(r"[^\n.。!?！？]+[.。!?！？]?", text) if m.group().strip()]
    return spans[:per_paper]


def test_every_vocabulary_pattern_requires_a_string():
    patterns = [p for kind in KINDS for c in concepts(kind) for p in c.patterns]
    assert len(patterns) > 2000
    assert all(requirement(p) for p in patterns)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_match_in_a_corpus_paper_contains_its_patterns_required_string(name):
    text = CORPUS[name]
    seen = 0
    for kind in KINDS:
        for concept in concepts(kind):
            for pattern in concept.patterns:
                for m in pattern.finditer(text):
                    seen += 1
                    assert any(s in screen_text(m.group()) for s in requirement(pattern) or ("",)), (
                        f"{kind} {concept.id}: {pattern.pattern!r} matched {m.group()!r}"
                    )
    assert seen > 50


def _every_pattern(text: str, kind: str, start: int, end: int) -> tuple[lexicon.Mention, ...]:
    """What find_concepts answered before the screen: every pattern run over the window."""
    found = [
        lexicon.Mention(m.start(), m.end(), c)
        for c in concepts(kind)
        for p in c.patterns
        for m in p.finditer(text, start, end)
        if m.end() > m.start()
    ]
    chosen: list[lexicon.Mention] = []
    for m in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
        if all(m.end <= o.start or m.start >= o.end for o in chosen):
            chosen.append(m)
    return tuple(sorted(chosen, key=lambda m: m.start))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_screened_concept_finding_equals_running_every_pattern(name):
    text = CORPUS[name]
    mentioned = 0
    for start, end in _sentences(text):
        for kind in KINDS:
            expected = _every_pattern(text, kind, start, end)
            assert lexicon.find_concepts(text, kind, start, end) == list(expected), text[start:end]
            mentioned += len(expected)
    assert mentioned > 20


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_screened_glosses_equal_running_every_pattern(name):
    text = CORPUS[name]
    for start, end in _sentences(text, per_paper=60):
        folded = fold(text[start:end])
        found = []
        for kind in gloss.KINDS:
            for concept in concepts(kind):
                spans = [
                    m.span()
                    for p in concept.patterns
                    for m in gloss._with_case(p).finditer(folded)
                    if m.end() > m.start()
                ]
                if spans:
                    found.append((gloss.Gloss(kind, concept.id, gloss._words(concept)), spans))
        expected = [g for g, spans in found if not all(gloss._inside(s, g, found) for s in spans)]
        assert gloss.glosses(text[start:end]) == expected


def test_required_strings_of_groups_alternations_and_repeats():
    flags = re.IGNORECASE
    assert requirement(re.compile(r"(?:anti-)?CD19\s*CAR", flags)) == ("cd19",)
    assert requirement(re.compile(r"blinatumomab|tisagenlecleucel", flags)) == (
        "blinatumomab",
        "tisagenlecleucel",
    )
    assert requirement(re.compile(r"blinatumomab|blincyto", flags)) == ("blin",)  # re factors the prefix
    assert requirement(re.compile(r"(?:一线|first[- ]line)治疗", flags)) == ("一线", "first")
    assert requirement(re.compile(r"(?:ab)+c?", flags)) == ("ab",)
    assert requirement(re.compile(r"\d+%", flags)) == ("%",)
    assert requirement(re.compile(r"(?<=CAR)\s*T\b|x?", flags)) is None  # a branch that needs nothing


def test_case_folding_follows_the_regular_expression_engine():
    # Turkish dotless and dotted i, German long s, Greek final sigma: re treats each pair as one letter
    for pattern, text in [
        ("sağkalım", "GENEL SAĞKALIM"),
        ("sağkalım", "Sağkalim"),
        ("istanbul", "İSTANBUL"),
        ("überleben", "ÜBERLEBEN"),
        ("σας", "ΣΑΣ"),
    ]:
        compiled = re.compile(pattern, re.IGNORECASE)
        assert compiled.search(text), (pattern, text)
        screen = PatternScreen([compiled])
        assert screen.candidates(text) == [0], (pattern, text)
    assert PatternScreen([re.compile("rituximab", re.IGNORECASE)]).candidates("Obinutuzumab") == []


def test_vocabulary_files_read_with_libyaml_equal_the_safe_loader():
    for path in sorted(VOCAB_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            assert read_yaml(path) == yaml.safe_load(fh), path.name
