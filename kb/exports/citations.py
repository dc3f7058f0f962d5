"""Citations of the papers behind a table or a page, as RIS and BibTeX.

The knowledge base knows of a paper what ingest read from its text: its id, file name, its title
in its own language, its language, the studies it reports, and, where ingest found them, the
English title, authors, journal, year, volume, issue, pages, DOI and keywords. What was not found
is not written (a citation manager shows it as missing rather than wrong); without a journal the
entry is generic (RIS GEN, BibTeX @misc). Each citation carries the paper's IRI and, in its note,
the studies with their registry ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from kb.model.records import PaperRef, StudyRef

# ISO 639-1 -> the language names citation managers expect in BibTeX's `language` field.
_LANGUAGE_NAMES = {"en": "english", "ru": "russian", "tr": "turkish", "zh": "chinese", "ja": "japanese"}


@dataclass(frozen=True)
class Bibliographic:
    """What ingest found of a paper's bibliographic record (kb.evidence.queries.PaperRow)."""

    authors: Sequence[str] = ()
    journal: str | None = None
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    title_en: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    keywords: Sequence[str] = ()


@dataclass(frozen=True)
class PaperCitation:
    paper: PaperRef
    iri: str
    studies: Sequence[StudyRef] = field(default_factory=tuple)
    details: Bibliographic = field(default_factory=Bibliographic)


def details_of(papers: Iterable[Any]) -> dict[str, Bibliographic]:
    """Bibliographic details by paper id, from rows such as kb.evidence.queries.PaperRow."""
    return {
        p.id: Bibliographic(
            authors=tuple(p.authors),
            journal=p.journal,
            year=p.year,
            doi=p.doi,
            pmid=getattr(p, "pmid", None),
            title_en=getattr(p, "title_en", None),
            volume=getattr(p, "volume", None),
            issue=getattr(p, "issue", None),
            pages=getattr(p, "pages", None),
            keywords=tuple(getattr(p, "keywords", None) or ()),
        )
        for p in papers
    }


def _page_range(pages: str) -> tuple[str, str | None] | None:
    """("62", "72") for "62-72", ("e123", None) for one page; None for lists such as "1, 3-5"."""
    match = re.fullmatch(r"\s*([^\s,;–—‒-]+)\s*(?:[-–—‒]+\s*([^\s,;–—‒-]+)\s*)?", pages)
    return None if match is None else (match.group(1), match.group(2))


def citations_for(
    papers: Sequence[PaperRef],
    studies_by_paper: Mapping[str, Sequence[StudyRef]],
    base_iri: str,
    details: Mapping[str, Bibliographic] | None = None,
) -> list[PaperCitation]:
    """One citation per paper, with the studies it reports and its bibliographic details (by id)."""
    out = []
    for paper in papers:
        studies = list({s.id: s for s in studies_by_paper.get(paper.id, ())}.values())
        iri = f"{base_iri}paper/{quote(paper.id, safe='')}"
        found = (details or {}).get(paper.id, Bibliographic())
        out.append(PaperCitation(paper=paper, iri=iri, studies=studies, details=found))
    return out


