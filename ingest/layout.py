"""Page furniture in text extracted from PDFs: running heads, footers and page numbers.

Such lines interrupt sentences ("...при среднем периоде / 71 Г е м а т о л о г и я / Вопросы
гематологии ... 2023 | Том 22 | № 1 | 62-72 / наблюдения 50,8 мес"); normalization treats them
as whitespace so that the sentence reads through, while source offsets stay exact.

Text from our PDF reader marks page breaks with form feeds (`\f`); there the first and last lines
of each page are compared across pages (with their numbers masked, since running heads carry page
numbers), and lines that recur at the page edges, or that are only a page number, are furniture.
"""

from __future__ import annotations

import re
from collections import Counter

_LETTER_SPACED = re.compile(r"^\s*\d{0,4}\s*(?:[^\W\d] ){4,}[^\W\d]\s*$")
_JOURNAL_LINE = re.compile(r"(?:19|20)\d\d\s*\|[^\n]*\|")
_PAGE_NUMBER = re.compile(r"^\s*\d{1,4}\s*$")
_PAGE_LABEL = re.compile(
    r"^\s*(?:page|p\.|стр\.?|с\.|sayfa|第)?\s*[-–—]?\s*\d{1,4}\s*"
    r"(?:(?:/|of|из|из\s)\s*\d{1,4})?\s*(?:页|頁)?\s*[-–—]?\s*$",
    re.I,
)
_DIGITS = re.compile(r"\d+")
_EDGE_LINES = 3  # lines at the top and at the bottom of a page that may be furniture


def noise_spans(source: str) -> list[tuple[int, int]]:
    """Source spans of lines that are page furniture, not text."""
    lines = []
    pos = 0
    for line in source.split("\n"):
        lines.append((pos, pos + len(line), line))
        pos += len(line) + 1
    repeated = Counter(line.strip() for _, _, line in lines if 10 <= len(line.strip()) <= 120)
    first_seen: dict[str, int] = {}
    last_seen: dict[str, int] = {}
    for start, _, line in lines:
        first_seen.setdefault(line.strip(), start)
        last_seen[line.strip()] = start
    out = []
    for i, (start, end, line) in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _LETTER_SPACED.match(line) or _JOURNAL_LINE.search(line):
            out.append((start, end))
        elif (
            repeated[stripped] >= 3
            and last_seen[stripped] - first_seen[stripped] > len(source) / 2
            and not stripped.endswith((".", "。", ":", ";"))
        ):
            out.append((start, end))  # a running head repeated page after page
        elif _PAGE_NUMBER.match(line) and _blank_around(lines, i):
            out.append((start, end))
    if "\f" in source:
        out = sorted(set(out) | set(_page_edge_furniture(lines)))
    return out


def _page_edge_furniture(lines: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Lines at the top or bottom of pages (between form feeds) that recur there, or number the page."""
    pages: list[list[tuple[int, int, str]]] = [[]]
    for start, end, line in lines:
        if "\f" in line:
            pages.append([])
        elif line.strip():
            pages[-1].append((start, end, line))
    edges = [
        page[:_EDGE_LINES] + page[-_EDGE_LINES:] if len(page) > 2 * _EDGE_LINES else page for page in pages
    ]
    pages_with: Counter[str] = Counter()
    for edge in edges:
        pages_with.update({_DIGITS.sub("#", line.strip()) for _, _, line in edge})
    needed = max(2, -(-len(pages) * 3 // 10))  # on at least 30% of the pages
    out = []
    for edge in edges:
        for start, end, line in edge:
            stripped = line.strip()
            if _PAGE_LABEL.match(stripped) or (
                len(stripped) <= 150 and pages_with[_DIGITS.sub("#", stripped)] >= needed
            ):
                out.append((start, end))
    return out


def _blank_around(lines: list[tuple[int, int, str]], i: int) -> bool:
    """A page number stands alone: blank lines before and after it."""
    before = i == 0 or not lines[i - 1][2].strip()
    after = i + 1 >= len(lines) or not lines[i + 1][2].strip()
    return before and after
