"""Which of the corpus languages a text is written in: by script, characteristic letters and, for the
languages written in Latin letters, their most frequent function words."""

from __future__ import annotations

import re
from dataclasses import dataclass

_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_TURKISH = re.compile(r"[ğĞşŞıİ]")
_LATIN = re.compile(r"[A-Za-z]")

# Function words that tell the Latin-script languages apart: frequent in running text, rare in the
# others (shared ones such as "de", "la", "a", "e", "en", "in" are left out). Matched as whole
# words, lower-case or capitalised.
_FUNCTION_WORDS = {
    "en": "the and of with was were for is are that this which from have been after than",
    "es": "el los las del y por una fue fueron con para según también tras pacientes entre sin",
    "pt": "os das dos em não uma foi foram com ao pelo pela pacientes também são após entre sem",
    "fr": "le les des du et est dans pour avec une été sur pas au aux chez ont après sans",
    "de": "der die das und mit von den dem ist ein eine einer für nicht im zu auf bei wurde wurden sich nach",
    "it": "il gli della dei delle che è con per una sono nel nella stato stata pazienti degli dopo",
}
_FUNCTION_WORD = {
    lang: re.compile(
        r"(?<![^\W\d_])(?:" + "|".join(f"{w}|{w[0].upper()}{w[1:]}" for w in words.split()) + r")(?![^\W\d_])"
    )
    for lang, words in _FUNCTION_WORDS.items()
}
_ET_AL = re.compile(r"\bet al\b\.?")


def _function_word_scores(text: str) -> dict[str, int]:
    text = _ET_AL.sub(" ", text)  # "et al." in an English reference list is not French
    return {lang: len(pattern.findall(text)) for lang, pattern in _FUNCTION_WORD.items()}


def _latin_language(text: str, minimum: int) -> str | None:
    """es, pt, fr, de or it when its function words outnumber the English ones (and those of the
    other candidates), else None."""
    scores = _function_word_scores(text)
    lang, best = max(((k, v) for k, v in scores.items() if k != "en"), key=lambda kv: kv[1])
    if best >= minimum and best > scores["en"]:
        return lang
    return None


def detect_language(text: str) -> str:
    """ISO 639-1 code of the dominant language: ja, zh, ko, ru, tr, es, pt, fr, de, it or en."""
    sample = text[:20000]
    kana, han = len(_KANA.findall(sample)), len(_HAN.findall(sample))
    hangul = len(_HANGUL.findall(sample))
    cyr, latin = len(_CYRILLIC.findall(sample)), len(_LATIN.findall(sample))
    if kana >= 5 and kana >= han * 0.1 and kana > hangul:
        return "ja"  # a Japanese text always has kana between its kanji, even a short abstract
    if hangul > max(han, cyr, latin * 0.3):
        return "ko"
    if han > max(cyr, latin * 0.3):
        return "zh"
    if cyr > latin * 0.5:
        return "ru"
    turkish = len(_TURKISH.findall(sample))
    if turkish > 20 or (turkish >= 4 and turkish >= latin * 0.02):
        return "tr"
    return _latin_language(sample, 3) or "en"


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
    hangul = len(_HANGUL.findall(text))
    cyr, latin = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    if kana >= 0.05 * letters:
        return "ja"
    if hangul >= 0.3 * letters:
        return "ko"
    if han >= 0.3 * letters:
        return "zh"
    if cyr >= 0.5 * letters:
        return "ru"
    if latin >= 0.5 * letters:
        if _TURKISH.search(text) or _TURKISH_WORDS.search(text):
            return "tr"
        other = _latin_language(text, 2)
        if other:
            return other
        return "tr" if len(re.findall("[çÇöÖüÜ]", text)) >= 2 else "en"
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
