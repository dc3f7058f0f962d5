"""Paper metadata read from the text itself."""

from __future__ import annotations


def guess_title(text: str) -> str | None:
    """The first non-empty line, a reasonable title for text extracted from a PDF's first page."""
    for line in text.splitlines():
        line = line.strip()
        if len(line) >= 4:
            return line[:300]
    return None
