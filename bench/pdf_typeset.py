"""Typeset real corpus text as a journal-like PDF, for the PDF reader benchmark and tests.

The PDF keeps the source's lines (a line too long for its column wraps, hyphenating a word when
one must be split), sets them in one or more columns, and adds what real journal pages carry: a
running head (alternating between even and odd pages), a footer and a page number. The content
stream can be written out of reading order (right column first, footer before head), as many
real PDFs are, so that a reader has to order text by geometry. Fonts are PyMuPDF's built-in ones
(Nimbus Sans for Latin and Cyrillic, Droid Sans Fallback for CJK and missing glyphs), so nothing
is fetched. A ruled table can be drawn too.

    python bench/pdf_typeset.py data/papers/000_4c4594d802944b47.txt /tmp/ru.pdf --columns 2
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

A4 = (595.0, 842.0)
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
_TABLE_CELL = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?(?:\s*\(\s*\d+(?:[.,]\d+)?\s*\))?(?![\w.,])")
_WORD = re.compile(r"^[^\W\d_]{5,}$")


@dataclass
class Typeset:
    """What was typeset: the file, and what a reader must undo."""

    path: Path
    pages: int
    furniture: list[str] = field(default_factory=list)  # running heads and footers, as drawn
    hyphenated: list[str] = field(default_factory=list)  # words split across lines by this typesetter
    tables: list[list[list[str]]] = field(default_factory=list)


@dataclass
class _Fonts:
    main: pymupdf.Font
    fallback: pymupdf.Font

    def runs(self, text: str) -> list[tuple[str, pymupdf.Font]]:
        """Split text into runs of one font: the main font where it has the glyph."""
        out: list[tuple[str, pymupdf.Font]] = []
        for ch in text:
            font = self.main if self.main.has_glyph(ord(ch)) or ch == " " else self.fallback
            if out and out[-1][1] is font:
                out[-1] = (out[-1][0] + ch, font)
            else:
                out.append((ch, font))
        return out

    def width(self, text: str, size: float) -> float:
        return sum(font.text_length(run, fontsize=size) for run, font in self.runs(text))


def typeset(
    text: str,
    path: Path,
    *,
    columns: int = 2,
    fontsize: float | None = None,
    heads: tuple[str, str] | None = ("Journal of Hematology 2023 | Vol. 22 | No. 1", "Original article"),
    footer: str | None = "© Authors, 2023",
    page_numbers: bool = True,
    scrambled: bool = True,
    first_page: int = 62,
    table: list[list[str]] | None = None,
) -> Typeset:
    """Write `text` as a PDF at `path`; a ruled `table` (rows of cells) goes on the first page."""
    cjk = len(_CJK.findall(text)) > len(text) * 0.2
    fonts = _Fonts(main=pymupdf.Font("cjk" if cjk else "helv"), fallback=pymupdf.Font("cjk"))
    size = fontsize or (9.0 if cjk else 8.5)
    width, height = A4
    margin, top, bottom, gap = 48.0, 70.0, height - 60.0, 18.0
    column_width = (width - 2 * margin - (columns - 1) * gap) / columns
    leading = size * 1.35
    result = Typeset(path=path, pages=0, tables=[table] if table else [])
    lines = _wrap(text, fonts, size, column_width, result.hyphenated, cjk)

    doc = pymupdf.open()
    page_no = 0
    while lines or page_no == 0:
        page = doc.new_page(width=width, height=height)
        y_start = top
        if page_no == 0 and table:
            y_start = _draw_table(page, table, fonts, size, margin, top, width - margin) + leading
        placed: list[list[tuple[float, float, str, float]]] = []
        for column in range(columns):
            x = margin + column * (column_width + gap)
            y = y_start
            col: list[tuple[float, float, str, float]] = []
            while lines and y + leading <= bottom:
                line = lines.pop(0)
                if line is not None:
                    # A table row too wide for the column is set in smaller type, as journals do.
                    line_size = min(size, size * column_width / max(1.0, fonts.width(line, size)))
                    col.append((x, y + size, line, line_size))
                    y += leading
                elif col:
                    y += leading * 0.9  # a paragraph gap
            placed.append(col)
        writer = pymupdf.TextWriter(page.rect)
        furniture: list[tuple[float, float, str, float]] = []
        number = first_page + page_no
        if heads:
            head = heads[page_no % 2]
            furniture.append((margin, 40.0, head, size))
            result.furniture.append(head)
        if footer:
            furniture.append((margin, height - 30.0, footer, size))
            result.furniture.append(footer)
        if page_numbers:
            x_number = width - margin - fonts.width(str(number), size)
            furniture.append((x_number, height - 30.0, str(number), size))
        order = (
            [*furniture[::-1], *[ln for col in placed[::-1] for ln in col]]
            if scrambled
            else [
                *furniture[:1],
                *[ln for col in placed for ln in col],
                *furniture[1:],
            ]
        )
        for x, y, line, line_size in order:
            _write(writer, fonts, x, y, line, line_size)
        writer.write_text(page)
        page_no += 1
    doc.subset_fonts()
    doc.save(path, garbage=3, deflate=True)
    result.pages = page_no
    return result


def _write(writer: pymupdf.TextWriter, fonts: _Fonts, x: float, y: float, text: str, size: float) -> None:
    for run, font in fonts.runs(text):
        writer.append((x, y), run, font=font, fontsize=size)
        x += font.text_length(run, fontsize=size)


def _wrap(
    text: str, fonts: _Fonts, size: float, width: float, hyphenated: list[str], cjk: bool
) -> list[str | None]:
    """Source lines fitted to the column; None marks a paragraph gap (a blank source line)."""
    out: list[str | None] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            if out and out[-1] is not None:
                out.append(None)
            continue
        if len(_TABLE_CELL.findall(line)) >= 3 and fonts.width(line, size) <= 1.6 * width:
            out.append(line)  # a table row: set smaller, never wrapped
            continue
        while fonts.width(line, size) > width:
            cut = _fit(line, fonts, size, width)
            head, rest = line[:cut], line[cut:]
            if rest[:1] != " " and head[-1:] != " " and not (_CJK.match(rest[:1]) or _CJK.match(head[-1:])):
                space = head.rfind(" ")
                word = (head[space + 1 :] + rest).split(" ")[0]
                piece = head[space + 1 :]
                if _WORD.match(word) and len(piece) >= 3 and len(word) - len(piece) >= 3:
                    cut = _fit(line, fonts, size, width - fonts.width("-", size))
                    piece = line[space + 1 : cut]
                    if len(piece) >= 3 and len(word) - len(piece) >= 3:
                        hyphenated.append(word)
                        out.append(line[:cut] + "-")
                        line = line[cut:]
                        continue
                if space > 0:
                    cut = space
            out.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        if line:
            out.append(line)
    return out


def _fit(line: str, fonts: _Fonts, size: float, width: float) -> int:
    lo, hi = 1, len(line)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fonts.width(line[:mid], size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _draw_table(
    page: pymupdf.Page, rows: list[list[str]], fonts: _Fonts, size: float, x0: float, y0: float, x1: float
) -> float:
    """A ruled table across the page; returns its bottom edge."""
    n = max(len(r) for r in rows)
    first = (x1 - x0) * 0.4
    xs = [x0, x0 + first, *[x0 + first + (x1 - x0 - first) * (i + 1) / (n - 1) for i in range(n - 1)]]
    row_height = size * 2.0
    writer = pymupdf.TextWriter(page.rect)
    shape = page.new_shape()
    for i, row in enumerate(rows):
        y = y0 + i * row_height
        for j, cell in enumerate(row):
            _write(writer, fonts, xs[j] + 3, y + row_height * 0.7, cell, size)
        shape.draw_line((x0, y), (x1, y))
    bottom = y0 + len(rows) * row_height
    shape.draw_line((x0, bottom), (x1, bottom))
    for x in xs:
        shape.draw_line((x, y0), (x, bottom))
    shape.finish(color=(0, 0, 0), width=0.5)
    shape.commit()
    writer.write_text(page)
    return bottom


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", type=Path)
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--columns", type=int, default=2)
    parser.add_argument("--in-order", action="store_true", help="write the content stream in reading order")
    args = parser.parse_args()
    done = typeset(
        args.text.read_text(encoding="utf-8"), args.pdf, columns=args.columns, scrambled=not args.in_order
    )
    print(f"{done.path}: {done.pages} pages, {len(done.hyphenated)} words hyphenated")


if __name__ == "__main__":
    main()
