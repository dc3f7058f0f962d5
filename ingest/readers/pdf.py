"""PDF: the text layer, in reading order, one text string for the whole document.

PyMuPDF gives the lines of each page with their boxes (chosen over pypdf and pdfplumber by
measurement: bench/results/pdf_readers.md). The order is our own, by geometry, because content
streams are often not in reading order:

- Columns: a page has columns when a vertical gutter separates lines on both sides, on at least
  one side lines of running text that fill their column; lines that cross a gutter (titles,
  full-width tables and figures, footnotes) span it and cut the page into sections.
  Each section is read column by column, top to bottom.
- Running heads and footers: rows at the top or bottom of the page set apart by a wider gap are
  read first or last, as lines of their own between blank lines, so that `ingest/layout.py` can
  treat them (with the page numbers) as whitespace. Pages are separated by a form feed (`\\f`).
- Tables: ruled tables found by PyMuPDF become one line per row, cells separated by tabs; lines of
  an unruled table that share a baseline are joined the same way.
- Hyphenation is left in the text ("заболе-\\nвание"): normalization joins it, and offsets stay
  those of the text as extracted.

Encrypted (password-protected), corrupt and truncated files, and PDFs with no text layer, are
refused with a one-line reason.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from pathlib import Path

from ingest.readers import DecodedText
from kb.errors import PaperRejected

PAGE_BREAK = "\f"


@dataclass
class _Line:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def pdf_page_count(raw: bytes) -> int | None:
    """The number of pages of a PDF, from its page tree, without reading any page; None when the
    file does not open (read_pdf then says why)."""
    import pymupdf

    try:
        with pymupdf.open(stream=raw, filetype="pdf") as doc:
            return int(doc.page_count)
    except Exception:  # PyMuPDF raises FileDataError, RuntimeError, ValueError...
        return None


def read_pdf(path: Path, raw: bytes) -> DecodedText:
    import pymupdf

    if hasattr(pymupdf, "no_recommend_layout"):
        pymupdf.no_recommend_layout()  # its find_tables otherwise advertises a package on stdout

    source = str(path)
    if b"%%EOF" not in raw[-4096:]:
        raise PaperRejected(source, "truncated PDF: no %%EOF trailer at the end of the file")
    try:
        doc = pymupdf.open(stream=raw, filetype="pdf")
    except Exception as exc:  # PyMuPDF raises FileDataError, RuntimeError, ValueError...
        raise PaperRejected(source, f"corrupt PDF: {' '.join(str(exc).split())}") from exc
    with doc:
        if doc.needs_pass:
            raise PaperRejected(source, "encrypted PDF: it needs a password; save an unprotected copy")
        if doc.page_count == 0:
            raise PaperRejected(source, "PDF with no pages")
        try:
            pages = [page_text(page) for page in doc]
        except Exception as exc:
            raise PaperRejected(source, f"corrupt PDF: {' '.join(str(exc).split())}") from exc
    if not any(p.strip() for p in pages):
        raise PaperRejected(source, "PDF without a text layer (scanned images?): run OCR on it first")
    text = f"\n{PAGE_BREAK}\n".join(pages)
    return DecodedText(text=text + "\n", format="pdf", pages=len(pages))


def page_text(page) -> str:
    """The text of one page in reading order: lines, blank lines between paragraphs and bands."""
    lines = _page_lines(page)
    tables = _ruled_tables(page)
    if tables:
        lines = [ln for ln in lines if not any(_inside(ln, t[0]) for t in tables)]
        for bbox, rows in tables:  # a table is one spanning block: its rows, as lines
            x0, y0, x1, y1 = bbox
            size = statistics.median(ln.size for ln in lines) if lines else 10.0
            lines.append(_Line(x0, y0, x1, y1, "\n".join(rows), size))
    if not lines:
        return ""
    out: list[str] = []
    for band in _reading_order(lines, page.rect.width, page.rect.height):
        if out:
            out.append("")
        out.extend(band)
    return "\n".join(out).strip("\n")


def _page_lines(page) -> list[_Line]:
    import pymupdf

    flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_MEDIABOX_CLIP
    lines = []
    for block in page.get_text("dict", flags=flags)["blocks"]:
        if block.get("type") != 0:
            continue
        for line in block["lines"]:
            spans = [s for s in line["spans"] if s["text"]]
            text = "".join(s["text"] for s in spans)
            if not text.strip():
                continue
            x0, y0, x1, y1 = line["bbox"]
            size = max(s["size"] for s in spans)
            lines.append(_Line(x0, y0, x1, y1, text.rstrip(), size))
    return lines


def _ruled_tables(page) -> list[tuple[tuple[float, float, float, float], list[str]]]:
    """Tables drawn with rules, as (bbox, rows of tab-separated cells)."""
    if not page.get_drawings():
        return []
    found = []
    for table in page.find_tables().tables:
        rows = []
        for row in table.extract():
            cells = [" ".join((cell or "").split()) for cell in row]
            if any(cells):
                rows.append("\t".join(cells))
        if rows and table.col_count >= 2:
            found.append((tuple(table.bbox), rows))
    return found


def _inside(line: _Line, bbox: tuple[float, float, float, float]) -> bool:
    cx, cy = (line.x0 + line.x1) / 2, (line.y0 + line.y1) / 2
    return bbox[0] - 1 <= cx <= bbox[2] + 1 and bbox[1] - 1 <= cy <= bbox[3] + 1


def _reading_order(lines: list[_Line], width: float, height: float) -> list[list[str]]:
    """Bands of output lines: the running head, each section's columns, the footer."""
    rows = _rows(sorted(lines, key=lambda ln: (ln.y0, ln.x0)))
    line_height = statistics.median(ln.height for ln in lines)
    head, body, foot = _margin_bands(rows, line_height, height)
    bands: list[list[str]] = []
    bands.extend([_row_text(row)] for row in head)
    body_lines = [ln for row in body for ln in row]
    if body_lines:
        bands.extend(_body_bands(body_lines, width, line_height))
    bands.extend([_row_text(row)] for row in foot)
    return bands


