"""HTML: the visible text, block structure kept as paragraphs and line breaks.

Scripts, styles, templates, forms and navigation are dropped; table rows become lines with
tab-separated cells. The encoding comes from a BOM, the page's `<meta charset>`, else detection.
Publishers' pages state their bibliographic details in `citation_*` (Highwire) and Dublin Core
`<meta>` tags; those are returned as metadata.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ingest.readers import DecodedText
from ingest.readers.blocks import TextBuilder
from ingest.readers.plain import decode_bytes
from kb.errors import PaperRejected

_DROP = {
    "script", "style", "noscript", "template", "head", "nav", "form", "button", "select",
    "textarea", "iframe", "object", "embed", "svg", "canvas", "audio", "video", "map",
}  # fmt: skip
_PARAGRAPH = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "figure", "figcaption",
    "caption", "section", "article", "header", "footer", "aside", "main", "address", "hr", "ul",
    "ol", "dl", "details", "summary", "fieldset", "legend",
}  # fmt: skip
_LINE = {"div", "li", "dt", "dd", "tr", "thead", "tbody", "tfoot", "br", "center"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def read_html(path: Path, raw: bytes) -> DecodedText:
    import lxml.html
    from lxml import etree

    text, encoding = _decode(str(path), raw)
    try:
        # huge_tree: libxml2 otherwise drops a text node over 10 MB (and the page read as empty);
        # KB_MAX_PAPER_BYTES already bounds the file
        parser = lxml.html.HTMLParser(huge_tree=True)
        root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", text, count=1), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise PaperRejected(str(path), f"unreadable HTML: {exc}") from exc
    metadata = _meta(root)
    builder = TextBuilder()
    body = root.find("body")
    _walk(body if body is not None else root, builder)
    return DecodedText(text=builder.result(), format="html", encoding=encoding, metadata=metadata)


def _decode(source: str, raw: bytes) -> tuple[str, str]:
    if raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_bytes(source, raw)
    declared = _META_CHARSET.search(raw[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            codec = None
        if codec is not None and not codec.startswith("utf-16"):  # a page in UTF-16 has a BOM
            try:
                return raw.decode(codec), codec
            except UnicodeDecodeError:
                pass  # the declaration is wrong: detect instead
    return decode_bytes(source, raw)


def _walk(element, builder: TextBuilder) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.lower()
    if tag in _DROP or element.get("hidden") is not None or element.get("aria-hidden") == "true":
        builder.text(" ")
        return
    if tag == "br":
        builder.line_break()
    elif tag in _PARAGRAPH:
        builder.paragraph_break()
    elif tag in _LINE:
        builder.line_break()
    if tag:  # comments and processing instructions have no text of their own
        builder.text(element.text, preformatted=tag == "pre")
    cells = 0
    for child in element:
        child_tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag == "tr" and child_tag in ("td", "th"):
            if cells:
                builder.cell_separator()
            cells += 1
        _walk(child, builder)
        builder.text(child.tail, preformatted=tag == "pre")
    if tag in _PARAGRAPH:
        builder.paragraph_break()
    elif tag in _LINE and tag != "br":
        builder.line_break()


_META_FIELDS = {
    "citation_title": "title",
    "dc.title": "title",
    "citation_journal_title": "journal",
    "prism.publicationname": "journal",
    "citation_volume": "volume",
    "prism.volume": "volume",
    "citation_issue": "issue",
    "prism.number": "issue",
    "citation_doi": "doi",
    "prism.doi": "doi",
    "dc.identifier": "doi",
    "citation_pmid": "pmid",
    "citation_firstpage": "first_page",
    "citation_lastpage": "last_page",
    "citation_publication_date": "date",
    "citation_date": "date",
    "citation_online_date": "date",
    "dc.date": "date",
    "prism.publicationdate": "date",
}


def _meta(root) -> dict[str, object]:
    """Bibliographic details from citation_* / Dublin Core / PRISM meta tags, and the <title>."""
    found: dict[str, object] = {}
    authors: list[str] = []
    keywords: list[str] = []
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = " ".join((meta.get("content") or "").split())
        if not content:
            continue
        if name in ("citation_author", "dc.creator", "dc.contributor"):
            if content not in authors:
                authors.append(content)
        elif name in ("citation_keywords", "keywords"):
            keywords.extend(k.strip() for k in re.split(r"[;,]", content) if k.strip())
        elif name in _META_FIELDS:
            key = _META_FIELDS[name]
            if key == "doi":
                match = re.search(r"10\.\d{4,9}/\S+", content)
                if not match:
                    continue
                content = match.group(0)
            found.setdefault(key, content)
    if "title" not in found:
        title = root.find(".//title")
        if title is not None and title.text_content().strip():
            found["title"] = " ".join(title.text_content().split())
    date = found.pop("date", None)
    if isinstance(date, str) and (year := re.search(r"\b(1[89]|20)\d\d\b", date)):
        found["year"] = int(year.group(0))
    first, last = found.pop("first_page", None), found.pop("last_page", None)
    if first:
        found["pages"] = f"{first}-{last}" if last and last != first else str(first)
    if authors:
        found["authors"] = authors
    if keywords:
        found["keywords"] = list(dict.fromkeys(keywords))
    return found
