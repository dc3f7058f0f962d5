"""Concepts as users meet them: kinds, display labels per language, resolution and lookup.

The vocabularies (kb/vocab/*.yaml) name each concept by regular expressions in every corpus
language. This module turns them into what a person types and reads:

- `resolve(kind, text)`: the concept ids a filter value means: an id, a label, a short name, a
  display label, or any wording the vocabulary patterns accept (`блинатумомаб` -> blinatumomab).
- `with_subtypes(ids, kind)`: the concepts and all their narrower ones (`parent` links), so that
  asking for B-ALL includes Ph+ B-ALL, and asking for CD19 CAR-T includes axicabtagene ciloleucel.
- `lookup(text)`: autocomplete across languages: concepts with a label starting with the text, or
  with a pattern that a word starting with the text could match (`блина` -> blinatumomab).

Display labels come from kb/vocab/labels.yaml (and antigens.yaml) with their synonyms, then the
concept labels and the patterns that are plain words (`Blincyto`), their language guessed from the
script.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import regex

from kb import vocab
from kb.model.endpoints import ENDPOINTS
from kb.vocab import read_yaml

Kind = Literal["antigen", "intervention", "drug_class", "disease", "endpoint", "line", "population", "design"]
KINDS: tuple[str, ...] = (
    "antigen",
    "intervention",
    "drug_class",
    "disease",
    "endpoint",
    "line",
    "population",
    "design",
)
# kind -> vocabulary file (antigens and drug classes are read off the interventions)
_FILES = {
    "intervention": "interventions",
    "disease": "diseases",
    "endpoint": "endpoints",
    "line": "lines",
    "population": "populations",
    "design": "designs",
}
LABELS_FILE = vocab.VOCAB_DIR / "labels.yaml"
ANTIGENS_FILE = vocab.VOCAB_DIR / "antigens.yaml"


@dataclass(frozen=True)
class ConceptEntry:
    """One concept of one kind, with what is needed to show it and to find it."""

    kind: str
    id: str
    label: str
    short: str | None = None
    parent: str | None = None
    drug_class: str | None = None
    antigens: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # (language, display label), labels.yaml first
    patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)
    sources: tuple[str, ...] = field(default=(), compare=False, repr=False)  # patterns as written

    def names(self) -> list[str]:
        """Every plain name of the concept: id, label, short name, display labels."""
        out = [self.id, self.label, *([self.short] if self.short else []), *(text for _, text in self.labels)]
        return list(dict.fromkeys(out))

    def labels_by_language(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for language, text in self.labels:
            grouped.setdefault(language, []).append(text)
        return grouped


@dataclass(frozen=True)
class LookupHit:
    concept: ConceptEntry
    matched: str  # the label that matched, or the pattern a word starting with the text would match
    via: Literal["label", "pattern"]
    rank: int  # 0 exact name, 1 name prefix, 2 pattern prefix, 3 name substring


# ------------------------------------------------------------------------------------ labels


_LITERAL = re.compile(r"[^\\.^$*+?{}\[\]|()]+")
_TURKISH = set("ğışçöüİĞŞÇÖÜ")


def guess_language(text: str) -> str:
    """The corpus language a label is written in, from its script (en for Latin without Turkish)."""
    scripts = {unicodedata.name(ch, "").split(" ")[0] for ch in text if ch.isalpha()}
    if "CYRILLIC" in scripts:
        return "ru"
    if scripts & {"HIRAGANA", "KATAKANA"}:
        return "ja"
    if "CJK" in scripts:
        return "zh"
    if "HANGUL" in scripts:
        return "ko"
    if any(ch in _TURKISH for ch in text):
        return "tr"
    return "en"


def _plain_word(pattern: str) -> str | None:
    """The word a pattern spells when it is a plain word (optionally between \\b); stems such as
    `выживаемост\\w*` are not words to show."""
    text = pattern.removeprefix("\\b").removesuffix("\\b")
    text = text.replace("\\+", "+").replace("\\-", "-").replace("\\.", ".")
    if not text or not _LITERAL.fullmatch(text.replace("+", "").replace(".", "")):
        return None
    return text if len(text) >= 2 else None


@cache
def _labels_file() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """(kind, id) -> ((language, label), ...) from kb/vocab/labels.yaml and antigens.yaml.

    labels.yaml: {kind (plural): {id: {language: label, synonyms: {language: [names]}}}};
    antigens.yaml: [{symbol, labels: {language: label}}]. Either file may be missing.
    """
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    data = _yaml(LABELS_FILE)
    if isinstance(data, dict):
        for kind, members in data.items():
            if not isinstance(members, dict):
                continue
            for ident, labels in members.items():
                out.setdefault((_singular(str(kind)), str(ident)), []).extend(_label_pairs(labels))
    antigens = _yaml(ANTIGENS_FILE)
    if isinstance(antigens, list):
        for item in antigens:
            if isinstance(item, dict) and item.get("symbol"):
                pairs = _label_pairs(item.get("labels") or {})
                out.setdefault(("antigen", str(item["symbol"])), []).extend(pairs)
    return {key: tuple(pairs) for key, pairs in out.items() if pairs}


def _yaml(path: Path) -> Any:
    if not path.exists():
        return None
    return read_yaml(path)


def _label_pairs(labels: Any) -> list[tuple[str, str]]:
    """(language, name) pairs: the display label of each language first, then the synonyms."""
    if not isinstance(labels, dict):
        return []
    pairs = [(str(lang), value) for lang, value in labels.items() if isinstance(value, str) and value.strip()]
    synonyms = labels.get("synonyms")
    if isinstance(synonyms, dict):
        for lang, names in synonyms.items():
            names = names if isinstance(names, list) else [names]
            pairs.extend((str(lang), str(name)) for name in names if str(name).strip())
    return pairs


def _singular(kind: str) -> str:
    for singular, plural in _FILES.items():
        if kind in (singular, plural):
            return singular
    return kind.removesuffix("s") if kind not in KINDS else kind


def _display_labels(
    kind: str, ident: str, label: str, raw_patterns: Any, short: str | None
) -> tuple[tuple[str, str], ...]:
    given = _labels_file().get((kind, ident))
    pairs: list[tuple[str, str]] = list(given or ())
    pairs.append(("en", label))
    if short:
        pairs.append(("en", short))
    per_language: Iterable[tuple[str | None, str]]
    if isinstance(raw_patterns, dict):
        per_language = [(lang, p) for lang, ps in raw_patterns.items() for p in ps]
    else:
        per_language = [(None, p) for p in raw_patterns or []]
    for language, pattern in per_language:
        word = _plain_word(pattern)
        if word is not None:
            pairs.append((language or guess_language(word), word))
    return tuple(dict.fromkeys(pairs))


# ------------------------------------------------------------------------------- vocabularies


def _raw(kind: str) -> list[dict[str, Any]]:
    return read_yaml(vocab.VOCAB_DIR / f"{_FILES[kind]}.yaml")


def _flat(raw_patterns: Any) -> list[str]:
    if isinstance(raw_patterns, dict):
        return [p for ps in raw_patterns.values() for p in ps]
    return list(raw_patterns or [])


@cache
def entries(kind: str) -> tuple[ConceptEntry, ...]:
    """Every concept of one kind, in vocabulary order; ValueError for a kind that does not exist."""
    if kind not in KINDS:
        raise ValueError(f"Unexpected concept kind: {kind!r} (allowed: {', '.join(KINDS)})")
    if kind == "antigen":
        listed = _yaml(ANTIGENS_FILE)
        symbols = dict.fromkeys(
            [
                *(str(a["symbol"]) for a in listed or [] if isinstance(a, dict) and a.get("symbol")),
                *(a for c in entries("intervention") for a in c.antigens),
            ]
        )
        return tuple(
            ConceptEntry(kind, s, s, labels=_display_labels(kind, s, s, None, None)) for s in symbols
        )
    if kind == "drug_class":
        classes = dict.fromkeys(c.drug_class for c in entries("intervention") if c.drug_class)
        return tuple(ConceptEntry(kind, name, name, labels=(("en", name),)) for name in classes)
    compiled = {c.id: c for c in vocab.concepts(_FILES[kind])}
    out = []
    for raw in _raw(kind):
        ident = raw.get("code") or raw.get("id") or raw["label"]
        label = raw["label"]
        if kind == "endpoint" and ident in ENDPOINTS and not label:
            label = ENDPOINTS[ident]
        out.append(
            ConceptEntry(
                kind=kind,
                id=ident,
                label=label,
                short=raw.get("short"),
                parent=raw.get("parent"),
                drug_class=raw.get("drug_class"),
                antigens=tuple(raw.get("antigens") or ()),
                labels=_display_labels(kind, ident, label, raw.get("patterns"), raw.get("short")),
                patterns=compiled[ident].patterns,
                sources=tuple(_flat(raw.get("patterns"))),
            )
        )
    if kind == "endpoint":  # every contract code is a concept, named in the vocabulary or not
        named = {e.id for e in out}
        out.extend(
            ConceptEntry(kind, code, meaning, labels=(("en", meaning),))
            for code, meaning in ENDPOINTS.items()
            if code not in named
        )
    return tuple(out)


def entry(kind: str, ident: str) -> ConceptEntry | None:
    """The concept of that id (case-insensitive), or None."""
    return _by_id(kind).get(ident.lower())


@cache
def _by_id(kind: str) -> dict[str, ConceptEntry]:
    # every record written or read looks its concepts up here: a dict, not a scan
    return {concept.id.lower(): concept for concept in reversed(entries(kind))}


def display_label(kind: str, ident: str, language: str | None = None) -> str:
    """The label to show for a concept: its labels.yaml label in `language` when there is one."""
    concept = entry(kind, ident)
    if concept is None:
        return ident
    if language is not None:
        for lang, text in concept.labels:
            if lang == language:
                return text
    return concept.label


# ---------------------------------------------------------------------------------- resolving


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", _fold(text))


def resolve(kind: str, text: str) -> tuple[str, ...]:
    """Ids of the concepts of `kind` that `text` names; () when the vocabulary does not know it.

    A plain name (id, label, short name, display label; case and punctuation ignored for drug
    classes) wins; otherwise every concept with a pattern matching the whole text.
    """
    folded = _fold(text)
    if not folded:
        return ()
    concepts = entries(kind)
    exact = [c.id for c in concepts if folded in {_fold(n) for n in c.names()}]
    if exact:
        return tuple(exact)
    if kind in ("drug_class", "antigen"):
        squashed = _squash(text)
        return tuple(c.id for c in concepts if squashed in {_squash(n) for n in c.names()})
    normalized = unicodedata.normalize("NFKC", text).strip()
    return tuple(c.id for c in concepts if any(p.fullmatch(normalized) for p in c.patterns))


@cache
def _children(kind: str) -> dict[str, tuple[str, ...]]:
    children: dict[str, list[str]] = {}
    for narrower in entries(kind):
        if narrower.parent:
            children.setdefault(narrower.parent, []).append(narrower.id)
    return {parent: tuple(kids) for parent, kids in children.items()}


def with_subtypes(ids: Iterable[str], kind: str = "disease") -> tuple[str, ...]:
    """The concepts and all their narrower ones (subtypes of a disease, products of a CAR-T
    class), each once, broader ones first."""
    out: dict[str, None] = {}
    stack = list(ids)[::-1]
    while stack:
        ident = stack.pop()
        if ident in out:
            continue
        out[ident] = None
        stack.extend(reversed(_children(kind).get(ident, ())))
    return tuple(out)


def interventions_of_class(drug_class_ids: Iterable[str]) -> tuple[str, ...]:
    wanted = set(drug_class_ids)
    return tuple(c.id for c in entries("intervention") if c.drug_class in wanted)


# ---------------------------------------------------------------------------------- lookup


@cache
def _partial(pattern: str) -> regex.Pattern[str] | None:
    try:
        return regex.compile(pattern, regex.IGNORECASE | regex.UNICODE)
    except regex.error:
        return None


def lookup(text: str, kinds: Iterable[str] = KINDS, limit: int = 20) -> list[LookupHit]:
    """Concepts a user typing `text` may mean, best first: exact names, name prefixes, words the
    vocabulary patterns would accept starting with the text (in any language), name substrings."""
    folded = _fold(text)
    if not folded:
        return []
    normalized = unicodedata.normalize("NFKC", text).strip()
    hits: list[LookupHit] = []
    for kind in kinds:
        for concept in entries(kind):
            hit = _best_hit(concept, folded, normalized)
            if hit is not None:
                hits.append(hit)
    hits.sort(key=lambda h: (h.rank, KINDS.index(h.concept.kind), h.concept.label.casefold()))
    return hits[:limit]


def _best_hit(concept: ConceptEntry, folded: str, normalized: str) -> LookupHit | None:
    names = concept.names()
    for name in names:
        if _fold(name) == folded:
            return LookupHit(concept, name, "label", 0)
    for name in names:
        if _fold(name).startswith(folded):
            return LookupHit(concept, name, "label", 1)
    for index, compiled in enumerate(concept.patterns):
        partial = _partial(compiled.pattern)
        if partial is not None and partial.fullmatch(normalized, partial=True):
            written = concept.sources[index] if index < len(concept.sources) else compiled.pattern
            return LookupHit(concept, written, "pattern", 2)
    if len(folded) >= 3:
        for name in names:
            if folded in _fold(name):
                return LookupHit(concept, name, "label", 3)
    return None
