"""Vocabulary concepts as index terms: the cross-lingual channel of the search.

A passage in Japanese and a question in English share few words, but they name the same drug,
disease and endpoint, and the vocabularies (kb/vocab/*.yaml) recognise those in every supported
language. Each document is indexed with one term per concept it mentions (`c.<kind>.<id>`), and
with one per concept its paper mentions anywhere (`p.<kind>.<id>`): a question names the drug and
the disease, while the sentence that answers it often names only the endpoint, the drug being in
the title. A question is resolved to the same terms, and BM25 over them (rare concepts weigh more,
as rare words do) gives the search its third ranking (kb.search.engine).

Terms are built from ids, not text: they never meet the word tokens of kb.search.text, whose
words carry no dots except inside decimals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from kb.search.gloss import Gloss, glosses
from kb.vocab import antigen_symbols, concept

DOC_PREFIX = "c"
PAPER_PREFIX = "p"
_NOT_TERM = re.compile(r"[^0-9a-z]+")


def _term(prefix: str, kind: str, ident: str) -> str:
    return f"{prefix}.{kind}.{_NOT_TERM.sub('', ident.casefold())}"


@cache
def _antigen_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Antigens named as such ("anti-CD38", "BCMA-directed"), beside those implied by a drug."""
    return tuple(
        (symbol, re.compile(rf"(?<![A-Za-z0-9]){re.escape(symbol)}(?![A-Za-z0-9])", re.IGNORECASE))
        for symbol in antigen_symbols()
    )


def concept_keys(found: Iterable[tuple[str, str]], text: str = "") -> set[tuple[str, str]]:
    """The (kind, id) concepts `found` in a text, with what they imply: a drug's target antigens and
    drug class, a disease's more general diseases (a question about myeloma meets a passage on
    newly diagnosed myeloma), a CAR-T product's CAR-T class; and the antigens `text` names as such
    ("anti-CD38")."""
    keys: set[tuple[str, str]] = set()
    for kind, ident in found:
        keys.add((kind, ident))
        if kind in ("interventions", "diseases"):
            keys |= _implied(kind, ident)
    if text:
        keys |= {("antigens", symbol) for symbol, pattern in _antigen_patterns() if pattern.search(text)}
    return keys


@cache
def _implied(kind: str, ident: str) -> frozenset[tuple[str, str]]:
    try:
        found = concept(kind, ident)
    except KeyError:  # an id the vocabulary no longer has (a record extracted with an older one)
        return frozenset()
    keys: set[tuple[str, str]] = set()
    if kind == "interventions":
        keys |= {("antigens", a) for a in found.antigens if a != "CD3"}  # CD3: every engager's partner
        if found.extra.get("drug_class"):
            keys.add(("classes", str(found.extra["drug_class"])))
    parent = found.extra.get("parent")  # a disease's broader disease, a CAR-T product's CAR-T class
    if parent:
        keys |= {(kind, str(parent))} | _implied(kind, str(parent))
    return frozenset(keys)


def gloss_keys(found: Iterable[Gloss]) -> list[tuple[str, str]]:
    return [(g.kind, g.id) for g in found]


def document_terms(own: set[tuple[str, str]], paper: set[tuple[str, str]]) -> list[str]:
    """The concept terms of a document: what it mentions itself and what its paper mentions."""
    mentioned = sorted(_term(DOC_PREFIX, k, i) for k, i in own)
    return mentioned + sorted(_term(PAPER_PREFIX, k, i) for k, i in paper)


def query_terms(query: str) -> list[str]:
    """The concept terms a question is matched on: each concept it names, as a document's own
    mention and as its paper's."""
    keys = concept_keys(gloss_keys(glosses(query)), query)
    return document_terms(keys, keys)
