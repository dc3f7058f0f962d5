"""Page furniture in text extracted from PDFs: running heads, footers and page numbers.

Such lines interrupt sentences ("...при среднем периоде / 71 Г е м а т о л о г и я / Вопросы
гематологии ... 2023 | Том 22 | № 1 | 62-72 / наблюдения 50,8 мес"); normalization treats them
as whitespace so that the sentence reads through, while source offsets stay exact.
"""

from __future__ import annotations

import re
from collections import Counter

_LETTER_SPACED = re.compile(r"^\s*\d{0,4}\s*(?:[^\W\d] ){4,}[^\W\d]\s*$")
_JOURNAL_LINE = re.compile(r"(?:19|20)\d\d\s*\|[^\n]*\|")
_PAGE_NUMBER = re.compile(r"^\s*\d{1,4}\s*$")


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
    return out


def _blank_around(lines: list[tuple[int, int, str]], i: int) -> bool:
    """A page number stands alone: blank lines before and after it."""
    before = i == 0 or not lines[i - 1][2].strip()
    after = i + 1 >= len(lines) or not lines[i + 1][2].strip()
    return before and after
