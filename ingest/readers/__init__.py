"""Readers: one module per file format, each turning a file's bytes into one decoded text.

The decoded text is the offset space of every record (evidence `char_start`/`char_end` point into
it), so every reader is deterministic: the same bytes always give the same text. A reader keeps
the document's block structure as line breaks (paragraphs, table rows, captions) and pages as form
feeds (`\\f`, as pdftotext does), which `ingest/layout.py` uses to read page furniture as
whitespace. Bad input is refused with `PaperRejected(source, one-line reason)`.

The format is chosen by suffix, then checked against the content: a `.pdf` that does not start
with `%PDF-` is refused, a `.txt` that is really a PDF is read as one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from kb.errors import PaperRejected


@dataclass(frozen=True)
class DecodedText:
    """A file's text as ingested, with what its format told about it."""

    text: str
    format: str  # "text", "html", "jats" or "pdf"
    encoding: str | None = None  # the character encoding a text or HTML file was decoded from
    pages: int | None = None  # PDF pages
    sha256: str = ""  # of the file's bytes
    # Bibliographic details the format states explicitly (JATS front matter, HTML citation_* meta):
    # title, title_en, authors, journal, year, volume, issue, pages, doi, pmid, keywords.
    metadata: dict[str, object] = field(default_factory=dict)


Reader = Callable[[Path, bytes], DecodedText]

FORMATS: dict[str, tuple[str, ...]] = {
    "text": (".txt", ".text"),
    "html": (".html", ".htm", ".xhtml"),
    "jats": (".xml", ".nxml"),
    "pdf": (".pdf",),
}
SUFFIXES: tuple[str, ...] = tuple(s for suffixes in FORMATS.values() for s in suffixes)


def _reader(kind: str) -> Reader:
    # Imported on use: the PDF reader loads PyMuPDF, which plain-text ingests never need.
    if kind == "text":
        from ingest.readers.plain import read_plain

        return read_plain
    if kind == "html":
        from ingest.readers.html import read_html

        return read_html
    if kind == "jats":
        from ingest.readers.jats import read_jats

        return read_jats
    if kind == "pdf":
        from ingest.readers.pdf import read_pdf

        return read_pdf
    raise ValueError(f"Unexpected format: {kind}")


def format_of(path: Path, raw: bytes) -> str:
    """The format of a file: by suffix, corrected by what its first bytes say."""
    suffix = path.suffix.lower()
    kind = next((k for k, suffixes in FORMATS.items() if suffix in suffixes), None)
    if kind is None:
        raise PaperRejected(
            str(path), f"unsupported extension {path.suffix or '(none)'!r}; supported: {', '.join(SUFFIXES)}"
        )
    head = raw[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if raw[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if kind == "pdf":
        raise PaperRejected(str(path), "not a PDF: the file does not start with %PDF-")
    if kind == "jats" and (head.startswith(b"<!doctype html") or head.startswith(b"<html")):
        return "html"
    return kind


def read_text(
    path: Path, max_bytes: int | None = None, max_pages: int | None = None, max_chars: int | None = None
) -> DecodedText:
    """Decode one paper file, or raise PaperRejected with a one-line reason.

    `max_bytes` caps the file size (KB_MAX_PAPER_BYTES), `max_pages` a PDF's pages (KB_MAX_PDF_PAGES),
    `max_chars` the decoded text (KB_MAX_TEXT_CHARS); None: no limit.
    """
    source = str(path)
    if not path.exists():
        raise PaperRejected(source, "no such file")
    if not path.is_file():
        raise PaperRejected(source, "not a regular file")
    if path.suffix.lower() not in SUFFIXES:
        format_of(path, b"")  # raises: unsupported extension
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise PaperRejected(
            source,
            f"file too large: {size:,} bytes, over the {max_bytes:,}-byte limit (raise KB_MAX_PAPER_BYTES)",
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise PaperRejected(source, "empty file")
    kind = format_of(path, raw)
    if kind == "pdf" and max_pages is not None:
        from ingest.readers.pdf import pdf_page_count

        pages = pdf_page_count(raw)
        if pages is not None and pages > max_pages:
            raise PaperRejected(
                source, f"PDF too long: {pages:,} pages, over the {max_pages:,}-page limit (KB_MAX_PDF_PAGES)"
            )
    decoded = _reader(kind)(path, raw)
    if not decoded.text.strip():
        raise PaperRejected(source, f"no text in this {decoded.format} file")
    if max_chars is not None and len(decoded.text) > max_chars:
        raise PaperRejected(
            source,
            f"text too long: {len(decoded.text):,} characters, over the {max_chars:,}-character limit"
            " (KB_MAX_TEXT_CHARS)",
        )
    return replace(decoded, sha256=hashlib.sha256(raw).hexdigest())
