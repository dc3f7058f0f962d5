"""Paper metadata read from the text itself: title, authors, journal, year, volume, pages, DOI.

Text extracted from a paper's PDF keeps its front matter and page furniture: a title above an
author list ("L.A. Vavilova, Yu.Yu. Dyakonova, ..."; "李志超 黄 方 郝思国"), a journal footer
("Вопросы гематологии/онкологии ... / 2023 | Том 22 | № 1 | 62‒72"), keyword lines. What a format
states explicitly (JATS front matter, HTML citation_* meta tags) takes precedence over what is
read from the text. Nothing is guessed from the body: years and DOIs of cited work are not the
paper's own, so only labelled or front-matter values are taken.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ingest.language import block_language

_FRONT_CHARS = 8000  # the title, authors and abstract are at the start of the text
_UPPER = "A-ZА-ЯЁ"
_LOWER = "a-zа-яёğüşöçı"
# "L.A. Vavilova", "Yu.Yu. Dyakonova", "L.Kh. Anderzhanova", "Л.А. Вавилова", "Vavilova L.A."
_INITIALS = rf"(?:[{_UPPER}][{_LOWER}]?\.\s?-?){{1,3}}"
_SURNAME = rf"[{_UPPER}][{_LOWER}'’]+(?:-[{_UPPER}][{_LOWER}'’]+)?"
_NAME = re.compile(rf"^(?:{_INITIALS}\s*{_SURNAME}|{_SURNAME}\s+{_INITIALS})$")
_NAME_SEPARATORS = re.compile(r"\s*(?:,|;|\band\b|\bи\b|\bve\b|&)\s*")
_MARKS = re.compile(r"[\d*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰]+")
_HAN_NAME_LINE = re.compile(r"^[\u4e00-\u9fff]{1,4}(?:[ \u3000]+[\u4e00-\u9fff]{1,4}){1,9}$")
_ABSTRACT_START = re.compile(
    r"^\s*(?:[【［\[]\s*)?(?:abstract|summary|аннотация|резюме|özet|öz|摘\s*要|要\s*旨|抄\s*録)", re.I
)
# Column tags and article types above a title: "∙论著∙", "·综述·", "ORIGINAL ARTICLE", "Derleme".
_RUBRIC = re.compile(
    r"^\s*(?:[∙·•・]\s*\S{1,8}\s*[∙·•・]|original (?:article|research|paper)s?|review(?: article)?|"
    r"case report|research article|оригинальн\w+ стать\w+|обзор\w*|клинический случай|derleme|"
    r"araştırma makalesi|olgu sunumu|症例報告|原著|総説|论著|综述|述评|短篇论著|病例报告)\s*$",
    re.I,
)
_CITATION_PATTERNS = [
    # 2023 | Том 22 | № 1 | 62‒72
    re.compile(
        r"(?P<year>(?:19|20)\d\d)\s*\|\s*(?:Том|Vol\.?|Volume)\s*(?P<volume>\d+)\s*\|\s*(?:№|No\.?|Issue)\s*"
        r"(?P<issue>\d+)\s*\|\s*(?P<pages>\d+\s*[-‒–—]\s*\d+)",
        re.I,
    ),
    # 2023; 22(1): 62-72 / 2023, 22 (1), 62–72
    re.compile(
        r"(?<!\d)(?P<year>(?:19|20)\d\d)\s*[;,]\s*(?P<volume>\d{1,4})\s*\((?P<issue>[\d-]{1,5})\)\s*[:,]\s*"
        r"(?P<pages>[eE]?\d+(?:\s*[-‒–—]\s*\d+)?)"
    ),
    # Vol. 22, No. 1, pp. 62-72 (year nearby)
    re.compile(
        r"\bVol(?:\.|ume)\s*(?P<volume>\d+)\s*,?\s*(?:No\.?|Issue)\s*(?P<issue>\d+)"
        r"(?:\s*,?\s*(?:pp?\.)\s*(?P<pages>\d+\s*[-‒–—]\s*\d+))?",
        re.I,
    ),
    # 2021年第42卷第1期 / 2021年1月第42卷第1期
    re.compile(
        r"(?P<year>(?:19|20)\d\d)\s*年\s*(?:\d{1,2}\s*月\s*)?第\s*(?P<volume>\d+)\s*卷\s*第\s*(?P<issue>\d+)\s*期"
    ),
    # 第62巻 第3号 (Japanese)
    re.compile(r"第\s*(?P<volume>\d+)\s*巻\s*第?\s*(?P<issue>\d+)\s*号"),
    # Cilt 17, Sayı 2 (Turkish)
    re.compile(r"\bCilt\s*[:.]?\s*(?P<volume>\d+)\s*[,;]?\s*Sayı\s*[:.]?\s*(?P<issue>\d+)", re.I),
]
_COPYRIGHT_YEAR = re.compile(r"©\s*(?:[^\n\d]{0,40}?)((?:19|20)\d\d)")
_DOI = re.compile(r"(?:\bdoi\s*[:：]?\s*|doi\.org/)(10\.\d{4,9}/[^\s\"<>]+)", re.I)
# "PMID: 31200955", "PubMed ID 31200955": PubMed ids are 1 to 8 digits
_PMID = re.compile(r"\b(?:PMID|PubMed\s*ID)\s*[:：]?\s*(\d{1,8})(?!\d)", re.I)
_KEYWORDS = re.compile(
    r"^\s*(?:[【\[]\s*)?(?:key\s*words|keywords|ключевые слова|anahtar (?:kelimeler|sözcükler)|关键词|"
    r"关键字|キーワード|索引用語)\s*[】\]]?\s*[:：.]?\s*(?P<rest>.*)$",
    re.I | re.M,
)


@dataclass(frozen=True)
class PaperMetadata:
    title: str | None = None  # in the paper's language where found, else the English title
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


def paper_metadata(text: str, language: str, declared: Mapping[str, object] | None = None) -> PaperMetadata:
    """Metadata of a paper from its text; `declared` values (from the file format) win."""
    found = _from_text(text, language)
    declared = dict(declared or {})
    for key in ("title", "title_en", "journal", "volume", "issue", "pages", "doi", "pmid"):
        value = declared.get(key)
        if isinstance(value, str) and value.strip():
            found[key] = " ".join(value.split())
    if isinstance(declared.get("year"), int):
        found["year"] = declared["year"]
    for key in ("authors", "keywords"):
        value = declared.get(key)
        if isinstance(value, list | tuple) and value:
            found[key] = tuple(str(v) for v in value)
    if found.get("title") is None and found.get("title_en"):
        found["title"] = found["title_en"]
    return PaperMetadata(**found)


def _from_text(text: str, language: str) -> dict:
    found: dict = {}
    lines = _front_lines(text)
    titles = _titles(lines, language)
    for title in titles:
        if block_language(title) in (None, language) and language != "en":
            found.setdefault("title", title)
        elif (block_language(title) or "en") == "en":
            found.setdefault("title_en", title)
            if language == "en":
                found.setdefault("title", title)
        else:
            found.setdefault("title", title)
    authors = _authors(lines)
    if authors:
        found["authors"] = tuple(authors)
    found.update(_citation(text))
    if "year" not in found and (copyright := _COPYRIGHT_YEAR.search(text)):
        found["year"] = int(copyright.group(1))
    doi = _DOI.search(text[:_FRONT_CHARS])
    if doi:
        found["doi"] = doi.group(1).rstrip(".,;)]}")
    pmid = _PMID.search(text[:_FRONT_CHARS])
    if pmid:
        found["pmid"] = pmid.group(1)
    keywords = _keywords(text)
    if keywords:
        found["keywords"] = keywords
    return found


def _front_lines(text: str) -> list[str]:
    return [line.strip() for line in text[:_FRONT_CHARS].replace("\f", "\n").split("\n")]


def _is_author_line(line: str) -> bool:
    parts = [p for p in _NAME_SEPARATORS.split(_MARKS.sub("", line)) if p.strip()]
    if len(parts) >= 2:
        return sum(1 for p in parts if _NAME.match(p.strip())) >= max(2, 0.8 * len(parts))
    return False


def _authors(lines: list[str]) -> list[str]:
    """The first author list in the front matter: initials-and-surname lines, or a line of Han names."""
    for i, line in enumerate(lines):
        if _is_author_line(line):
            block = [line]
            for follow in lines[i + 1 :]:  # the list goes on while lines add names ("Yu.V. / Olshanskaya")
                if not follow or len(_names(" ".join([*block, follow]))) <= len(_names(" ".join(block))):
                    break
                block.append(follow)
            return list(dict.fromkeys(_names(" ".join(block))))
        if _HAN_NAME_LINE.match(line) and i > 0 and _title_above(lines, i):
            return _han_names(line.split())
    return []


def _names(text: str) -> list[str]:
    parts = (" ".join(p.split()) for p in _NAME_SEPARATORS.split(_MARKS.sub("", text)))
    return [p for p in parts if _NAME.match(p)]


def _han_names(tokens: list[str]) -> list[str]:
    """Chinese names as typeset: two-character names are spaced out ("黄 方") to align with others."""
    names: list[str] = []
    i = 0
    while i < len(tokens):
        if len(tokens[i]) == 1 and i + 1 < len(tokens) and len(tokens[i + 1]) == 1:
            names.append(tokens[i] + tokens[i + 1])
            i += 2
        else:
            names.append(tokens[i])
            i += 1
    return names


def _title_above(lines: list[str], i: int) -> bool:
    above = [line for line in lines[:i] if line]
    return bool(above) and _title_like(above[-1])


def _title_like(line: str) -> bool:
    if not 4 <= len(line) <= 300 or _RUBRIC.match(line) or _ABSTRACT_START.match(line):
        return False
    if line.endswith((".", "。", ",", "，", ";", "、", "-")) or line[0].islower():
        return False
    return bool(re.search(r"[^\W\d_]", line))


def _titles(lines: list[str], language: str) -> list[str]:
    """Titles in the front matter: the lines above an author list, or a title-like first line."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if _is_author_line(line) or (_HAN_NAME_LINE.match(line) and i > 0 and _title_above(lines, i)):
            title = _lines_above(lines, i)
            if title:
                out.append(title)
            break
    first = next((j for j, line in enumerate(lines) if line and not _RUBRIC.match(line)), None)
    if first is not None and _title_like(lines[first]) and first + 1 < len(lines):
        following = lines[first + 1]
        ends_front = not following or _ABSTRACT_START.match(following) or _is_author_line(following)
        if ends_front and lines[first] not in " ".join(out):
            out.insert(0, lines[first])
    return out


