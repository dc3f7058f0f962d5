"""Page furniture (running heads, journal footers, page numbers) is read as whitespace."""

from __future__ import annotations

from pathlib import Path

from ingest.layout import noise_spans
from ingest.normalize import normalize
from ingest.segment import split_sentences

# Real text from the corpus's Russian paper (data/papers), by offset: a sentence broken by a page's
# running head and footer.
ACROSS_PAGE = (
    Path(__file__).resolve().parents[1] / "data" / "papers" / "000_4c4594d802944b47.txt"
).read_text(encoding="utf-8")[35321:35645]


def test_running_head_and_footer_are_found() -> None:
    found = [ACROSS_PAGE[a:b] for a, b in noise_spans(ACROSS_PAGE)]
    assert "71Г е м а т о л о г и я" in found
    assert "2023 | Том 22 | № 1 | 62‒72" in found


def test_sentence_reads_through_the_page_break() -> None:
    norm = normalize(ACROSS_PAGE)
    sentences = split_sentences(norm.text)
    assert len(sentences) == 1
    text = sentences[0].text
    assert "Г е м а т" not in text and "Том 22" not in text
    assert "трансплантация" in text  # the hyphenated line break is joined too
    start, end = norm.source_span(sentences[0].start, sentences[0].end)
    assert ACROSS_PAGE[start:end].startswith("Topp") and ACROSS_PAGE[start:end].endswith("ТГСК.")


def test_lone_page_number_between_blank_lines() -> None:
    text = "Blinatumomab ile tedavi edilen\n\n1009\n\nhastalarda febril nötropeni %24 idi."
    assert [text[a:b] for a, b in noise_spans(text)] == ["1009"]


def test_numbers_in_running_text_are_kept() -> None:
    text = "Всего 109 пациентов.\n57 (100)\n0 0 0\n"
    assert noise_spans(text) == []
