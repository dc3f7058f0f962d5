"""Readers per format: plain text in any common encoding, HTML and JATS, by real corpus text."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from ingest.document import read_paper
from ingest.readers import SUFFIXES, read_text
from kb.errors import PaperRejected
from tests.conftest import PAPERS

RU, TR, ZH, JA, ZH_MM = (
    PAPERS / "000_4c4594d802944b47.txt",
    PAPERS / "001_0f1a0e11bf48641e.txt",
    PAPERS / "002_b03e6f88e6a24e2e.txt",
    PAPERS / "003_bc4f08158784ce0d.txt",
    PAPERS / "004_7bbdc09f035e49b5.txt",
)


def _encodable(text: str, encoding: str) -> str:
    """The corpus text less the few characters the legacy encoding has no code for."""
    return "".join(ch for ch in text if ch.encode(encoding, errors="ignore"))


@pytest.mark.parametrize(
    ("paper", "encoding"),
    [
        (RU, "cp1251"),
        (RU, "koi8_r"),
        (RU, "utf-16"),  # with BOM
        (RU, "utf-16-le"),  # without BOM
        (RU, "utf-16-be"),
        (RU, "utf-8-sig"),
        (TR, "iso8859_9"),
        (TR, "cp1254"),
        (ZH, "gb18030"),
        (ZH, "gbk"),
        (ZH_MM, "gb18030"),
        (ZH_MM, "utf-16-le"),
        (JA, "shift_jis"),
        (JA, "cp932"),
        (JA, "euc_jp"),
        (JA, "iso2022_jp"),
        (JA, "utf-32"),
    ],
)
def test_corpus_text_reencoded_decodes_to_the_original(tmp_path, paper, encoding):
    original = _encodable(paper.read_text(encoding="utf-8"), encoding)
    path = tmp_path / f"{paper.stem}.txt"
    path.write_bytes(original.encode(encoding))
    decoded = read_text(path)
    assert decoded.text == original
    assert decoded.format == "text"


def test_utf8_text_is_returned_exactly_as_in_the_file():
    for paper in (RU, TR, ZH, JA, ZH_MM):
        document = read_paper(paper)
        assert document.text == paper.read_text(encoding="utf-8")
        assert (document.format, document.encoding) == ("text", "utf-8")


def test_bom_is_not_part_of_the_text(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8 + "ОВ составила 45%.".encode())
    assert read_text(path).text == "ОВ составила 45%."


def test_every_suffix_has_a_reader():
    assert set(SUFFIXES) >= {".txt", ".html", ".htm", ".xml", ".nxml", ".pdf"}


HTML_PAGE = """<!DOCTYPE html>
<html lang="ru"><head>
<meta charset="windows-1251">
<title>Роль блинатумомаба | Вопросы гематологии</title>
<meta name="citation_title" content="Роль блинатумомаба в терапии рецидивов В-клеточного ОЛЛ у детей">
<meta name="citation_author" content="Вавилова, Л.А.">
<meta name="citation_author" content="Дьяконова, Ю.Ю.">
<meta name="citation_journal_title" content="Вопросы гематологии/онкологии и иммунопатологии в педиатрии">
<meta name="citation_publication_date" content="2023/03/30">
<meta name="citation_volume" content="22"><meta name="citation_issue" content="1">
<meta name="citation_firstpage" content="62"><meta name="citation_lastpage" content="72">
<meta name="citation_doi" content="10.24287/1726-1708-2023-22-1-62-72">
<style>p { color: red }</style>
<script>var tracking = "45% of visitors";</script>
</head><body>
<nav><a href="/">Главная</a> | <a href="/archive">Архив</a></nav>
<h1>Роль блинатумомаба</h1>
<p>Topp и соавт. сообщили, что 45%
   пациентов, которым не была проведена трансплантация, сохраняли ремиссию.</p>
