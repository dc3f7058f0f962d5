"""Paper metadata read from the text: what each corpus paper really carries, and common layouts."""

from __future__ import annotations

import itertools

import pytest

from ingest.document import read_paper
from ingest.language import block_language, language_sections
from ingest.metadata import paper_metadata
from tests.conftest import PAPERS

RU, TR, ZH, JA, ZH_MM = (
    PAPERS / "000_4c4594d802944b47.txt",
    PAPERS / "001_0f1a0e11bf48641e.txt",
    PAPERS / "002_b03e6f88e6a24e2e.txt",
    PAPERS / "003_bc4f08158784ce0d.txt",
    PAPERS / "004_7bbdc09f035e49b5.txt",
)


def test_russian_paper_english_title_authors_and_journal_footer():
    paper = read_paper(RU)
    # The Russian title is cut off in the text (only "собственный опыт применения" is left), so the
    # English title stands for it.
    assert (
        paper.title
        == paper.title_en
        == (
            "The role of blinatumomab in the treatment of B-cell relapses of acute lymphoblastic leukemia in"
            " children: own experience"
        )
    )
    assert paper.authors[:3] == ("L.A. Vavilova", "Yu.Yu. Dyakonova", "O.I. Bydanov")
    assert paper.authors[-1] == "A.I. Karachunskiy" and len(paper.authors) == 15
    assert paper.journal == "Вопросы гематологии/онкологии и иммунопатологии в педиатрии"
    assert (paper.year, paper.volume, paper.issue, paper.pages) == (2023, "22", "1", "62-72")
    assert paper.languages == ("ru", "en")
    kinds = [(s.kind, s.language) for s in paper.sections]
    assert kinds == [("body", "ru"), ("abstract", "en"), ("body", "ru")]
    english = paper.sections[1]
    assert paper.text[english.char_start :].startswith("The role of blinatumomab")
    assert paper.text[: english.char_end].endswith("relapsed B-cell ALL.")


def test_chinese_myeloma_review_title_and_authors():
    paper = read_paper(ZH_MM)
    assert paper.title == "多发性骨髓瘤免疫治疗研究进展"
    assert paper.authors == ("李志超", "黄方", "郝思国")  # "黄 方": a two-character name spaced out
    assert paper.title_en is None and paper.journal is None and paper.doi is None
    assert paper.languages == ("zh",)


def test_chinese_transplant_paper_title_fragment_and_english_keywords():
    paper = read_paper(ZH)
    assert paper.title == "41例临床分析"  # all the text keeps of its title; the rubric "∙论著∙" is not one
    assert paper.authors == ()
    assert paper.keywords == (
        "Leukemia, B- cell lymphoblastic, acute",
        "Hematopoietic stem cell transplantation",
        "Relapse",
        "Chimeric antigen receptor T-cell",
    )
    assert paper.languages == ("zh", "en")


def test_turkish_review_has_keywords_and_an_english_abstract_but_no_title():
    paper = read_paper(TR)
    assert paper.title is None and paper.authors == ()
    assert paper.keywords == ("Çocuk", "Akut Prekürsör B Hücreli Lenfoblastik Lösemi", "Blinatumomab")
    assert [(s.kind, s.language) for s in paper.sections] == [
        ("abstract", "tr"),
        ("abstract", "en"),
        ("body", "tr"),
    ]


def test_japanese_case_report_starts_with_its_abstract_and_ends_with_the_english_one():
    paper = read_paper(JA)
    assert paper.title is None  # the first line is the abstract's first sentence, not a title
    assert [(s.kind, s.language) for s in paper.sections] == [("body", "ja"), ("abstract", "en")]
    assert paper.text[paper.sections[1].char_start :].startswith("We report the case of a 48")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Blood. 2021; 137(5): 740-752", {"year": 2021, "volume": "137", "issue": "5", "pages": "740-752"}),
        ("中华血液学杂志2021年1月第42卷第1期", {"year": 2021, "volume": "42", "issue": "1"}),
        ("臨床血液 第62巻 第3号", {"volume": "62", "issue": "3"}),
        ("Türk Pediatri Arşivi Cilt 17, Sayı 2", {"volume": "17", "issue": "2"}),
        (
            "Clinical Hematology Vol. 12, No. 4, pp. 101–109",
            {"volume": "12", "issue": "4", "pages": "101-109"},
        ),
    ],
)
def test_citation_lines(line, expected):
    text = f"Some title of a paper\n\n{line}\n\nOverall survival was 45% at 3 years in the whole cohort.\n"
    meta = paper_metadata(text, "en")
    assert {k: getattr(meta, k) for k in expected} == expected
    assert meta.journal  # the words before the numbers, or the line above


def test_doi_only_when_labelled_in_the_front_matter():
    front = "Title of the paper\n\nDOI: 10.24287/1726-1708-2023-22-1-62-72.\n\nAbstract\n"
    body = "Results.\n" * 10 + "1. Kantarjian H. NEJM 2016. doi:10.1056/NEJMoa1509277\n"
    assert paper_metadata(front + body, "en").doi == "10.24287/1726-1708-2023-22-1-62-72"
    assert paper_metadata("Title\n\n" + "x " * 5000 + body, "en").doi is None


def test_pubmed_id_from_the_front_matter_only():
    front = "Title of the paper\n\nPMID: 31200955 DOI: 10.1056/x\n\nAbstract\n"
    body = "Results.\n" * 10 + "1. Kantarjian H. NEJM 2016. PMID 27292104\n"
    assert paper_metadata(front + body, "en").pmid == "31200955"
    assert paper_metadata("Title\n\n" + "x " * 5000 + body, "en").pmid is None
    assert paper_metadata("Title\n\nPubMed ID：27292104\n", "en").pmid == "27292104"


def test_declared_metadata_wins_over_the_text():
    text = "Какой-то заголовок\n\nЛ.А. Вавилова, Ю.Ю. Дьяконова\n\nТекст статьи.\n"
    declared = {"title": "Declared title", "authors": ["A. Author"], "year": 2020, "doi": "10.1/x"}
    meta = paper_metadata(text, "ru", declared)
    assert (meta.title, meta.authors, meta.year, meta.doi) == (
        "Declared title",
        ("A. Author",),
        2020,
        "10.1/x",
    )
    plain = paper_metadata(text, "ru")
    assert plain.title == "Какой-то заголовок" and plain.authors == ("Л.А. Вавилова", "Ю.Ю. Дьяконова")


def test_title_of_a_chinese_review_is_read_from_its_text():
    assert paper_metadata(ZH_MM.read_text(encoding="utf-8"), "zh").title == "多发性骨髓瘤免疫治疗研究进展"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Острый лимфобластный лейкоз является самым распространенным", "ru"),
        ("Akut lenfoblastik lösemi çocukluk çağının en sık görülen kanseridir", "tr"),
        ("Acute lymphoblastic leukemia is the most common malignancy", "en"),
        ("多发性骨髓瘤是一种浆细胞恶性克隆性疾病", "zh"),
        ("症例は非血縁者間臍帯血移植後にB細胞性急性リンパ性白血病を再発した", "ja"),
        ("45% 12 (3)", None),
    ],
)
def test_block_language(text, language):
    assert block_language(text) == language


def test_sections_cover_the_text_in_order():
    text = RU.read_text(encoding="utf-8")
    sections = language_sections(text)
    assert all(a.end <= b.start for a, b in itertools.pairwise(sections))
    assert sections[0].start <= 2 and sections[-1].end >= len(text.rstrip()) - 1
