"""Controlled vocabularies: endpoints, interventions, diseases, lines, populations, trials, cues.

The concepts live in YAML files beside this module (one file per kind, labels in every corpus
language), so that adding a drug or a language is a data change, not a code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

VOCAB_DIR = Path(__file__).parent
_FLAGS = re.IGNORECASE | re.UNICODE


# libyaml's loader when PyYAML was built with it: the same documents, parsed ten times faster
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """A YAML file of the project (vocabularies, annotations) as plain data, safely loaded."""
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YAML_LOADER)


def _load(name: str) -> Any:
    return read_yaml(VOCAB_DIR / f"{name}.yaml")


@cache
def _grammar() -> dict[str, Any]:
    return _load("grammar")


# "\\b" in a vocabulary pattern means a boundary between alphabetic words only: CJK characters
# count as \\w for Python, which would hide "RI" in "RI为" or "NRM" in "NRM较高".
_ALNUM = "A-Za-z0-9À-ɏЀ-ӿ"
# Without spaces, an abbreviation runs straight into its number ('4年OS95%', 'ORR80%'): a letter
# followed by a rate or a duration ends the word too.
_NUMBER_AFTER_LETTER = r"(?<=[A-Za-z])(?=\d+(?:[.,·]\d+)?\s*(?:%|％|个月|ヵ月|カ月|か月|ケ月|개월))"
_BOUNDARY = f"(?:(?<![{_ALNUM}])(?=[{_ALNUM}])|(?<=[{_ALNUM}])(?![{_ALNUM}])|{_NUMBER_AFTER_LETTER})"


_WORD_RANGES = f"{_ALNUM}_'"


def _word_boundaries(pattern: str) -> str:
    """Vocabulary patterns are written with \\b and \\w for alphabetic scripts; in CJK text a
    \\w* would run on into the sentence ('全生存率は45'), so both stop at CJK characters."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            if pair == "\\w":
                out.append(_WORD_RANGES if in_class else f"[{_WORD_RANGES}]")
            elif pair == "\\b" and not in_class:
                out.append(_BOUNDARY)
            else:
                out.append(pair)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


_ACRONYM = re.compile(r"(?:\\b)?[A-ZА-ЯЁ][A-ZА-ЯЁ0-9+/-]{1,7}(?:\\b)?")


def _case_rule(pattern: str) -> str:
    """Acronyms match as written: '\\bALL\\b' is the disease, not the word 'all'; 'BLAST' the
    trial, not blast cells; 'Pd' the regimen, not 'PD'."""
    if _ACRONYM.fullmatch(pattern) or re.fullmatch(r"\\b[A-Z][a-z][A-Z]?\\b", pattern):
        return f"(?-i:{pattern})"
    return pattern


def _compile(patterns: list[str]) -> re.Pattern[str]:
    # a cue in simplified characters also matches its traditional spelling ("分别" and "分別"), as
    # the concepts' patterns do (_patterns_of)
    variants = [t for p in patterns if (t := p.translate(_traditional())) != p]
    return re.compile("|".join(f"(?:{_word_boundaries(p)})" for p in [*patterns, *variants]), _FLAGS)


@dataclass(frozen=True)
class Concept:
    kind: str
    id: str
    label: str
    patterns: tuple[re.Pattern[str], ...]
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def antigens(self) -> list[str]:
        return list(self.extra.get("antigens") or [])


@cache
def _traditional() -> dict[int, str]:
    """Simplified -> traditional Chinese characters (traditional_chinese.yaml), as str.translate wants."""
    return str.maketrans(_load("traditional_chinese")["characters"])


def _patterns_of(entry: dict[str, Any]) -> tuple[re.Pattern[str], ...]:
    raw = entry["patterns"]
    flat = [p for ps in raw.values() for p in ps] if isinstance(raw, dict) else list(raw)
    # a pattern in simplified characters also matches the traditional spelling ("無復發生存")
    flat += [t for p in flat if (t := p.translate(_traditional())) != p]
    return tuple(re.compile(_word_boundaries(_case_rule(p)), _FLAGS) for p in flat)


@cache
def concepts(kind: str) -> tuple[Concept, ...]:
    """All concepts of one kind: endpoints, interventions, diseases, lines, populations, trials."""
    out = []
    for entry in _load(kind):
        ident = entry.get("code") or entry.get("id") or entry["label"]
        extra = {k: v for k, v in entry.items() if k not in ("patterns", "label")}
        out.append(
            Concept(kind=kind, id=ident, label=entry["label"], patterns=_patterns_of(entry), extra=extra)
        )
    return tuple(out)


def concept(kind: str, ident: str) -> Concept:
    for c in concepts(kind):
        if c.id == ident:
            return c
    known = ", ".join(c.id for c in concepts(kind))
    raise KeyError(f"unknown {kind} {ident!r}; known: {known}")


@cache
def cue(name: str) -> re.Pattern[str]:
    """One compiled cue list of grammar.yaml (e.g. 'respectively', 'comparison')."""
    return _compile(_grammar()[name])


@cache
def cue_group(name: str) -> dict[str, re.Pattern[str]]:
    """A cue table of grammar.yaml whose entries are lists (e.g. 'time_units')."""
    return {key: _compile(pats) for key, pats in _grammar()[name].items()}


LANGUAGES: tuple[str, ...] = ("en", "ru", "tr", "zh", "ja")


@cache
def _labels() -> dict[str, dict[str, dict[str, Any]]]:
    return _load("labels")


def labels(kind: str, ident: str) -> dict[str, str]:
    """Display labels of one concept by language (labels.yaml), e.g. labels("endpoints", "OS")["ru"]."""
    try:
        entry = _labels()[kind][ident]
    except KeyError:
        raise KeyError(f"no labels for {kind} {ident!r}") from None
    return {lang: entry[lang] for lang in LANGUAGES if lang in entry}


@cache
def _antigens() -> dict[str, dict[str, Any]]:
    return {entry["symbol"]: entry for entry in _load("antigens")}


def antigen(symbol: str) -> dict[str, Any]:
    """One target antigen of antigens.yaml by the symbol the records use (e.g. "BCMA", "PD-1")."""
    try:
        return _antigens()[symbol]
    except KeyError:
        known = ", ".join(_antigens())
        raise KeyError(f"unknown antigen {symbol!r}; known: {known}") from None


def antigen_symbols() -> tuple[str, ...]:
    """The symbols of every target antigen in antigens.yaml, in file order."""
    return tuple(_antigens())