<p>МОБ-негативная ремиссия была<br>достигнута у 84% пациентов.</p>
<table><caption>Таблица 3</caption>
<tr><th>Параметр</th><th>Всего</th><th>ALL-REZ 2014</th></tr>
<tr><td>ПР</td><td>92 (84,4)</td><td>14 (73,6)</td></tr>
<tr><td>Рецидив</td><td></td><td>9 (47,3)</td></tr>
</table>
<figure><img src="f1.png"><figcaption>Рисунок 1. БСВ; n = 109</figcaption></figure>
<script>document.write("hidden")</script><noscript>Включите JavaScript</noscript>
</body></html>
"""


def test_html_visible_text_with_blocks_rows_and_metadata(tmp_path):
    path = tmp_path / "paper.html"
    path.write_bytes(HTML_PAGE.encode("cp1251"))
    decoded = read_text(path)
    text = decoded.text
    assert decoded.format == "html" and decoded.encoding == "cp1251"
    for hidden in ("tracking", "color: red", "hidden", "JavaScript", "Главная"):
        assert hidden not in text
    assert (
        "Topp и соавт. сообщили, что 45% пациентов, которым не была проведена трансплантация,"
        " сохраняли ремиссию.\n\n" in text
    )
    assert "МОБ-негативная ремиссия была\nдостигнута у 84% пациентов." in text
    assert "Параметр\tВсего\tALL-REZ 2014\nПР\t92 (84,4)\t14 (73,6)\nРецидив\t\t9 (47,3)\n" in text
    assert "Рисунок 1. БСВ; n = 109" in text
    meta = decoded.metadata
    assert meta["title"].startswith("Роль блинатумомаба в терапии")
    assert meta["authors"] == ["Вавилова, Л.А.", "Дьяконова, Ю.Ю."]
    assert (meta["year"], meta["volume"], meta["issue"], meta["pages"]) == (2023, "22", "1", "62-72")
    assert meta["doi"] == "10.24287/1726-1708-2023-22-1-62-72"


def test_html_paper_carries_its_metadata_into_the_document(tmp_path):
    path = tmp_path / "paper.htm"
    path.write_bytes(HTML_PAGE.encode("cp1251"))
    document = read_paper(path)
    assert document.format == "html" and document.language == "ru"
    assert document.journal == "Вопросы гематологии/онкологии и иммунопатологии в педиатрии"
    assert document.authors == ("Вавилова, Л.А.", "Дьяконова, Ю.Ю.")


JATS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.3 20210610//EN"
 "https://jats.nlm.nih.gov/archiving/1.3/JATS-archivearticle1-3.dtd">
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article" xml:lang="en">
<front>
<journal-meta><journal-title-group><journal-title>Blood Advances</journal-title>
</journal-title-group></journal-meta>
<article-meta>
<article-id pub-id-type="pmid">31234567</article-id>
<article-id pub-id-type="doi">10.1182/bloodadvances.2021004567</article-id>
<title-group>
<article-title>Inotuzumab ozogamicin in relapsed <italic>B</italic>-ALL</article-title>
</title-group>
<contrib-group>
<contrib contrib-type="author">
<name><surname>Kantarjian</surname><given-names>Hagop M.</given-names></name></contrib>
<contrib contrib-type="author">
<name><surname>DeAngelo</surname><given-names>Daniel J.</given-names></name></contrib>
<contrib contrib-type="editor">
<name><surname>Nobody</surname><given-names>A.</given-names></name></contrib>
</contrib-group>
<pub-date pub-type="epub"><day>1</day><month>2</month><year>2021</year></pub-date>
<volume>5</volume><issue>3</issue><fpage>740</fpage><lpage>752</lpage>
<kwd-group><kwd>CD22</kwd><kwd>inotuzumab</kwd></kwd-group>
<abstract><p>The CR rate was 80.7% with inotuzumab and 29.4% with chemotherapy (P &lt; .001).</p></abstract>
</article-meta>
</front>
<body>
<sec><title>Results</title>
<p>Median OS was 7.7 months vs 6.7 months<xref ref-type="bibr" rid="b1">1</xref>.</p>
<sec><title>Safety</title><p>Veno-occlusive disease occurred in 11% of patients.</p></sec>
</sec>
<table-wrap id="t1"><label>Table 1</label><caption><title>Responses</title><p>Values are n (%).</p></caption>
<table><thead><tr><th>Endpoint</th><th>InO</th><th>SC</th></tr></thead>
<tbody><tr><td>CR/CRi</td><td>88 (80.7)</td><td>32 (29.4)</td></tr></tbody></table>
<table-wrap-foot><fn><p>SC, standard care.</p></fn></table-wrap-foot>
</table-wrap>
<fig id="f1"><label>Figure 2</label><caption><p>Overall survival; HR 0.77.</p></caption>
<graphic xlink:href="f2.jpg"/></fig>
</body>
<back><ref-list>
<ref id="b1"><mixed-citation>Kantarjian H. NEJM. 2016;375:740.</mixed-citation></ref>
</ref-list></back>
</article>
"""


