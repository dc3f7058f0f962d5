"""Which of the corpus languages a text is written in, by script and by characteristic letters."""

from __future__ import annotations

import re

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
