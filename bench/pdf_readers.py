"""Compare PDF text extraction (PyMuPDF, pypdf, pdfplumber) on journal-like PDFs of the corpus.

Usage (from the repository root, with pypdf and pdfplumber installed next to hemekb)::

    python bench/pdf_readers.py [--corpus data/papers] [--out bench/results/pdf_readers.md]

Every corpus paper (Russian, Turkish, two Chinese, Japanese) is typeset by bench/pdf_typeset.py
as a two-column journal PDF whose content stream is out of reading order (right column first,
footer before the running head), with a running head, a footer and page numbers on every page;
one more document is a single-column page with a ruled table (rows of the Russian paper's Table 1).
Each reader's text then goes through the project's own normalization (which joins hyphenated line
breaks and reads page furniture as whitespace, ingest/normalize.py + ingest/layout.py), as ingest
does, and is scored against the source text:

- sentences intact: share of the source's sentences (20+ characters, split by ingest/segment.py)
  found whole, whitespace aside, in the normalized extraction: reading order across columns,
  furniture left in the middle of sentences and unrepaired hyphenation all break sentences;
- order: share of consecutive source sentences (both found) that come out in the same order,
  which is what interleaved or swapped columns break;
- characters: share of the source's non-space characters recovered (missing glyphs, lost text);
- furniture left: running heads, footers and page numbers still present after normalization;
- hyphens joined: share of the words the typesetter split across lines that come out whole;
- table rows: share of the table's rows whose cells come out in order on one line;
- seconds per page.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.pdf_typeset import Typeset, typeset  # noqa: E402
from ingest.normalize import normalize  # noqa: E402
from ingest.segment import split_sentences  # noqa: E402

LANGUAGES = {"000": "ru", "001": "tr", "002": "zh", "003": "ja", "004": "zh"}
HEADS = {
    "ru": (
        "Вопросы гематологии/онкологии и иммунопатологии в педиатрии 2023 | Том 22 | № 1",
        "ОРИГИНАЛЬНЫЕ СТАТЬИ",
    ),
    "tr": ("Türkiye Çocuk Hastalıkları Dergisi 2023; 17(2)", "Derleme"),
    "zh": ("中华血液学杂志 2021年 第42卷 第1期", "论著"),
    "ja": ("臨床血液 第62巻 第3号 2021", "症例報告"),
}
FOOTERS = {"ru": "© Коллектив авторов, 2023", "tr": "© Telif hakkı 2023", "zh": "·论著·", "ja": "臨床血液"}
# Rows of the Russian paper's Table 1 (label, all patients, ALL-REZ 2014, ALL-REZ 2016).
TABLE = [
    ["Показатель", "Все пациенты", "ALL-REZ 2014", "ALL-REZ 2016"],
    ["Число пациентов, n (%)", "109 (100)", "43 (39,4)", "57 (52,3)"],
    ["Мальчики, n (%)", "64 (58,7)", "25 (58,1)", "33 (57,9)"],
    ["Ранний рецидив, n (%)", "52 (47,7)", "20 (46,5)", "28 (49,1)"],
    ["Изолированный КМ, n (%)", "71 (65,1)", "27 (62,8)", "39 (68,4)"],
    ["ТГСК, n (%)", "68 (62,4)", "25 (58,1)", "38 (66,7)"],
]


def pymupdf_text(path: Path) -> str:
    import pymupdf

    with pymupdf.open(path) as doc:
        return "\n\f\n".join(page.get_text("text") for page in doc)


def pymupdf_sorted(path: Path) -> str:
    import pymupdf

    with pymupdf.open(path) as doc:
        return "\n\f\n".join(page.get_text("text", sort=True) for page in doc)


def pymupdf_hemekb(path: Path) -> str:
    from ingest.readers.pdf import read_pdf

    return read_pdf(path, path.read_bytes()).text


def pypdf_plain(path: Path) -> str:
    from pypdf import PdfReader

    return "\n\f\n".join(page.extract_text() for page in PdfReader(path).pages)


def pypdf_layout(path: Path) -> str:
    from pypdf import PdfReader

    return "\n\f\n".join(page.extract_text(extraction_mode="layout") for page in PdfReader(path).pages)


def pdfplumber_plain(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n\f\n".join(page.extract_text() for page in pdf.pages)


def pdfplumber_layout(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n\f\n".join(page.extract_text(layout=True) for page in pdf.pages)


READERS: dict[str, Callable[[Path], str]] = {
    "pymupdf get_text()": pymupdf_text,
    "pymupdf get_text(sort=True)": pymupdf_sorted,
    "pymupdf + hemekb order (ingest/readers/pdf.py)": pymupdf_hemekb,
    "pypdf extract_text()": pypdf_plain,
    "pypdf extract_text(layout)": pypdf_layout,
    "pdfplumber extract_text()": pdfplumber_plain,
    "pdfplumber extract_text(layout=True)": pdfplumber_layout,
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def score(source: str, extracted: str, typeset_info: Typeset, cjk: bool) -> dict[str, float]:
    src = normalize(source, cjk=cjk).text
    out = normalize(extracted, cjk=cjk).text
    flat = _squash(out)
    sentences = [s.text for s in split_sentences(src) if len(s.text) >= 20]
    found = [flat.find(_squash(s)) for s in sentences]
    intact = sum(1 for f in found if f >= 0) / max(1, len(sentences))
    hits = [f for f in found if f >= 0]
    pairs = list(itertools.pairwise(hits))
    order = sum(1 for a, b in pairs if a < b) / len(pairs) if pairs else float("nan")
    want = Counter(_squash(src))
    got = Counter(flat)
    chars = sum(min(n, got[c]) for c, n in want.items()) / max(1, sum(want.values()))
    furniture = sorted(set(typeset_info.furniture))
    left = sum(flat.count(_squash(normalize(f, cjk=cjk).text)) for f in furniture)
    left -= sum(_squash(src).count(_squash(normalize(f, cjk=cjk).text)) for f in furniture)
    words = typeset_info.hyphenated
    joined = sum(1 for w in words if w in out) / len(words) if words else float("nan")
    rows = [r for t in typeset_info.tables for r in t]
    lines = [re.sub(r"\s+", " ", line).strip() for line in extracted.splitlines()]
    in_row = sum(1 for r in rows if any(re.search(r"\s*".join(map(re.escape, r)), ln) for ln in lines))
    table = in_row / len(rows) if rows else float("nan")
    return {
        "intact": intact,
        "order": order,
        "chars": chars,
        "furniture": max(0, left),
        "joined": joined,
        "table": table,
    }


def build_documents(corpus: Path, work: Path) -> list[tuple[str, str, Typeset, bool]]:
    docs = []
    for path in sorted(corpus.glob("*.txt")):
        lang = LANGUAGES.get(path.name[:3], "en")
        # Precomposed letters, as a PDF's fonts draw them (the source has some "и" + U+0306 breve).
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        info = typeset(
            text, work / f"{path.stem}.pdf", columns=2, heads=HEADS.get(lang), footer=FOOTERS.get(lang)
        )
        docs.append((f"{path.name[:3]} {lang} 2-col", text, info, lang in ("zh", "ja")))
    table_text = "Таблица 1\nХарактеристика пациентов\n"
    info = typeset(table_text, work / "table.pdf", columns=1, table=TABLE, heads=HEADS["ru"], footer=None)
    docs.append(("ru table", table_text, info, False))
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "data" / "papers")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "pdf_readers.md")
    args = parser.parse_args()
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        docs = build_documents(args.corpus, Path(tmp))
        rows = []
        for name, reader in READERS.items():
            per_doc = []
            seconds = pages = 0.0
            for label, text, info, cjk in docs:
                started = time.perf_counter()
                extracted = reader(info.path)
                seconds += time.perf_counter() - started
                pages += info.pages
                per_doc.append((label, score(text, extracted, info, cjk)))
            rows.append((name, per_doc, seconds / pages))
            print(name, f"{seconds / pages * 1000:.0f} ms/page", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(rows, docs), encoding="utf-8")
    print(args.out)


def _pct(value: float) -> str:
    return "–" if value != value else f"{100 * value:.1f}%"


def render(rows, docs) -> str:
    labels = [label for label, *_ in docs[:-1]]
    lines = [
        "# PDF readers on journal-like PDFs of the corpus",
        "",
        "Generated by `python bench/pdf_readers.py` (see its docstring for the method). Each corpus",
        "paper is typeset as a two-column A4 journal PDF with its content stream out of reading order",
        "(right column first, footer before the running head), alternating running heads, a footer and",
        "page numbers; a further page holds a ruled table. Every reader's text goes through",
        "hemekb's normalization as at ingest.",
        "",
        "## Sentences intact (reading order, furniture, hyphenation), per paper",
        "",
        "| reader | " + " | ".join(labels) + " | mean |",
        "| --- | " + " | ".join("---:" for _ in labels) + " | ---: |",
    ]
    for name, per_doc, _ in rows:
        values = [s["intact"] for label, s in per_doc[:-1]]
        lines.append(
            f"| {name} | " + " | ".join(_pct(v) for v in values) + f" | {_pct(sum(values) / len(values))} |"
        )
    lines += [
        "",
        "## Reading order: consecutive sentences in order, per paper",
        "",
        "| reader | " + " | ".join(labels) + " | mean |",
        "| --- | " + " | ".join("---:" for _ in labels) + " | ---: |",
    ]
    for name, per_doc, _ in rows:
        values = [s["order"] for label, s in per_doc[:-1]]
        lines.append(
            f"| {name} | " + " | ".join(_pct(v) for v in values) + f" | {_pct(sum(values) / len(values))} |"
        )
    lines += [
        "",
        "## Characters, furniture, hyphenation, tables, speed",
        "",
        "| reader | characters recovered | furniture lines left | hyphenated words joined | table rows kept"
        " | ms/page |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, per_doc, per_page in rows:
        papers = [s for _, s in per_doc[:-1]]
        chars = sum(s["chars"] for s in papers) / len(papers)
        furniture = sum(int(s["furniture"]) for s in papers)
        hyph = [s["joined"] for s in papers if s["joined"] == s["joined"]]
        joined = sum(hyph) / len(hyph) if hyph else float("nan")
        table = per_doc[-1][1]["table"]
        cells = [_pct(chars), str(furniture), _pct(joined), _pct(table), f"{per_page * 1000:.0f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", *DECISION.strip().splitlines()]
    return "\n".join(lines) + "\n"


DECISION = """
## Decision

