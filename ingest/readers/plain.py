"""Plain text in any common encoding: a BOM, else UTF-8, else UTF-16 by its zero bytes, else detected.

Detection is charset-normalizer's (which keeps every decoding that reads as text); among its
candidates the one whose characters belong to the scripts of real text wins, which tells apart
encodings that differ in a few letters (cp1254 Turkish ğ/ş/ı against cp1252 ð/þ/ý) and CJK
encodings whose bytes decode both ways (Shift_JIS against GB18030). The text is returned as
decoded: no newline or Unicode normalization, since it is the offset space of the records.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ingest.readers import DecodedText
from kb.errors import PaperRejected

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MIXED_SCRIPT = re.compile(r"[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
# Characters of real text beyond ASCII: the scripts of the corpus languages, their punctuation.
_EXPECTED = re.compile(
    r"[\u00a0-\u00bf\u00d7\u00f7ÀÂÄÇÈÉÊËÎÏÔÖÙÛÜàáâäçèéêëíîïñóôöùúûüğĞıİşŞ"
    r"\u0391-\u03c9\u0400-\u045f\u2000-\u2044\u2070-\u20ac\u2116\u2190-\u2199\u2212-\u2265\u25a0-\u25cf"
    r"\u3000-\u303f\u3040-\u30ff\uff01-\uff5e]"
)
_MIN_PLAUSIBILITY = 0.6


def read_plain(path: Path, raw: bytes) -> DecodedText:
    text, encoding = decode_bytes(str(path), raw)
    return DecodedText(text=text, format="text", encoding=encoding)


def decode_bytes(source: str, raw: bytes) -> tuple[str, str]:
    """(text, encoding name) of a text file's bytes, or PaperRejected saying why it is not text."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return _checked(source, raw[len(bom) :].decode(encoding), encoding + " with BOM")
            except UnicodeDecodeError as exc:
                raise PaperRejected(
                    source, f"invalid {encoding} text after its BOM at byte {exc.start}"
                ) from exc
    if raw.isascii() and (
        b"\x1b$B" in raw or b"\x1b$@" in raw
    ):  # ISO-2022-JP: 7-bit, escape sequences switch sets
        try:
            return _checked(source, raw.decode("iso2022_jp"), "iso2022_jp")
        except UnicodeDecodeError:
            pass
    try:
        return _checked(source, raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(raw) and not raw[: exc.start].isascii():
            raise PaperRejected(
                source, f"truncated: the file ends inside a UTF-8 character (byte {exc.start} of {len(raw)})"
            ) from exc
        utf8_error = exc
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        try:
            return _checked(source, raw.decode(utf16), utf16)
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw:
        raise PaperRejected(source, "binary content (NUL bytes), not text")
    valid = len(_UTF8_MULTIBYTE.findall(raw))
    invalid = raw.decode("utf-8", errors="replace").count("\ufffd")
    if valid > invalid:
        # mostly UTF-8 with some bytes broken: another encoding would "fit" only by garbling every
        # character that is right; say where it breaks instead of guessing
        raise PaperRejected(
            source,
            f"corrupt UTF-8: {utf8_error.reason} at byte {utf8_error.start} ({invalid} bad, {valid} good"
            " non-ASCII characters); save it as UTF-8 again",
        )
    text, encoding = _detected(raw)
    if text is None:
        raise PaperRejected(
            source,
            f"not valid UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) and no other text encoding"
            " fits it: binary or corrupt? save it as UTF-8",
        )
    return _checked(source, text, encoding)


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 LE/BE: zero bytes (the high byte of ASCII spaces, digits, line breaks) on one parity."""
    sample = raw[:8192]
    if len(sample) < 4 or len(raw) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2
    for encoding, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros > pairs * 0.05 and others <= zeros * 0.1:  # CJK: U+4E00 has a zero low byte
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding if _plausibility(text) >= _MIN_PLAUSIBILITY else None
    return None


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _detected(raw: bytes) -> tuple[str | None, str]:
    from charset_normalizer import from_bytes

    # charset-normalizer gives up on PDF-extracted CJK text (fullwidth forms, stray line breaks)
    # at its default "chaos" threshold; a lax one keeps it, and plausibility does the choosing.
    matches = list(from_bytes(raw, threshold=0.5))
    scored = [(round(_plausibility(str(m)), 3), -m.chaos, i) for i, m in enumerate(matches)]
    if not scored or max(scored)[0] < _MIN_PLAUSIBILITY:
        return None, ""
    best = matches[max(scored, key=lambda s: (s[0], s[1], -s[2]))[2]]
    return str(best), best.encoding


def _plausibility(text: str) -> float:
    """Share of non-ASCII characters that real text in the corpus languages is made of."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return 1.0
    good = sum(1 for ch in wide if _EXPECTED.match(ch) or _common_han(ch))
    mixed = len(_MIXED_SCRIPT.findall(text))  # "Cafй": a Latin word with a Cyrillic letter in it
    return (good - mixed) / len(wide)


def _common_han(ch: str) -> bool:
    """A frequent Chinese or Japanese character: GB2312 level 1, or JIS X 0208 level 1 kanji."""
    if not "\u4e00" <= ch <= "\u9fff":
        return False
    try:
        if 0xB0 <= ch.encode("gb2312")[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        return 0x88 <= ch.encode("shift_jis")[0] <= 0x98
    except UnicodeEncodeError:
        return False


def _checked(source: str, text: str, encoding: str) -> tuple[str, str]:
    controls = len(_CONTROL.findall(text[:200000]))
    if controls > max(3, len(text[:200000]) // 200):
        raise PaperRejected(source, f"binary content: {controls} control characters in the {encoding} text")
    if "\x00" in text:
        raise PaperRejected(source, "binary content (NUL characters in the text)")
    return text, encoding
