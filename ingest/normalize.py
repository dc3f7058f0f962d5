"""Normalized text with a map back to the source offsets.

PDF-extracted text carries fullwidth forms (％, （, ＝, ～), decimal commas, middle-dot decimal
points ("13·2", as The Lancet prints them), hyphenated line breaks, line breaks inside CJK words and
spaced decimals ("31. 8 月"). Every rule matches on the normalized text; `source_span` maps a
normalized span back so that evidence is quoted exactly as in the paper.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingest.layout import noise_spans

_DASHES = dict.fromkeys("\u2043\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d", "-")
_KEEP = {"±": "±", "≤": "≤", "≥": "≥", "µ": "µ"}
_MIDDLE_DOTS = "\u00b7\u2219\u22c5"
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


def _is_cjk(ch: str) -> bool:
    return bool(ch) and bool(_CJK.match(ch))


@dataclass(frozen=True)
class NormalizedText:
    text: str
    offsets: list[int]  # offsets[i] = source index of text[i]; one extra entry for the end
    source: str

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets of the normalized span [start, end), trimmed of surrounding whitespace."""
        s = self.offsets[start]
        e = self.offsets[end - 1] + 1 if end > start else s
        while s < e and self.source[s].isspace():
            s += 1
        while e > s and self.source[e - 1].isspace():
            e -= 1
        return s, e


def _char_form(ch: str) -> str:
    if ch in _KEEP:
        return _KEEP[ch]
    if ch in _DASHES:
        return "-"
    if ch in "\u2019\u2018\u02bc\u00b4`":
        return "'"
    if ch in "～〜~":
        return "~"
    if ch in "［【":
        return "["
    if ch in "］】":
        return "]"
    if ch == "．":
        return "。"  # the Japanese full stop; NFKC would make it a period and hide the boundary
    form = unicodedata.normalize("NFKC", ch)
    return form.replace("\u2044", "/")


def normalize(source: str, cjk: bool = False) -> NormalizedText:
    """Fold character forms and layout noise, keeping an exact map to source offsets."""
    chars: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(source)
    furniture = bytearray(n)  # running heads, footers, page numbers: read as whitespace
    for start, end in noise_spans(source):
        furniture[start:end] = b"\x01" * (end - start)
    while i < n:
        ch = source[i]
        if ch.isspace() or furniture[i]:
            j = i
            while j < n and (source[j].isspace() or furniture[j]):
                j += 1
            prev = chars[-1] if chars else ""
            nxt = source[j] if j < n else ""
            has_newline = "\n" in source[i:j]
            if prev == "-" and has_newline and len(chars) >= 2 and chars[-2].isalpha() and nxt.islower():
                # a word hyphenated across a line break: заболе-\nвание -> заболевание
                chars.pop()
                offsets.pop()
            elif (
                (_is_cjk(prev) or _is_cjk(nxt))
                and (_is_cjk(prev) or not prev.isalnum())
                and (_is_cjk(nxt) or not nxt.isalnum() or has_newline)
            ):
                pass  # layout whitespace inside CJK text carries no meaning
            elif prev == "-" and has_newline and nxt and not nxt.islower():
                pass  # "B-\nALL" keeps its hyphen, loses the break
            elif chars:
                # a full stop before a blank line ends its paragraph, whatever follows ('... p < 0,0001).
                # <blank line> - pourcentage de réponse'); the line break tells the sentence splitter
                paragraph_end = prev in ".!?" and source.count("\n", i, j) >= 2
                chars.append("\n" if paragraph_end else " ")
                offsets.append(i)
            i = j
            continue
        if ch in _MIDDLE_DOTS and 0 < i < n - 1 and source[i - 1].isdigit() and source[i + 1].isdigit():
            form = "."  # "13·2": the Lancet's decimal point
        else:
            form = _char_form(ch)
        for c in form:
            chars.append(c)
            offsets.append(i)
        i += 1
    text = "".join(chars)
    text, offsets = _join_spaced_decimals(text, offsets, cjk)
    text, offsets = _percent_signs(text, offsets)
    offsets.append(len(source))
    return NormalizedText(text=text, offsets=offsets, source=source)


_SPACED_DECIMAL = re.compile(
    r"(?<![\d.])(\d{1,3})\. (\d{1,2})(?=\s*(?:%|月|年|个|ヵ|か|d\b|\)|\(|,|、|;|\]|\[|±|~))"
)


def _join_spaced_decimals(text: str, offsets: list[int], cjk: bool) -> tuple[str, list[int]]:
    """'31. 8 月' -> '31.8 月': typeset CJK documents put a space after the decimal point."""
    if not cjk:
        return text, offsets
    out_chars: list[str] = []
    out_offsets: list[int] = []
    last = 0
    for m in _SPACED_DECIMAL.finditer(text):
        space = m.start(2) - 1
        out_chars.append(text[last:space])
        out_offsets.extend(offsets[last:space])
        last = space + 1
    out_chars.append(text[last:])
    out_offsets.extend(offsets[last:])
    return "".join(out_chars), out_offsets


# A percentage written in words after its number ("80 Prozent", "85 pour cent", "60 p. 100", "45 per
# cent", "30 por ciento", "12 процентов") or before it (Turkish "yüzde 60"): read as the sign, which
# is what every rule of the number grammar expects; the evidence still quotes the words.
_PERCENT_AFTER = re.compile(
    r"(?<=\d)\s?(?:Prozent|pour ?cent|p\. ?100\b|per ?cent|percent|por ?ciento|por ?cento|per ?cento|"
    r"процент(?:ов|а)?)(?![^\W\d_])",
    re.I,
)
_PERCENT_BEFORE = re.compile(r"(?<![^\W\d_])yüzde\s?(?=\d)", re.I)


def _percent_signs(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    matches = sorted(
        [*_PERCENT_AFTER.finditer(text), *_PERCENT_BEFORE.finditer(text)], key=lambda m: m.start()
    )
    if not matches:
        return text, offsets
    out_chars: list[str] = []
    out_offsets: list[int] = []
    last = 0
    for m in matches:
        out_chars.append(text[last : m.start()])
        out_offsets.extend(offsets[last : m.start()])
        word = m.start() + len(m.group()) - len(m.group().lstrip())  # the word, after any space
        out_chars.append("%")
        out_offsets.append(offsets[word])
        last = m.end()
    out_chars.append(text[last:])
    out_offsets.extend(offsets[last:])
    return "".join(out_chars), out_offsets