def test_jats_title_abstract_sections_tables_and_captions(tmp_path):
    path = tmp_path / "PMC1234567.nxml"
    path.write_text(JATS, encoding="utf-8")
    decoded = read_text(path)
    text = decoded.text
    assert decoded.format == "jats"
    assert text.startswith("Inotuzumab ozogamicin in relapsed B-ALL\n\nAbstract\n")
    assert "The CR rate was 80.7% with inotuzumab and 29.4% with chemotherapy (P < .001)." in text
    assert "Results\n\nMedian OS was 7.7 months vs 6.7 months1.\n\nSafety\n\nVeno-occlusive" in text
    assert "Table 1 Responses Values are n (%).\n\nEndpoint\tInO\tSC\nCR/CRi\t88 (80.7)\t32 (29.4)\n" in text
    assert "Figure 2 Overall survival; HR 0.77." in text
    assert "NEJM" not in text and "standard care" not in text  # references and table footnotes left out
    meta = decoded.metadata
    assert meta["title"] == meta["title_en"] == "Inotuzumab ozogamicin in relapsed B-ALL"
    assert meta["authors"] == ["Hagop M. Kantarjian", "Daniel J. DeAngelo"]
    assert (meta["journal"], meta["year"], meta["volume"], meta["issue"]) == (
        "Blood Advances",
        2021,
        "5",
        "3",
    )
    assert (meta["pages"], meta["doi"], meta["keywords"]) == (
        "740-752",
        "10.1182/bloodadvances.2021004567",
        ["CD22", "inotuzumab"],
    )


def test_jats_in_an_oai_pmh_envelope_with_namespace(tmp_path):
    body = JATS.split("?>", 1)[1].split("]>", 1)[-1]
    body = body.split('"https://jats.nlm.nih.gov/archiving/1.3/JATS-archivearticle1-3.dtd">', 1)[1]
    body = body.replace("<article ", '<article xmlns="https://jats.nlm.nih.gov/ns/archiving/1.3/" ', 1)
    wrapped = f'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><GetRecord><record><metadata>{body}'
    wrapped += "</metadata></record></GetRecord></OAI-PMH>"
    path = tmp_path / "oai.xml"
    path.write_text(wrapped, encoding="utf-8")
    decoded = read_text(path)
    assert "Veno-occlusive disease occurred in 11% of patients." in decoded.text
    assert decoded.metadata["doi"] == "10.1182/bloodadvances.2021004567"


def test_xml_that_is_not_jats_is_refused(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text("<rss><channel><title>News</title></channel></rss>", encoding="utf-8")
    with pytest.raises(PaperRejected, match=r"not a JATS article \(root element <rss>\)"):
        read_text(path)


def test_a_txt_file_holding_a_pdf_is_read_as_pdf(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Overall survival was 45% at 3 years.")
    path = tmp_path / "misnamed.txt"
    path.write_bytes(doc.tobytes())
    decoded = read_text(Path(path))
    assert decoded.format == "pdf" and "Overall survival was 45% at 3 years." in decoded.text


def test_an_html_text_node_over_ten_megabytes_is_kept(tmp_path):
    # libxml2 drops a text node past 10 MB unless asked not to; the page then read as empty
    sentence = "Overall response rate was 45%. "
    page = tmp_path / "long.html"
    page.write_text(f"<html><body><p>{sentence * 360_000}</p></body></html>", encoding="utf-8")
    text = read_text(page).text  # no limits
    assert len(text) > 10_000_000 and text.startswith(sentence.strip())
    # with the default limits the paper is refused for what it is: too long, not empty
    with pytest.raises(PaperRejected, match=r"text too long: 11,160,000 characters"):
        read_paper(page)


def test_corrupt_utf8_is_refused_with_where_it_breaks_not_decoded_as_another_encoding(tmp_path):
    text = (PAPERS / "000_4c4594d802944b47.txt").read_text(encoding="utf-8")
    raw = text.encode("utf-8")
    broken = tmp_path / "broken.txt"
    broken.write_bytes(raw[:5000] + b"\xff" + raw[5001:])
    with pytest.raises(PaperRejected, match=r"corrupt UTF-8: invalid start byte at byte 5000"):
        read_paper(broken)
    legacy = tmp_path / "legacy.txt"  # the same paper in a legacy encoding is still read
    legacy.write_bytes(text.encode("cp1251", errors="ignore"))
    assert read_paper(legacy).text.startswith(text.encode("cp1251", errors="ignore").decode("cp1251")[:200])
