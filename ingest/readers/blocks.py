"""Text from a marked-up tree (HTML, JATS): inline text flows, blocks become lines and paragraphs.

Shared by the HTML and JATS readers so that both lay out text alike: whitespace inside a block is
collapsed to single spaces (as a browser does), a paragraph ends with a blank line, a table row is
one line with its cells separated by tabs, and `<br/>` is a line break.
"""

from __future__ import annotations

import re

_SPACE = re.compile(r"[ \t\r\n\f\v]+")


class TextBuilder:
    """Accumulates text pieces and breaks; breaks in a row keep the strongest; output is stable."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pending_break = 0  # 0: none, 1: line break, 2: paragraph break
        self._pending_space = False
        self._at_line_start = True

    def text(self, text: str | None, preformatted: bool = False) -> None:
        if not text:
            return
        if preformatted:
            self._flush_break()
            self._parts.append(text)
            self._at_line_start = text.endswith("\n")
            self._pending_space = False
            return
        collapsed = _SPACE.sub(" ", text)
        if collapsed.startswith(" "):
            self._pending_space = True
            collapsed = collapsed[1:]
        if not collapsed:
            return
        trailing = collapsed.endswith(" ")
        collapsed = collapsed.rstrip(" ")
        self._flush_break()
        if self._pending_space and not self._at_line_start:
            self._parts.append(" ")
        self._parts.append(collapsed)
        self._at_line_start = False
        self._pending_space = trailing

    def cell_separator(self) -> None:
        """Between two cells of a table row: a tab (empty cells keep theirs, so columns line up)."""
        self._flush_break()
        self._parts.append("\t")
        self._at_line_start = True  # no space at the start of the next cell
        self._pending_space = False

    def line_break(self) -> None:
        self._break(1)

    def paragraph_break(self) -> None:
        self._break(2)

    def _break(self, strength: int) -> None:
        self._pending_space = False
        if self._parts:
            self._pending_break = max(self._pending_break, strength)

    def _flush_break(self) -> None:
        if self._pending_break:
            self._parts.append("\n" * self._pending_break)
            self._at_line_start = True
            self._pending_break = 0

    def result(self) -> str:
        text = "".join(self._parts)
        return text + "\n" if text else text
