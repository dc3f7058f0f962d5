"""JATS XML, as PubMed Central serves it (efetch, the OA service, OAI-PMH with its namespace).

The text is the article's title (and translated titles), its abstracts (and translated abstracts),
the body's sections (section titles as lines, paragraphs, lists), tables as rows of tab-separated
cells under their label and caption, and figure captions; the reference list and other back matter
are left out. The front matter's bibliographic details are returned as metadata. The DTD is never
loaded (no network, no entity expansion).
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.readers import DecodedText
from ingest.readers.blocks import TextBuilder
from kb.errors import PaperRejected

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Elements whose content is not part of the running text.
_SKIP = {
    "ref-list", "fn-group", "ack", "app-group", "glossary", "notes", "object-id", "alt-text",
    "long-desc", "processing-meta", "permissions", "graphic", "inline-graphic", "media",
    "table-wrap-foot", "attrib", "label-skip", "counts", "custom-meta-group", "history",
}  # fmt: skip
_PARAGRAPH = {
    "p", "title", "sec", "abstract", "trans-abstract", "list", "table-wrap", "fig", "caption",
    "boxed-text", "disp-quote", "def-list", "statement", "disp-formula", "preformat", "table",
    "fig-group", "table-wrap-group", "supplementary-material", "verse-group", "speech",
}  # fmt: skip
_LINE = {"list-item", "tr", "label", "def-item", "term", "def", "verse-line", "break"}


def _local(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def read_jats(path: Path, raw: bytes) -> DecodedText:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise PaperRejected(str(path), f"malformed XML: {exc}") from exc
    article = next((el for el in root.iter() if _local(el) == "article"), None)
    if article is None:
        raise PaperRejected(str(path), f"XML but not a JATS article (root element <{_local(root)}>)")
    front = _child(article, "front")
    meta = _child(front, "article-meta") if front is not None else None
    builder = TextBuilder()
    if meta is not None:
        for title in _descendants(meta, "article-title", within="title-group"):
            _flow(title, builder, block=True)
        for title in _descendants(meta, "trans-title"):
            _flow(title, builder, block=True)
        for abstract in _children(meta, "abstract", "trans-abstract"):
            if abstract.get("abstract-type") in ("teaser", "toc", "graphical"):
                continue
            if _child(abstract, "title") is None:
                builder.text(_abstract_heading(abstract))
                builder.line_break()
            _flow(abstract, builder)
    body = _child(article, "body")
    if body is not None:
        _flow(body, builder)
    floats = _child(article, "floats-group")
    if floats is not None:
        _flow(floats, builder)
    return DecodedText(text=builder.result(), format="jats", metadata=_front_metadata(article, meta))


def _abstract_heading(abstract) -> str:
    lang = abstract.get(XML_LANG)
    return "Abstract" if not lang or lang.lower().startswith("en") else f"Abstract ({lang})"


def _flow(element, builder: TextBuilder, block: bool = False) -> None:
    tag = _local(element)
    if tag in _SKIP:
        builder.text(" ")
        return
    if block or tag in _PARAGRAPH:
        builder.paragraph_break()
    elif tag in _LINE:
        builder.line_break()
    if tag == "label" and _local(element.getparent()) in ("table-wrap", "fig"):
        builder.text(element.text)  # "Table 1" then the caption on the same line
        builder.text(" ")
        return
    builder.text(element.text, preformatted=tag == "preformat")
    cells = 0
    for child in element:
        if tag == "tr" and _local(child) in ("td", "th"):
            if cells:
                builder.cell_separator()
            cells += 1
        if tag in ("table-wrap", "fig") and _local(child) == "caption":
            _caption(child, builder)
        else:
            _flow(child, builder)
        builder.text(child.tail)
    if block or tag in _PARAGRAPH:
        builder.paragraph_break()
    elif tag in _LINE:
        builder.line_break()


def _caption(caption, builder: TextBuilder) -> None:
    """A table or figure caption: its title and paragraphs on the label's line, then a break."""
    builder.text(caption.text)
    for child in caption:
        builder.text(" ")
        _flow_inline(child, builder)
        builder.text(child.tail)
    builder.paragraph_break()


def _flow_inline(element, builder: TextBuilder) -> None:
    if _local(element) in _SKIP:
        return
    builder.text(element.text)
    for child in element:
        _flow_inline(child, builder)
        builder.text(child.tail)


def _child(element, name: str):
    return next((c for c in element if _local(c) == name), None)


def _children(element, *names: str) -> list:
    return [c for c in element if _local(c) in names]


def _descendants(element, name: str, within: str | None = None) -> list:
    return [
        el
        for el in element.iter()
        if _local(el) == name and (within is None or _local(el.getparent()) == within)
    ]


def _plain(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _front_metadata(article, meta) -> dict[str, object]:
    found: dict[str, object] = {}
    front = _child(article, "front")
    journal_meta = _child(front, "journal-meta") if front is not None else None
    if journal_meta is not None:
        journal = next(iter(_descendants(journal_meta, "journal-title")), None)
        if journal is not None and _plain(journal):
            found["journal"] = _plain(journal)
    if meta is None:
        return found
    title = next(iter(_descendants(meta, "article-title", within="title-group")), None)
    if title is not None and _plain(title):
        found["title"] = _plain(title)
        lang = article.get(XML_LANG, "en").lower()
        if lang.startswith("en"):
            found["title_en"] = found["title"]
    for trans in _descendants(meta, "trans-title-group"):
        lang = (trans.get(XML_LANG) or "").lower()
        trans_title = _child(trans, "trans-title")
        if lang.startswith("en") and trans_title is not None and _plain(trans_title):
            found["title_en"] = _plain(trans_title)
    authors = []
    for contrib in _descendants(meta, "contrib"):
        if contrib.get("contrib-type", "author") != "author":
            continue
        name = _child(contrib, "name")
        if name is not None:
            given, surname = _plain(_child(name, "given-names")), _plain(_child(name, "surname"))
            full = (
                f"{given} {surname}".strip() if name.get("name-style") != "eastern" else f"{surname}{given}"
            )
            if full:
                authors.append(full)
        elif (collab := _child(contrib, "collab")) is not None and _plain(collab):
            authors.append(_plain(collab))
    if authors:
        found["authors"] = authors
    for article_id in _children(meta, "article-id"):
        kind = article_id.get("pub-id-type")
        if kind in ("doi", "pmid", "pmcid", "pmc") and _plain(article_id):
            found["doi" if kind == "doi" else "pmid" if kind == "pmid" else "pmcid"] = _plain(article_id)
    year = None
    for date in _children(meta, "pub-date"):
        text = _plain(_child(date, "year"))
        if re.fullmatch(r"\d{4}", text):
            if date.get("pub-type") in ("ppub", "epub", "collection") or date.get("publication-format"):
                year = int(text)
                break
            year = year or int(text)
    if year:
        found["year"] = year
    for field in ("volume", "issue"):
        value = _plain(_child(meta, field))
        if value:
            found[field] = value
    first, last = _plain(_child(meta, "fpage")), _plain(_child(meta, "lpage"))
    if first:
        found["pages"] = f"{first}-{last}" if last and last != first else first
    elif (elocation := _plain(_child(meta, "elocation-id"))) != "":
        found["pages"] = elocation
    keywords = [_plain(k) for group in _descendants(meta, "kwd-group") for k in _children(group, "kwd")]
    if keywords:
        found["keywords"] = [k for k in dict.fromkeys(keywords) if k]
    return found
