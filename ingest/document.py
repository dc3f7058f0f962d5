"""A paper as read from disk: its decoded text (the offset space of every record), identity and metadata."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.readers import read_text
from kb.model.records import paper_id_for


@dataclass(frozen=True)
class LanguageSection:
    """A stretch of the text in one language: `kind` is "front", "abstract" or "body"."""

    kind: str
    language: str
    char_start: int
    char_end: int


@dataclass(frozen=True)
class PaperDocument:
    id: str
    file: str
    text: str
    sha256: str
    language: str
    title: str | None = None  # in the paper's language where the text has it, else the English title
    # Bibliographic details found in the text or stated by the format (JATS front matter, HTML meta).
    title_en: str | None = None
    authors: tuple[str, ...] = ()
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()  # every language with a section of its own, the main one first
    sections: tuple[LanguageSection, ...] = ()
    format: str = "text"  # the reader that decoded the file: text, html, jats or pdf
    encoding: str | None = None  # the character encoding of a text or HTML file


def read_paper(path: Path, max_bytes: int | None = None) -> PaperDocument:
    """Read and decode one paper file, or raise PaperRejected with a one-line reason.

    `max_bytes` caps the file size; by default it is the KB_MAX_PAPER_BYTES setting.
    """
    from ingest.language import detect_language, language_sections
    from ingest.metadata import paper_metadata
    from kb.settings import Settings

    settings = Settings()
    if max_bytes is None:
        max_bytes = settings.max_paper_bytes
    decoded = read_text(
        path, max_bytes=max_bytes, max_pages=settings.max_pdf_pages, max_chars=settings.max_text_chars
    )
    text = decoded.text
    language = detect_language(text)
    sections = tuple(
        LanguageSection(s.kind, s.language, s.start, s.end) for s in language_sections(text, language)
    )
    meta = paper_metadata(text, language, decoded.metadata)
    languages = [language, *(s.language for s in sections)]
    return PaperDocument(
        id=paper_id_for(path.name),
        file=path.name,
        text=text,
        sha256=decoded.sha256,
        language=language,
        title=meta.title,
        title_en=meta.title_en,
        authors=meta.authors,
        journal=meta.journal,
        year=meta.year,
        volume=meta.volume,
        issue=meta.issue,
        pages=meta.pages,
        doi=meta.doi,
        pmid=meta.pmid,
        keywords=meta.keywords,
        languages=tuple(dict.fromkeys(languages)),
        sections=sections,
        format=decoded.format,
        encoding=decoded.encoding,
    )