def _rows(lines: list[_Line]) -> list[list[_Line]]:
    """Lines grouped by shared baseline (vertical overlap of at least half the smaller line)."""
    rows: list[list[_Line]] = []
    for line in lines:
        if rows and _same_row(rows[-1], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda ln: ln.x0) for row in rows]


def _same_row(row: list[_Line], line: _Line) -> bool:
    top, bottom = min(ln.y0 for ln in row), max(ln.y1 for ln in row)
    overlap = min(bottom, line.y1) - max(top, line.y0)
    return overlap >= 0.5 * min(bottom - top, line.height)


def _row_text(row: list[_Line]) -> str:
    """One row's lines left to right: a space between words, a tab across a wide gap (table cells)."""
    parts = [row[0].text]
    for prev, line in itertools.pairwise(row):
        gap = line.x0 - prev.x1
        parts.append("\t" if gap > 1.5 * max(prev.size, line.size) else " ")
        parts.append(line.text)
    return "".join(parts)


def _margin_bands(
    rows: list[list[_Line]], line_height: float, height: float
) -> tuple[list[list[_Line]], list[list[_Line]], list[list[_Line]]]:
    """Rows of the running head and of the footer: near the page edge, set apart by a wide gap."""
    tops = [min(ln.y0 for ln in row) for row in rows]
    bottoms = [max(ln.y1 for ln in row) for row in rows]
    head_end = 0
    for i in range(min(3, len(rows) - 1)):
        if bottoms[i] > height * 0.15:
            break
        if tops[i + 1] - bottoms[i] > 1.2 * line_height:
            head_end = i + 1
    foot_start = len(rows)
    for i in range(len(rows) - 1, max(head_end, len(rows) - 4), -1):
        if tops[i] < height * 0.85:
            break
        if tops[i] - bottoms[i - 1] > 1.2 * line_height:
            foot_start = i
    return rows[:head_end], rows[head_end:foot_start], rows[foot_start:]