def _lines_above(lines: list[str], i: int) -> str | None:
    """A title of up to three lines ending just above line i (blank lines in between skipped)."""
    j = i - 1
    while j >= 0 and not lines[j]:
        j -= 1
    if j < 0:
        return None
    script = block_language(lines[j]) or ""
    picked: list[str] = []
    while j >= 0 and lines[j] and len(picked) < 3:
        line = lines[j]
        if picked and (line.endswith((".", "。")) or (block_language(line) or script) != script):
            break
        if _RUBRIC.match(line) or _ABSTRACT_START.match(line):
            break
        picked.insert(0, line)
        j -= 1
    if not picked:
        return None
    joiner = "" if script in ("zh", "ja") else " "
    title = joiner.join(picked)
    return title if _title_like(title) or len(picked) > 1 else None


def _citation(text: str) -> dict:
    for pattern in _CITATION_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v}
        found: dict = {}
        if "year" in groups:
            found["year"] = int(groups["year"])
        for key in ("volume", "issue"):
            if key in groups:
                found[key] = groups[key]
        if "pages" in groups:
            found["pages"] = re.sub(r"\s*[‒–—]\s*|\s*-\s*", "-", groups["pages"])
        journal = _journal_near(text, match.start(), match.end())
        if journal:
            found["journal"] = journal
        return found
    return {}


def _journal_near(text: str, start: int, end: int) -> str | None:
    """The journal's name: on the citation line before the numbers, or the line above it."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start].strip(" |;,.\t")
    before = re.sub(r"[\s|;,.]*$", "", before)
    if len(re.findall(r"[^\W\d_]", before)) >= 6:
        return " ".join(before.split())
    previous = text[:line_start].rstrip().rsplit("\n", 1)[-1].strip()
    if 6 <= len(previous) <= 150 and not re.search(r"\d{3,}", previous) and not previous.endswith("."):
        return " ".join(previous.split())
    return None


def _keywords(text: str) -> tuple[str, ...]:
    words: list[str] = []
    for match in _KEYWORDS.finditer(text):
        rest = match.group("rest").strip()
        end = match.end()
        while rest.endswith((";", ",", "；", "，")):  # the list goes on on the next line
            following = text[end + 1 :].split("\n", 1)[0].strip()
            if not following:
                break
            rest += " " + following
            end += len(text[end + 1 :].split("\n", 1)[0]) + 1
        separator = r"[;；]" if re.search(r"[;；]", rest) else r"[,，、]"
        words.extend(w.strip(" .。") for w in re.split(separator, rest) if w.strip(" .。"))
    return tuple(dict.fromkeys(words))