def _note(citation: PaperCitation) -> str:
    parts = [f"hemekb paper {citation.paper.id} (file {citation.paper.file})"]
    if citation.studies:
        described = []
        for study in citation.studies:
            extra = ", ".join([*study.registry_ids, *([study.design] if study.design else [])])
            role = "own study" if study.is_primary else "cited"
            described.append(f"{study.label} ({role}{', ' + extra if extra else ''})")
        parts.append("studies: " + "; ".join(described))
    return ". ".join(parts)


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def ris(citations: Sequence[PaperCitation]) -> str:
    """RIS records (TY GEN: the kind of publication is not recorded), CRLF line ends as RIS wants."""
    lines: list[str] = []
    for citation in citations:
        paper, details = citation.paper, citation.details
        lines.append("TY  - JOUR" if details.journal else "TY  - GEN")
        lines.append(f"TI  - {_one_line(paper.title) or paper.file}")
        if details.title_en and details.title_en != paper.title:
            lines.append(f"TT  - {_one_line(details.title_en)}")  # RIS: translated title
        lines.extend(f"AU  - {_one_line(author)}" for author in details.authors)
        if details.journal:
            lines.append(f"JO  - {_one_line(details.journal)}")
        if details.year:
            lines.append(f"PY  - {details.year}")
        if details.volume:
            lines.append(f"VL  - {_one_line(details.volume)}")
        if details.issue:
            lines.append(f"IS  - {_one_line(details.issue)}")
        if details.pages:
            page_range = _page_range(details.pages)
            if page_range is None:
                lines.append(f"SP  - {_one_line(details.pages)}")
            else:
                lines.append(f"SP  - {page_range[0]}")
                if page_range[1]:
                    lines.append(f"EP  - {page_range[1]}")
        if details.doi:
            lines.append(f"DO  - {details.doi}")
        if details.pmid:
            lines.append(
                f"AN  - {details.pmid}"
            )  # RIS accession number, where reference managers keep a PubMed id
        lines.extend(f"KW  - {_one_line(keyword)}" for keyword in details.keywords)
        if paper.language:
            lines.append(f"LA  - {paper.language}")
        lines.append(f"ID  - {paper.id}")
        lines.append(f"UR  - {citation.iri}")
        lines.append(f"N1  - {_one_line(_note(citation))}")
        lines.append("ER  - ")
        lines.append("")
    return "\r\n".join(lines)


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&#_$~^])")


def _bibtex_escape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        char = match.group(1)
        if char == "\\":
            return r"\textbackslash{}"
        if char in "~^":
            return {"~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}[char]
        return "\\" + char

    return _BIBTEX_SPECIAL.sub(replace, _one_line(text))


def bibtex_key(paper_id: str) -> str:
    return "hemekb:" + re.sub(r"[^A-Za-z0-9_.:-]+", "-", paper_id)


def bibtex(citations: Sequence[PaperCitation]) -> str:
    """@article (journal known) or @misc entries; UTF-8: use biblatex or a citation manager for
    Cyrillic and CJK titles."""
    entries = []
    for citation in citations:
        paper, details = citation.paper, citation.details
        fields = [("title", "{" + _bibtex_escape(paper.title or paper.file) + "}")]
        if details.title_en and details.title_en != paper.title:
            # biblatex prints titleaddon after the title: the English title of a paper in another language
            fields.append(("titleaddon", "{[" + _bibtex_escape(details.title_en) + "]}"))
        if details.authors:
            fields.append(("author", "{" + " and ".join(_bibtex_escape(a) for a in details.authors) + "}"))
        if details.journal:
            fields.append(("journal", "{" + _bibtex_escape(details.journal) + "}"))
        if details.year:
            fields.append(("year", "{" + str(details.year) + "}"))
        if details.volume:
            fields.append(("volume", "{" + _bibtex_escape(details.volume) + "}"))
        if details.issue:
            fields.append(("number", "{" + _bibtex_escape(details.issue) + "}"))
        if details.pages:
            page_range = _page_range(details.pages)
            pages = details.pages if page_range is None else "--".join(p for p in page_range if p)
            fields.append(("pages", "{" + _bibtex_escape(pages) + "}"))
        if details.keywords:
            fields.append(("keywords", "{" + ", ".join(_bibtex_escape(k) for k in details.keywords) + "}"))
        if details.doi:
            fields.append(("doi", "{" + details.doi.replace("{", "").replace("}", "") + "}"))  # verbatim
        if details.pmid:
            fields.append(("pmid", "{" + details.pmid + "}"))
        if paper.language:
            fields.append(("language", "{" + _LANGUAGE_NAMES.get(paper.language, paper.language) + "}"))
            fields.append(("langid", "{" + _LANGUAGE_NAMES.get(paper.language, paper.language) + "}"))
        fields.append(("url", "{" + citation.iri + "}"))
        fields.append(("note", "{" + _bibtex_escape(_note(citation)) + "}"))
        body = ",\n".join(f"  {name} = {value}" for name, value in fields)
        kind = "article" if details.journal else "misc"
        entries.append(f"@{kind}{{{bibtex_key(paper.id)},\n{body}\n}}\n")
    return "\n".join(entries)