def _body_bands(lines: list[_Line], width: float, line_height: float) -> list[list[str]]:
    gutters = _gutters(lines, width)
    if not gutters:
        return _column_bands(lines, line_height)
    bands: list[list[str]] = []
    section: list[_Line] = []

    def flush() -> None:
        columns: list[list[_Line]] = [[] for _ in range(len(gutters) + 1)]
        for line in section:
            columns[sum(1 for g in gutters if line.x0 >= g[1] - 1)].append(line)
        for column in columns:
            if column:
                bands.extend(_column_bands(column, line_height))
        section.clear()

    for row in _rows(sorted(lines, key=lambda ln: (ln.y0, ln.x0))):
        spanning = [ln for ln in row if any(ln.x0 < g[0] and ln.x1 > g[1] for g in gutters)]
        if spanning:
            flush()
            bands.append([_row_text(row)])
        else:
            section.extend(row)
    flush()
    return bands


def _gutters(lines: list[_Line], width: float) -> list[tuple[float, float]]:
    """Vertical white stripes between text columns: (left edge, right edge) of each."""
    if len(lines) < 8:
        return []
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    span = int(right - left) + 1
    coverage = [0] * span
    for ln in lines:
        for x in range(int(ln.x0 - left), min(span, int(ln.x1 - left) + 1)):
            coverage[x] += 1
    allowed = max(1, len(lines) // 8)  # titles, tables and figures that span the columns
    gutters = []
    x = 0
    while x < span:
        if coverage[x] <= allowed:
            start = x
            while x < span and coverage[x] <= allowed:
                x += 1
            g0, g1 = _emptiest(coverage, start, x)
            g0, g1 = left + g0, left + g1
            if g1 - g0 >= 6 and left + 0.15 * (right - left) < (g0 + g1) / 2 < right - 0.15 * (right - left):
                gutters.append((g0, g1))
        x += 1
    return [g for g in gutters if _separates_columns(lines, g)]


def _emptiest(coverage: list[int], start: int, end: int) -> tuple[int, int]:
    """The widest run of least coverage within [start, end): the gutter proper."""
    least = min(coverage[start:end])
    best = (start, start)
    x = start
    while x < end:
        if coverage[x] == least:
            run = x
            while x < end and coverage[x] == least:
                x += 1
            if x - run > best[1] - best[0]:
                best = (run, x)
        x += 1
    return best


def _separates_columns(lines: list[_Line], gutter: tuple[float, float]) -> bool:
    """Columns on both sides, at least one of running text (lines filling it), not just table cells."""
    left = [ln for ln in lines if ln.x1 <= gutter[0] + 1]
    right = [ln for ln in lines if ln.x0 >= gutter[1] - 1]
    if len(left) < 4 or len(right) < 4:
        return False
    return any(_fills(side) for side in (left, right))


def _fills(side: list[_Line]) -> bool:
    extent = max(ln.x1 for ln in side) - min(ln.x0 for ln in side)
    return statistics.median(ln.x1 - ln.x0 for ln in side) >= 0.6 * extent


def _column_bands(lines: list[_Line], line_height: float) -> list[list[str]]:
    """A column top to bottom: rows of text, a new band (blank line) at each paragraph gap."""
    bands: list[list[str]] = [[]]
    previous_bottom = None
    for row in _rows(sorted(lines, key=lambda ln: (ln.y0, ln.x0))):
        top = min(ln.y0 for ln in row)
        if previous_bottom is not None and top - previous_bottom > 0.8 * line_height and bands[-1]:
            bands.append([])
        text = _row_text(row)
        bands[-1].extend(text.split("\n"))
        previous_bottom = max(ln.y1 for ln in row)
    return [band for band in bands if band]
