"""Which of the corpus languages a text is written in, by script and by characteristic letters."""

from __future__ import annotations

import re
from dataclasses import dataclass

_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_TURKISH = re.compile(r"[ğĞşŞıİ]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """ISO 639-1 code of the dominant language: ja, zh, ru, tr or en."""
    sample = text[:20000]
    kana, han = len(_KANA.findall(sample)), len(_HAN.findall(sample))
    cyr, latin = len(_CYRILLIC.findall(sample)), len(_LATIN.findall(sample))
    if kana > 50 and kana >= han * 0.1:
        return "ja"
    if han > max(cyr, latin * 0.3):
        return "zh"
    if cyr > latin * 0.5:
        return "ru"
    if len(_TURKISH.findall(sample)) > 20:
        return "tr"
    return "en"


_LETTER = re.compile(r"[^\W\d_]")
_TURKISH_WORDS = re.compile(r"\b(?:ve|bir|ile|için|olan|olarak|veya|daha|ancak|gibi|sonra)\b", re.I)
_ABSTRACT_MARK = re.compile(
    r"^\s*(?:[【［\[]\s*)?(?:abstract|summary|аннотация|резюме|özet|öz|摘\s*要|要\s*旨|抄\s*録)", re.I | re.M
)
_MIN_SECTION = 500  # characters: shorter stretches in another language (bilingual captions, table rows)


@dataclass(frozen=True)
class LanguageSpan:
    """A stretch [start, end) of the text in one language; kind is "abstract" or "body"."""

    kind: str
    language: str
    start: int
    end: int


def block_language(text: str) -> str | None:
    """The language of a line or paragraph by its letters, or None when it has too few."""
    letters = len(_LETTER.findall(text))
    if letters < 12:
        return None
    kana, han = len(_KANA.findall(text)), len(_HAN.findall(text))
    cyr, latin = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    if kana >= 0.05 * letters:
        return "ja"
    if han >= 0.3 * letters:
        return "zh"
    if cyr >= 0.5 * letters:
        return "ru"
    if latin >= 0.5 * letters:
        turkish = (
            _TURKISH.search(text) or _TURKISH_WORDS.search(text) or len(re.findall("[çÇöÖüÜ]", text)) >= 2
        )
        return "tr" if turkish else "en"
    return None


def language_sections(text: str, main: str | None = None) -> list[LanguageSpan]:
    """The text cut into stretches of one language: e.g. a Russian body with an English abstract.

    Lines are classified by their letters (lines with few letters go with the line before), runs
    of one language merge, and a run in another language than the paper's that is shorter than
    500 characters (a bilingual caption or table row) belongs to the stretch around it. A stretch
    in another language, or one opened by an abstract heading, is an abstract; the rest is body.
    """
    main = main or detect_language(text)
    runs: list[list] = []  # [start, end, language]
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            lang = block_language(line)
            start = pos + len(line) - len(line.lstrip())
            stop = pos + len(line.rstrip())
            if runs and (lang is None or lang == runs[-1][2]):
                runs[-1][1] = stop
            else:
                runs.append([start, stop, lang or main])
        pos = end + 1
    spans: list[list] = []
    for start, end, lang in runs:
        if (lang != main and end - start < _MIN_SECTION and spans) or (spans and spans[-1][2] == lang):
            spans[-1][1] = end
        else:
            spans.append([start, end, lang])
    if len(spans) > 1 and spans[0][2] != main and spans[0][1] - spans[0][0] < _MIN_SECTION:
        spans[1][0] = spans[0][0]
        spans.pop(0)
    merged: list[list] = []
    for span in spans:
        if merged and merged[-1][2] == span[2]:
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    return [
        LanguageSpan(
            "abstract" if lang != main or _ABSTRACT_MARK.search(text[start : start + 200]) else "body",
            lang,
            start,
            end,
        )
        for start, end, lang in merged
    ]
