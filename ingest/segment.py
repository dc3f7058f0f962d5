"""Sentences of a normalized text, robust to PDF layout (CJK and Latin/Cyrillic punctuation)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Abbreviations after which a period never ends a sentence: what follows is a name or a number.
_ABBREVIATIONS = {
    *(
        "al",
        "vs",
        "et",
        "fig",
        "figs",
        "e.g",
        "i.e",
        "no",
        "dr",
        "prof",
        "approx",
        "ref",
        "refs",
        "pp",
        "vol",
    ),
    *("соавт", "т", "е", "см", "рис", "табл", "им", "т.е", "стр", "ark", "bkz", "örn"),
    # German, French, Spanish, Portuguese, Italian: "58 % bzw. 71 %", "ca. 40 %", "p. ej. la"
    *("bzw", "z.b", "d.h", "vgl", "u.a", "ca", "inkl", "ggf", "evtl", "cf", "resp", "aprox", "p.ej", "pág"),
}
# Unit abbreviations: "3 мес. Их БСВ ..." ends a sentence when a capitalized word follows.
_UNIT_ABBREVIATIONS = {
    "г",
    "гг",
    "мес",
    "нед",
    "сут",
    "др",
    "ок",
    "vb",
    "yy",
    "ст",
    "yrs",
    "yr",
    "mo",
    "mos",
    "mon",
    "mths",
}
_MAX_SENTENCE = 1200


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def _ends_sentence(text: str, i: int) -> bool:
    ch = text[i]
    if ch in "。!?！？":
        return True
    if ch != ".":
        return False
    before = text[max(0, i - 12) : i]
    nxt = text[i + 1 : i + 3]
    if i + 1 < len(text) and text[i + 1].isdigit():
        return False  # decimal point
    if text[i + 1 : i + 2] == "\n":
        return True  # the end of a paragraph (ingest/normalize.py keeps that line break)
    token = re.split(r"[\s(\[]", before)[-1].lower()
    if token in _ABBREVIATIONS or re.fullmatch(r"[a-zа-яё]", token, re.I):
        return False  # "et al.", "т. е.", initials "L. A."
    if token in _UNIT_ABBREVIATIONS:
        return bool(re.match(r" [A-ZА-ЯЁ][a-zа-яё]", text[i + 1 : i + 4]))
    if not nxt:
        return True
    first = nxt.lstrip()[:1]
    if not first:
        return True
    if re.match(r"[\u3040-\u30ff\u3400-\u9fff]", text[i + 1 : i + 2]):
        return True  # Japanese full stop folded to "."
    return nxt[0] == " " and (first.isupper() or first.isdigit() or first in '«"([' or ord(first) > 0x3000)


def split_sentences(text: str) -> list[Sentence]:
    """Sentences as spans of `text`; very long runs (tables, lists) are cut at the cap."""
    out: list[Sentence] = []
    start = 0
    for i in range(len(text)):
        if _ends_sentence(text, i) or i - start >= _MAX_SENTENCE:
            _emit(text, start, i + 1, out)
            start = i + 1
    _emit(text, start, len(text), out)
    return out


def _emit(text: str, start: int, end: int, out: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))
