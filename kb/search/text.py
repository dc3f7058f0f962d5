"""Text as the search index sees it: PDF layout undone, folded forms, and BM25 tokens.

The index never returns this text: hits quote the source span (`source[char_start:char_end]`), so
that what a client reads, and what an evaluation matches, is the paper as written.
"""

from __future__ import annotations

import re
import unicodedata

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2043\u2212\ufe63\uff0d\u00ad"), "-")
_CJK_BREAKABLE = ((0x3000, 0x303F), (0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_FULLWIDTH = (0xFF00, 0xFFEF)


def is_cjk(ch: str) -> bool:
    """A CJK ideograph, kana, CJK punctuation or full-width form (text with no spaces between words)."""
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in (*_CJK_BREAKABLE, _FULLWIDTH))


def clean_with_offsets(text: str) -> tuple[str, list[int]]:
    """Join PDF line breaks and undo end-of-line hyphenation, with a map back to source offsets.

    Returns the cleaned string and, for each of its characters, the offset of the source character
    it came from. "заболе-\\nвание" becomes "заболевание" (two lower-case letters before the
    hyphen, one after the break); "В-\\nклеточный" keeps its hyphen; a break between two CJK
    characters disappears; any other whitespace run becomes one space.
    """
    out: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "-\u00ad\u2010" and i + 1 < n and text[i + 1] in " \t\r\n":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            nxt = text[j] if j < n else ""
            if "\n" in text[i + 1 : j] and nxt.islower():
                prev2 = "".join(out[-2:])
                if not (len(prev2) == 2 and prev2.isalpha() and prev2.islower()):
                    out.append(ch)  # "CD3+-\nлимфоциты": keep the hyphen, join the lines
                    offsets.append(i)
                i = j
                continue
        if ch.isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            prev = out[-1] if out else ""
            nxt = text[j] if j < n else ""
            breaks = any(c in "\n\r\f" for c in text[i:j])
            if prev and nxt and not (breaks and is_cjk(prev) and is_cjk(nxt)):
                out.append(" ")
                offsets.append(i)
            i = j
            continue
        out.append(ch)
        offsets.append(i)
        i += 1
    return "".join(out), offsets


def fold(text: str) -> str:
    """NFKC, dashes as "-", decimal commas as points: the form vocabulary patterns and tokens see."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return re.sub(r"(?<=\d),(?=\d)", ".", text)


_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(
    rf"(?P<cjk>[{_CJK_CHARS}]+)"
    rf"|(?P<word>(?:(?![{_CJK_CHARS}])[^\W_])+(?:-(?:(?![{_CJK_CHARS}])[^\W_])+)*(?:\.[0-9]+)?)"
)


def tokens(text: str) -> list[str]:
    """BM25 terms: case-folded words and decimals, CJK runs as overlapping character bigrams.

    A hyphenated compound gives its parts and the joined word ("CAR-T" -> car, t, cart), so that
    "CAR-T", "CAR T" and "CART" meet. A lone CJK character is kept as it is.
    """
    out: list[str] = []
    for match in _TOKEN.finditer(fold(text).casefold()):
        if run := match.group("cjk"):
            out.extend([run] if len(run) == 1 else [run[k : k + 2] for k in range(len(run) - 1)])
            continue
        word = match.group("word")
        if "-" in word:
            parts = [p for p in word.split("-") if p]
            out.extend(parts)
            out.append("".join(parts))
        else:
            out.append(word)
    return out