PyMuPDF, with hemekb's own geometric reading order (`ingest/readers/pdf.py`).

- Content-stream order (`pymupdf get_text()`, `pypdf extract_text()`) keeps the sentences inside a
  column whole but reads the columns in whatever order the producer wrote them (here the right
  column first: consecutive sentences in order 91-97%), and PyMuPDF's plain text puts each table
  cell on a line of its own.
- Modes that sort lines by height (`sort=True`, pdfplumber, pypdf's layout mode) interleave the two
  columns line by line: at most 11% of sentences survive, and running heads stay in the text.
- PyMuPDF gives every line with its box, so columns (gutters), running-head and footer bands and
  ruled tables (`find_tables`) can be found: 96-100% of sentences intact and in order, every
  hyphenated word joined, table rows kept, two pieces of page furniture left (running heads that
  appear on a single page of a three-page paper cannot be told by recurrence), at 6 ms a page
  against 70-150 ms for pypdf and pdfplumber. It also writes CJK fonts, which the tests use to make
  their PDFs, and its 1.x wheels have no dependencies (2.x adds onnxruntime: pinned below 2).

These PDFs are typeset from the corpus text (no publisher PDFs can be fetched here), so they test
layout handling, not the font encodings of real publishers' files.
"""


if __name__ == "__main__":
    main()
