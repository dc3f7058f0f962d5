"""PDF reading on journal-like PDFs typeset from the corpus text (bench/pdf_typeset.py).

Two columns with the content stream out of reading order, running heads, footers and page numbers
on every page; Russian, Turkish, Chinese and Japanese text in PyMuPDF's built-in fonts. Extraction
from each PDF must give the records extraction from the .txt gives.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from bench.pdf_agreement import agreement
from bench.pdf_readers import FOOTERS, HEADS, TABLE, score
from bench.pdf_typeset import Typeset, typeset
from ingest.document import read_paper
from ingest.normalize import normalize
from tests.conftest import PAPERS, extractor_ready

CORPUS = {
    "ru": PAPERS / "000_4c4594d802944b47.txt",
    "tr": PAPERS / "001_0f1a0e11bf48641e.txt",
    "zh": PAPERS / "002_b03e6f88e6a24e2e.txt",
    "ja": PAPERS / "003_bc4f08158784ce0d.txt",
    "zh-mm": PAPERS / "004_7bbdc09f035e49b5.txt",
}


def _source(lang: str) -> str:
    return unicodedata.normalize("NFC", CORPUS[lang].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Typeset]:
    folder = tmp_path_factory.mktemp("pdfs")
    made = {}
    for lang, txt in CORPUS.items():
        base = lang.split("-")[0]
        made[lang] = typeset(
            _source(lang), folder / f"{txt.stem}.pdf", columns=2, heads=HEADS[base], footer=FOOTERS[base]
        )
    return made


@pytest.mark.parametrize("lang", list(CORPUS))
def test_two_column_pdf_reads_in_order_without_furniture(pdfs, lang):
    made = pdfs[lang]
    document = read_paper(made.path)
    assert document.format == "pdf" and document.text.count("\f") == made.pages - 1
    assert document.language == lang.split("-")[0]
    result = score(_source(lang), document.text, made, cjk=lang.startswith(("zh", "ja")))
    assert result["chars"] > 0.999  # every glyph came back as its character
    assert result["intact"] >= 0.96  # sentences whole: columns not interleaved, page furniture skipped
    assert result["order"] >= 0.99  # and in reading order: left column, then right, page after page
    if made.hyphenated:
        assert result["joined"] == 1.0
    normalized = normalize(document.text).text
    footer = FOOTERS[lang.split("-")[0]]
    if made.pages >= 4:  # furniture is told by recurring on the page edges
        assert footer not in normalized and HEADS[lang.split("-")[0]][0] not in normalized
    assert not re.search(r"(?m)^\s*6[2-9]\s*$", normalized)  # no page number left on a line


def test_reading_is_deterministic(pdfs):
    path = pdfs["ru"].path
    assert read_paper(path).text == read_paper(path).text


def test_ruled_table_comes_out_as_rows(tmp_path):
    made = typeset("Таблица 1\nХарактеристика пациентов\n", tmp_path / "table.pdf", columns=1, table=TABLE)
    text = read_paper(made.path).text
    for row in TABLE:
        assert "\t".join(row) in text


def test_pdf_front_matter_gives_the_same_metadata_as_the_text(pdfs):
    from_pdf, from_txt = read_paper(pdfs["ru"].path), read_paper(CORPUS["ru"])
    assert from_pdf.title_en == from_txt.title_en and from_pdf.title_en.startswith("The role of blinatumomab")
    assert from_pdf.authors == from_txt.authors and len(from_pdf.authors) == 15
    assert (from_pdf.year, from_pdf.volume, from_pdf.pages) == (2023, "22", "62-72")
    assert read_paper(pdfs["zh-mm"].path).authors == ("李志超", "黄方", "郝思国")


@pytest.mark.parametrize(
    ("lang", "least"), [("ru", 0.95), ("tr", 1.0), ("zh", 1.0), ("ja", 1.0), ("zh-mm", 1.0)]
)
def test_records_from_the_pdf_agree_with_records_from_the_text(pdfs, lang, least):
    """Same endpoint, value, time point and comparison partners (bench/results/pdf_agreement.md)."""
    extractor_ready()
    result = agreement(CORPUS[lang], Path(pdfs[lang].path), lang)
    assert result.text_records > 0
    assert result.rate >= least, (result.missing, result.extra)
