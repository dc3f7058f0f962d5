"""Comparison tables, their formats (parsed back), citations, plots and `kb export compare`."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from kb.evidence.compare import ComparisonTable, build_comparison, number, value_text
from kb.model.records import OutcomeRecord
from tests import evidence_kb
from tests.conftest import LiveServer, run_kb

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    return evidence_kb.build(tmp_path_factory.mktemp("compare")).home


@pytest.fixture(scope="module")
def server(home) -> Iterator[LiveServer]:
    live = LiveServer(home)
    yield live
    live.stop()


def records() -> list[OutcomeRecord]:
    return [r for _, _, rs in evidence_kb.papers() for r in rs]


def get(server: LiveServer, path: str, **params: object):
    response = server.client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response


# ---------------------------------------------------------------------------------- the table


def test_numbers_and_cells_are_written_as_people_write_them():
    assert [number(v) for v in (45.0, 80.7, 0.001, 1e-06, 120.0)] == [
        "45",
        "80.7",
        "0.001",
        "0.000001",
        "120",
    ]
    by_id = {r.id: r for r in records()}
    assert value_text(by_id["zh-r4"]) == "48.9% (95% CI 23 to 70.6) ± 5.1"
    assert value_text(by_id["zh-r1"]) == "NR"
    assert value_text(by_id["ru-r1"]) == "7.7 mo"


def test_one_row_per_arm_one_column_per_endpoint_and_time_point():
    table = build_comparison(records(), {"language": "any"})
    rows = {(r.study.label, r.arm): r for r in table.rows}
    assert list(rows) == [
        ("TOWER", "blinatumomab"),
        ("TOWER", "chemotherapy"),
        ("ru (own cohort)", None),
        ("ru (own cohort)", "Ph+"),
        ("MAIA", "达雷妥尤单抗组"),
        ("MAIA", "对照组"),
        ("phase I (ref 13)", None),
        ("zh (own cohort)", None),
    ]
    values = [c for c in table.columns if c.kind != "row"]
    assert [(c.title, c.kind) for c in values] == [
        ("OS rate at 3 y", "value"),
        ("OS median", "value"),
        ("OS median: p", "p"),
        ("EFS rate at 18 mo", "value"),
        ("PFS median", "value"),
        ("CR rate", "value"),
        ("ORR rate", "value"),
    ]
    blinatumomab = rows[("TOWER", "blinatumomab")]
    assert blinatumomab.cells["OS_median"].text == "7.7 mo"
    assert blinatumomab.cells["OS_median"].p_text == "p=0.01"
    assert (blinatumomab.comparators, blinatumomab.n) == (["chemotherapy"], [271])
    assert rows[("MAIA", "对照组")].comparators == ["达雷妥尤单抗组"]
    assert rows[("zh (own cohort)", None)].cells["OS_rate_36mo"].ci_high == 70.6


# ---------------------------------------------------------------------------------- formats


def test_json_is_the_table(server):
    table = ComparisonTable.model_validate(get(server, "/compare", language="zh").json())
    assert table.filters == {"language": "zh"}
    assert [p.id for p in table.papers] == ["zh"]
    cell = next(r for r in table.rows if r.study.label == "zh (own cohort)").cells["OS_rate_36mo"]
    assert (cell.value, cell.ci_low, cell.ci_high, cell.ci_level, cell.pm, cell.n) == (
        48.9,
        23.0,
        70.6,
        0.95,
        5.1,
        41,
    )


def test_json_pages_rows_and_keeps_the_whole_tables_columns(server):
    whole = ComparisonTable.model_validate(get(server, "/compare").json())
    assert whole.total_rows == len(whole.rows) == 8 and whole.offset == 0
    pages, links = [], []
    for offset in (0, 3, 6):
        response = get(server, "/compare", offset=offset, limit=3)
        assert response.headers["x-total-count"] == "8"
        links.append(response.headers.get("link", ""))
        page = ComparisonTable.model_validate(response.json())
        assert (page.total_rows, page.offset) == (8, offset)
        assert page.columns == whole.columns  # a page has every column, even those it leaves empty
        assert {p.id for p in page.papers} == {row.paper.id for row in page.rows}
        pages += page.rows
    assert pages == whole.rows
    assert links[0] == '</compare?offset=3&limit=3>; rel="next"'
    assert links[1] == '</compare?offset=6&limit=3>; rel="next", </compare?offset=0&limit=3>; rel="prev"'
    assert links[2] == '</compare?offset=3&limit=3>; rel="prev"'
    # downloads hold the whole table unless a page is asked for
    assert len(get(server, "/compare", format="csv").text.strip().splitlines()) == 1 + 8
    assert len(get(server, "/compare", format="csv", limit=3).text.strip().splitlines()) == 1 + 3


def test_csv_parses_back_to_the_json_table(server):
    table = ComparisonTable.model_validate(get(server, "/compare").json())
    response = get(server, "/compare", format="csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="hemekb-compare.csv"' in response.headers["content-disposition"]
    reader = csv.reader(io.StringIO(response.text))
    header = next(reader)
    assert header == [c.title for c in table.columns]
    rows = [dict(zip(header, row, strict=True)) for row in reader]
    assert len(rows) == len(table.rows) == 8
    tower = next(r for r in rows if r["study"] == "TOWER" and r["arm"] == "blinatumomab")
    assert (tower["OS median"], tower["OS median: p"], tower["n"], tower["comparator"]) == (
        "7.7 mo",
        "p=0.01",
        "271",
        "chemotherapy",
    )
    assert (tower["registry"], tower["role"], tower["language"], tower["paper"]) == (
        "NCT02013167",
        "cited",
        "ru",
        "ru.txt",
    )
    own = next(r for r in rows if r["study"] == "zh (own cohort)")
    assert own["OS rate at 3 y"] == "48.9% (95% CI 23 to 70.6) ± 5.1"
    assert own["arm"] == "whole cohort"


def test_xlsx_has_comparison_results_and_sources_sheets(server):
    response = get(server, "/compare", disease="MM", format="xlsx")
    assert response.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["comparison", "results", "sources"]
    comparison = list(workbook["comparison"].iter_rows(values_only=True))
    assert comparison[0][:5] == ("study", "arm", "n", "comparator", "PFS median")
    assert comparison[0][-4:] == ("role", "review", "paper", "language")
    by_arm = {row[1]: dict(zip(comparison[0], row, strict=True)) for row in comparison[1:]}
    assert by_arm["对照组"]["PFS median"] == "31.8 mo" and by_arm["达雷妥尤单抗组"]["PFS median"] == "NR"
    results = list(workbook["results"].iter_rows(values_only=True))
    header = results[0]
    values = {row[header.index("id")]: row for row in results[1:]}
    assert set(values) == {"zh-r1", "zh-r2", "zh-r3"}
    orr = values["zh-r3"]
    assert orr[header.index("value")] == 87.5 and orr[header.index("n")] == 24  # numbers stay numbers
    assert orr[header.index("evidence")] == "BCMA CAR-T总缓解率为87.5%（24例）。"
    sources = list(workbook["sources"].iter_rows(values_only=True))
    assert sources[0][:4] == ("paper id", "file", "title", "language")
    assert [row[:4] for row in sources[1:]] == [("zh", "zh.txt", "多发性骨髓瘤与白血病免疫治疗", "zh")]


def test_markdown_and_html_tables(server):
    markdown = get(server, "/compare", language="ru", format="md").text
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + 4  # header, rule, four arms
    assert "| TOWER | blinatumomab | 271 | chemotherapy | 7.7 mo | p=0.01 |" in markdown

    page = get(server, "/compare", language="zh", format="html")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    cells = _cells(page.text)
    assert "48.9% (95% CI 23 to 70.6) ± 5.1" in cells
    assert '<td lang="zh">达雷妥尤单抗组</td>' in page.text


def test_csvw_metadata_describes_the_csv_of_the_same_query(server):
    metadata = get(server, "/compare", language="ru", format="csvw").json()
    assert metadata["@context"][0] == "http://www.w3.org/ns/csvw"
    assert "format=csv" in metadata["url"] and "language=ru" in metadata["url"]
    described = metadata["tableSchema"]["columns"]
    names = [c["name"] for c in described]
    assert len(set(names)) == len(names) and all(re.fullmatch(r"[A-Za-z0-9_]+", n) for n in names)
    csv_text = server.client.get(metadata["url"].replace(server.url, "")).text
    assert next(csv.reader(io.StringIO(csv_text))) == [c["titles"] for c in described]
    assert [s["dc:identifier"] for s in metadata["dc:source"]] == ["ru"]


def test_citations_of_the_papers_behind_a_table(server):
    ris = get(server, "/compare", format="ris").text
    entries = [e for e in ris.split("ER  - ") if e.strip()]
    assert len(entries) == 2
    fields = dict(line.split("  - ", 1) for line in entries[0].strip().splitlines())
    assert (fields["TY"], fields["TI"], fields["LA"]) == ("GEN", "Блинатумомаб у детей и взрослых", "ru")
    assert fields["UR"] == "https://w3id.org/hemekb/id/paper/ru"
    assert "TOWER (cited, NCT02013167, randomized phase III)" in fields["N1"]

    bibtex = get(server, "/compare", language="zh", format="bibtex").text
    assert bibtex.startswith("@misc{hemekb:zh,\n")
    assert "title = {多发性骨髓瘤与白血病免疫治疗}" in bibtex and "langid = {chinese}" in bibtex
    assert bibtex.count("{") == bibtex.count("}")


def test_formats_by_accept_header_and_refusals(server):
    assert get_with_accept(server, "text/csv").headers["content-type"].startswith("text/csv")
    assert get_with_accept(server, XLSX).headers["content-type"] == XLSX
    assert get_with_accept(server, "text/html,application/xhtml+xml;q=0.9").text.startswith("<!doctype html>")
    assert get_with_accept(server, "*/*").headers["content-type"] == "application/json"
    unknown = server.client.get("/compare", params={"format": "yaml"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == (
        "unknown format 'yaml'; allowed: json, csv, xlsx, md, html, csvw, ris, bibtex"
    )
    refused = server.client.get("/compare", headers={"Accept": "image/gif"})
    assert (
        refused.status_code == 406
        and "offered: application/json, text/csv" in refused.json()["error"]["message"]
    )


def get_with_accept(server: LiveServer, accept: str):
    response = server.client.get("/compare", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    return response


def test_outcome_formats_parse_back(server):
    page = get(server, "/outcomes", sort="-value", limit=3).json()
    ids = [r["id"] for r in page["results"]]
    assert ids == ["ru-r4", "zh-r3", "ru-r3"]
    lines = get(server, "/outcomes", sort="-value", limit=3, format="jsonl").text.splitlines()
    assert [OutcomeRecord.model_validate(json.loads(line)).id for line in lines] == ids
    table = list(
        csv.DictReader(io.StringIO(get(server, "/outcomes", sort="-value", limit=3, format="csv").text))
    )
    assert [(r["id"], r["value"], r["n"]) for r in table] == [
        ("ru-r4", "88", "20"),
        ("zh-r3", "87.5", "24"),
        ("ru-r3", "84.4", "109"),
    ]
    assert table[0]["evidence"] == evidence_kb.TEXT_RU.splitlines()[3]
    response = get(server, "/outcomes", language="zh", format="xlsx")
    assert response.headers["x-total-count"] == "4"
    sheet = load_workbook(io.BytesIO(response.content))["results"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5 and rows[0][0] == "id"
    markdown = get(server, "/outcomes", language="ru", format="md").text
    assert "| TOWER | blinatumomab | OS | 7.7 mo | 271 | p=0.01 | ru.txt | ru |" in markdown
    html = get(server, "/outcomes", language="ru", format="html").text
    assert 'lang="ru" class="evidence">В исследовании TOWER' in html
    refused = server.client.get("/outcomes", params={"format": "csvw"})
    assert refused.status_code == 400
    assert "allowed: json, jsonl, csv, xlsx, md, html" in refused.json()["error"]["message"]


def test_paging_links_and_total(server):
    response = get(server, "/outcomes", limit=3, offset=3, sort="value")
    assert response.headers["x-total-count"] == "8"
    assert '</outcomes?sort=value&offset=6&limit=3>; rel="next"' in response.headers["link"]
    assert '</outcomes?sort=value&offset=0&limit=3>; rel="prev"' in response.headers["link"]


# ---------------------------------------------------------------------------------- plots


def test_forest_plot_png_and_svg(server):
    from PIL import Image

    png = get(server, "/compare/plot", endpoint="OS", format="png")
    assert png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.width > 600 and image.height > 150
    svg = get(server, "/compare/plot", endpoint="OS", statistic="median", format="svg")
    assert svg.headers["content-type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(svg.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join(t for t in root.itertext())
    assert "TOWER" in text and "  blinatumomab" in text and "7.7 mo, n=271" in text and "2 results" in text


def test_plot_refusals_name_what_is_possible(server):
    missing = server.client.get("/compare/plot", params={"disease": "MM"})
    assert missing.status_code == 400 and "endpoint is required" in missing.json()["error"]["message"]
    empty = server.client.get("/compare/plot", params={"endpoint": "CRS"})
    assert empty.status_code == 400
    assert empty.json()["error"]["message"] == (
        "no CRS results match these filters; endpoints with results: none (no results match the filters)"
    )
    other = server.client.get("/compare/plot", params={"endpoint": "OS", "statistic": "mean"})
    assert "statistics present: median, rate" in other.json()["error"]["message"]
    bad = server.client.get("/compare/plot", params={"endpoint": "OS", "format": "gif"})
    assert bad.json()["error"]["message"] == "unknown format 'gif'; allowed: png, svg"


# ---------------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("output_format", ["csv", "md", "json", "ris"])
def test_kb_export_compare_writes_what_the_api_serves(server, home, output_format):
    result = run_kb(home, "export", "compare", "--disease", "ALL", "--format", output_format)
    assert result.returncode == 0, result.stderr
    served = get(server, "/compare", disease="ALL", format=output_format).text
    if output_format == "json":
        assert json.loads(result.stdout) == json.loads(served)
    else:
        assert result.stdout == served.replace("\r\n", "\n")  # run_kb reads text with universal newlines


def test_kb_export_compare_to_files(home, tmp_path):
    target = tmp_path / "all.xlsx"
    assert (
        run_kb(home, "export", "compare", "--min-n", "100", "--format", "xlsx", "-o", str(target)).returncode
        == 0
    )
    rows = list(load_workbook(target)["comparison"].iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    metadata = tmp_path / "all.csv-metadata.json"
    assert run_kb(home, "export", "compare", "--format", "csvw", "-o", str(metadata)).returncode == 0
    assert json.loads(metadata.read_text(encoding="utf-8"))["url"] == "all.csv"
    refused = run_kb(home, "export", "compare", "--format", "yaml")
    assert refused.returncode == 2 and "'yaml' is not one of 'json', 'csv'" in refused.stderr


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self._in = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.cells[-1] += data


def _cells(page: str) -> list[str]:
    parser = _Cells()
    parser.feed(page)
    return parser.cells
