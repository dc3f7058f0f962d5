"""The exports, read by the tools reviewers use: the XLSX opened in LibreOffice (headless, converted
to CSV) equals the CSV export; the RIS (rispy) and BibTeX (bibtexparser) citations name the same
papers, authors, years and DOIs; the CSV-on-the-Web metadata validates its CSV (csvw).

The knowledge base is the corpus plus a JATS article with a DOI and a year, ingested by the real
extractor. LibreOffice comes from Debian (scripts/install-libreoffice, run here in CI; elsewhere the
test says how to install it).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from csvw import CSVW
from openpyxl import load_workbook

from tests.conftest import REPO, LiveServer, run_kb
from tests.test_readers import JATS

LAYOUTS = ("arms", "comparisons")


@pytest.fixture(scope="module")
def home(corpus_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tools")
    copy = root / "kb"
    shutil.copytree(corpus_home, copy)
    article = root / "blood-advances.xml"
    article.write_text(JATS, encoding="utf-8")
    done = run_kb(copy, "ingest", str(article))
    assert done.returncode == 0, done.stderr
    return copy


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[LiveServer]:
    live = LiveServer(home, timeout=60)
    yield live
    live.stop()


def _soffice() -> str:
    found = shutil.which("soffice")
    if found is None and os.environ.get("CI") == "true":
        done = subprocess.run([str(REPO / "scripts" / "install-libreoffice")], capture_output=True, text=True)
        assert done.returncode == 0, f"scripts/install-libreoffice failed in CI: {done.stderr[-2000:]}"
        found = shutil.which("soffice")
    if found is None:
        pytest.skip("LibreOffice is not installed: run scripts/install-libreoffice (as root)")
    return found


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_xlsx_opens_in_libreoffice_with_the_rows_of_the_csv(server, tmp_path, layout):
    soffice = _soffice()
    params = {"layout": layout}
    (tmp_path / "compare.xlsx").write_bytes(
        server.client.get("/compare", params={**params, "format": "xlsx"}).content
    )
    # every sheet to its own UTF-8 CSV (filter options: comma, double quote, UTF-8, ..., sheet -1: all)
    options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    done = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", options,
         "--outdir", str(tmp_path / "out"), str(tmp_path / "compare.xlsx")],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    converted = (tmp_path / "out" / "compare-comparison.csv").read_text(encoding="utf-8")
    exported = server.client.get("/compare", params={**params, "format": "csv"}).text
    assert _rows(converted) == _rows(exported)
    assert len(_rows(exported)) > 10
    assert (tmp_path / "out" / "compare-sources.csv").exists()


def test_ris_and_bibtex_name_the_same_papers_authors_years_and_dois(server):
    papers = {p["id"]: p for p in server.client.get("/papers").json()["results"]}
    ris = rispy.loads(server.client.get("/compare", params={"format": "ris"}).text)
    bib = bibtexparser.parse_string(
        server.client.get("/compare", params={"format": "bibtex"}).text,
        append_middleware=[LatexDecodingMiddleware()],
    )
    assert not bib.failed_blocks
    from_ris = {
        entry["id"]: (entry.get("title"), entry.get("authors") or [], entry.get("year"), entry.get("doi"))
        for entry in ris
    }
    from_bib = {}
    for entry in bib.entries:
        fields = {name: field.value for name, field in entry.fields_dict.items()}
        authors = [a.strip() for a in fields["author"].split(" and ")] if "author" in fields else []
        from_bib[entry.key.removeprefix("hemekb:")] = (
            fields.get("title"),
            authors,
            fields.get("year"),
            fields.get("doi"),
        )
    assert from_ris == from_bib
    assert set(from_ris) == set(papers)
    article = next(p for p in papers.values() if p["doi"])
    title, authors, year, doi = from_ris[article["id"]]
    assert (doi, year) == (article["doi"], str(article["year"])) and authors == article["authors"]
    assert title == article["title"]
    # the PubMed id: RIS's accession number, BibTeX's pmid field
    assert article["pmid"] == "31234567"
    assert next(e for e in ris if e["id"] == article["id"])["accession_number"] == article["pmid"]
    cited = next(e for e in bib.entries if e.key == f"hemekb:{article['id']}")
    assert cited.fields_dict["pmid"].value == article["pmid"]


def test_comparison_rows_link_the_paper_at_doi_org_and_pubmed(server):
    params = {"layout": "comparisons", "paper": "blood-advances.xml"}
    rows = [r for r in server.client.get("/compare", params=params).json()["rows"] if r["pmid"]]
    assert rows and {(r["doi"], r["pmid"]) for r in rows} == {
        ("10.1182/bloodadvances.2021004567", "31234567")
    }
    html = server.client.get("/compare", params={**params, "format": "html"}).text
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/31234567">31234567</a>' in html
    assert '<a href="https://doi.org/10.1182/bloodadvances.2021004567">' in html
    sheet = load_workbook(
        io.BytesIO(server.client.get("/compare", params={**params, "format": "xlsx"}).content)
    )
    comparison = sheet["comparison"]
    header = [c.value for c in comparison[1]]
    cells = [
        comparison.cell(row=i, column=header.index("PMID") + 1) for i in range(2, comparison.max_row + 1)
    ]
    linked = [c.hyperlink.target for c in cells if c.value]
    assert linked and set(linked) == {"https://pubmed.ncbi.nlm.nih.gov/31234567"}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_csvw_metadata_validates_its_csv(home, tmp_path, layout):
    csv_path, metadata_path = tmp_path / "compare.csv", tmp_path / "compare.csv-metadata.json"
    for fmt, path in (("csv", csv_path), ("csvw", metadata_path)):
        done = run_kb(home, "export", "compare", "--layout", layout, "--format", fmt, "-o", str(path))
        assert done.returncode == 0, done.stderr
    described = CSVW(str(csv_path), md_url=str(metadata_path), validate=True)
    assert described.is_valid
    table = described.tablegroup.tables[0]
    assert len(list(table.iterdicts())) == len(_rows(csv_path.read_text(encoding="utf-8"))) - 1


def test_text_that_reads_like_a_formula_stays_text_as_written(server, tmp_path):
    """A cell starting with "=", "+", "-" or "@" is the paper's text, never a formula, and is shown
    as written (no apostrophe added), in openpyxl and in LibreOffice."""
    from openpyxl import load_workbook

    from kb.exports.render import render_records
    from kb.model.records import OutcomeRecord

    record = OutcomeRecord.model_validate(
        server.client.get("/outcomes", params={"limit": 1}).json()["results"][0]
    )
    arms = ["=1+1", "-0.28 (95% CI -0.4 to -0.03)", "@risk", "+5"]
    records = [record.model_copy(update={"id": f"r{i}", "arm": arm}) for i, arm in enumerate(arms)]
    book = tmp_path / "records.xlsx"
    book.write_bytes(render_records(records, "xlsx"))
    sheet = (
        load_workbook(book)["outcomes"]
        if "outcomes" in load_workbook(book).sheetnames
        else load_workbook(book).worksheets[0]
    )
    column = [c.value for c in sheet[1]].index("arm") + 1
    cells = [sheet.cell(row=i + 2, column=column) for i in range(len(arms))]
    assert [c.value for c in cells] == arms and all(c.data_type == "s" for c in cells)
    soffice = _soffice()
    done = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(tmp_path / "out"), str(book)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = _rows((tmp_path / "out" / "records.csv").read_text(encoding="utf-8"))
    assert [row[column - 1] for row in rows[1:]] == arms
