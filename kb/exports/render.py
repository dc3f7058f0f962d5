"""The one place that decides output formats, for GET /outcomes, GET /compare, papers and the CLI.

`negotiate(format, accept, allowed)` picks a format: the `format` parameter wins (a name or an
alias; unknown -> UnknownFormat naming the allowed values, never a silent default), then the
Accept header (nothing acceptable -> NotAcceptable), then the default (JSON).

Renderers return bytes:

- outcome records: JSON (array), JSON Lines, CSV, XLSX (a results sheet and a sources sheet),
  Markdown, HTML — one row per record with its source sentence in the paper's language;
- comparison tables (kb/evidence/compare.py): JSON, CSV, XLSX (comparison, results and sources sheets),
  Markdown, HTML, a CSV-on-the-Web metadata file describing the CSV, and the citations of the
  papers behind the table as RIS or BibTeX (kb/exports/citations.py);
- plots (kb/exports/plot.py): PNG, SVG.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from kb.errors import QueryRefused
from kb.evidence.compare import ComparisonTable, number, p_text, value_text
from kb.evidence.comparisons import LINKED_COLUMNS, ComparisonRows
from kb.exports.citations import Bibliographic, bibtex, citations_for, ris
from kb.model.records import OutcomeRecord, PaperRef, StudyRef


class UnknownFormat(QueryRefused):
    """A `format` value the resource does not offer."""


class NotAcceptable(QueryRefused):
    """An Accept header none of whose types the resource offers."""


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    aliases: tuple[str, ...] = ()  # other names and media types that choose this format
    charset: bool = True  # served with "; charset=utf-8" (not binary, not JSON, which is UTF-8 anyway)

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("json", "application/json", "json", charset=False),
        Format(
            "jsonl", "application/x-ndjson", "jsonl", ("ndjson", "application/jsonl", "application/jsonlines")
        ),
        Format("csv", "text/csv", "csv"),
        Format(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            ("excel",),
            charset=False,
        ),
        Format("md", "text/markdown", "md", ("markdown", "text/x-markdown")),
        Format("html", "text/html", "html", ("application/xhtml+xml",)),
        Format("csvw", "application/csvm+json", "csv-metadata.json", ("csv-metadata",), charset=False),
        Format("ris", "application/x-research-info-systems", "ris"),
        Format("bibtex", "application/x-bibtex", "bib", ("bib", "text/x-bibtex")),
        Format("png", "image/png", "png", charset=False),
        Format("svg", "image/svg+xml", "svg"),
    )
}
OUTCOME_FORMATS = ("json", "jsonl", "csv", "xlsx", "md", "html")
COMPARE_FORMATS = ("json", "csv", "xlsx", "md", "html", "csvw", "ris", "bibtex")
PAPER_FORMATS = ("json", "html", "ris", "bibtex")
PLOT_FORMATS = ("png", "svg")


def _accept_ranges(header: str) -> list[str]:
    """Media ranges of an Accept header with q > 0, best first (ties keep their order)."""
    ranges = []
    for position, part in enumerate(header.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, position, media.lower()))
    return [media for _, _, media in sorted(ranges)]


def format_named(name: str, allowed: Sequence[str]) -> Format:
    """The format a `format=` value names, or UnknownFormat listing the allowed names."""
    wanted = name.strip().lower()
    for allowed_name in allowed:
        fmt = FORMATS[allowed_name]
        if wanted in (fmt.name, fmt.media_type, *fmt.aliases):
            return fmt
    raise UnknownFormat(f"unknown format {name!r}; allowed: {', '.join(allowed)}")


def negotiate(
    requested: str | None, accept: str | None, allowed: Sequence[str], default: str | None = None
) -> Format:
    """The format to answer in: `format=` first, then Accept, then `default` (the first allowed)."""
    if requested is not None and requested.strip():
        return format_named(requested, allowed)
    fallback = FORMATS[default or allowed[0]]
    if not accept or not accept.strip():
        return fallback
    ranges = _accept_ranges(accept)
    for media in ranges:
        if media == "*/*" or (media.endswith("/*") and fallback.media_type.startswith(media[:-1])):
            return fallback
        for name in allowed:
            fmt = FORMATS[name]
            if media == fmt.media_type or media in fmt.aliases:
                return fmt
            if media.endswith("/*") and fmt.media_type.startswith(media[:-1]):
                return fmt
    if not ranges:
        return fallback
    offered = ", ".join(FORMATS[name].media_type for name in allowed)
    raise NotAcceptable(
        f"none of the accepted types ({accept}) is offered; offered: {offered} (or use format=)"
    )


# ------------------------------------------------------------------------------ outcome records

# Flat columns of one outcome record: (header, value of the record). Lists are joined with "; ".
RecordColumn = tuple[str, Callable[[OutcomeRecord], Any]]
RECORD_COLUMNS: tuple[RecordColumn, ...] = (
    ("id", lambda r: r.id),
    ("paper", lambda r: r.paper.file),
    ("language", lambda r: r.paper.language),
    ("study", lambda r: r.study.label),
    ("registry", lambda r: "; ".join(r.study.registry_ids)),
    ("design", lambda r: r.study.design),
    ("role", lambda r: "own" if r.study.is_primary else "cited"),
    ("arm", lambda r: r.arm),
    ("interventions", lambda r: "; ".join(i.label for i in r.interventions)),
    ("antigens", lambda r: "; ".join(r.antigens)),
    ("disease", lambda r: r.disease.label if r.disease else None),
    ("line_of_therapy", lambda r: r.line_of_therapy),
    ("population", lambda r: r.population),
    ("endpoint", lambda r: r.endpoint),
    ("statistic", lambda r: r.statistic),
    ("time_months", lambda r: r.time_months),
    ("value", lambda r: r.value),
    ("unit", lambda r: r.unit),
    ("not_reached", lambda r: r.not_reached),
    ("ci_low", lambda r: r.ci_low),
    ("ci_high", lambda r: r.ci_high),
    ("ci_level", lambda r: r.ci_level),
    ("pm", lambda r: r.pm),
    ("n", lambda r: r.n),
    ("count", lambda r: r.count),
    ("p_operator", lambda r: r.p_operator),
    ("p_value", lambda r: r.p_value),
    ("hazard_ratio", lambda r: r.hazard_ratio),
    ("comparison", lambda r: r.comparison),
    ("grade", lambda r: r.grade),
    ("event", lambda r: r.event),
    ("result", value_text),
    ("evidence", lambda r: r.evidence.text),
    ("evidence_start", lambda r: r.evidence.char_start),
    ("evidence_end", lambda r: r.evidence.char_end),
    # the review status (kb/evidence/reviews.py), and the fields a reviewer corrected
    ("review", lambda r: r.review.status if r.review is not None else "unreviewed"),
    ("corrected_fields", lambda r: "; ".join(r.review.changes) if r.review is not None else None),
)
# What Markdown and HTML show of a record (the evidence sentence last, in the paper's language).
_READABLE = ("study", "arm", "endpoint", "result", "n", "p", "paper", "language", "review", "evidence")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number(value)
    return str(value)


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_csv_text(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8")


def _md_cell(value: Any) -> str:
    return " ".join(_csv_text(value).split()).replace("\\", "\\\\").replace("|", "\\|")


def _markdown(
    header: Sequence[str], rows: Sequence[Sequence[Any]], title: str, notes: Sequence[str]
) -> bytes:
    lines = [f"# {title}", ""]
    lines.extend(f"{note}  " for note in notes)
    if notes:
        lines.append("")
    lines.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
    lines.append("|" + "|".join(" --- " for _ in header) + "|")
    lines.extend("| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _readable_record(record: OutcomeRecord) -> list[Any]:
    return [
        record.study.label,
        record.arm,
        record.endpoint + (f" at {number(record.time_months)} mo" if record.time_months is not None else ""),
        value_text(record),
        record.n,
        p_text(record),
        record.paper.file,
        record.paper.language,
        record.review.status if record.review is not None else "unreviewed",
        record.evidence.text,
    ]


def render_records(
    records: Sequence[OutcomeRecord], fmt: str, title: str = "hemekb outcome records"
) -> bytes:
    """Outcome records in one of OUTCOME_FORMATS."""
    if fmt == "json":
        return json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False, indent=2).encode()
    if fmt == "jsonl":
        lines = [json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n" for r in records]
        return "".join(lines).encode("utf-8")
    header = [name for name, _ in RECORD_COLUMNS]
    rows = [[get(r) for _, get in RECORD_COLUMNS] for r in records]
    if fmt == "csv":
        return _csv(header, rows)
    if fmt == "xlsx":
        return _xlsx([("results", header, rows, {"evidence": 80})], _sources_sheet(records))
    if fmt == "md":
        readable = [_readable_record(r) for r in records]
        return _markdown(_READABLE, readable, title, [_count(len(records), "result")])
    if fmt == "html":
        readable = [_readable_record(r) for r in records]
        langs = [r.paper.language for r in records]
        return _html(title, _READABLE, readable, [_count(len(records), "result")], _sources(records), langs)
    raise UnknownFormat(f"unknown format {fmt!r}; allowed: {', '.join(OUTCOME_FORMATS)}")


# ------------------------------------------------------------------------------ comparison tables


def render_comparison(
    table: ComparisonTable | ComparisonRows,
    fmt: str,
    records: Sequence[OutcomeRecord] = (),
    *,
    csv_url: str = "compare.csv",
    base_iri: str = "https://w3id.org/hemekb/id/",
    title: str = "hemekb comparison",
    details: Mapping[str, Bibliographic] | None = None,
) -> bytes:
    """A comparison table, one study arm per row (kb/evidence/compare.py) or one comparison per row
    (kb/evidence/comparisons.py), in one of COMPARE_FORMATS; `records` feed the XLSX results sheet,
    `details` (bibliographic details by paper id) the citations."""
    if fmt == "json":
        return table.model_dump_json().encode("utf-8")  # compact: a 1,700-row table is 2 MB indented
    header = [c.title for c in table.columns]
    rows = _linked(table, table.text_rows())
    noun = "comparison" if isinstance(table, ComparisonRows) else "arm"
    notes = [
        _filter_note(table.filters),
        f"{_count(len(table.rows), noun)}, {_count(len(table.papers), 'paper')}",
    ]
    if fmt == "csv":
        return _csv(header, rows)
    if fmt == "csvw":
        return json.dumps(csvw_metadata(table, csv_url, title), ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "md":
        return _markdown(header, rows, title, notes)
    if fmt == "html":
        langs = [row.paper.language for row in table.rows]
        return _html(title, header, rows, notes, _table_sources(table, base_iri), langs)
    if fmt == "xlsx":
        record_header = [name for name, _ in RECORD_COLUMNS]
        record_rows = [[get(r) for _, get in RECORD_COLUMNS] for r in records]
        return _xlsx(
            [
                ("comparison", header, rows, {}),
                ("results", record_header, record_rows, {"evidence": 80}),
            ],
            _table_sources_sheet(table, base_iri),
        )
    if fmt in ("ris", "bibtex"):
        return render_citations(table.papers, _studies_by_paper(table), fmt, base_iri, details)
    raise UnknownFormat(f"unknown format {fmt!r}; allowed: {', '.join(COMPARE_FORMATS)}")


class Link(str):
    """Text of a cell whose parts have web addresses: HTML shows them as links, XLSX as a hyperlink
    (to the first); everywhere else it is the text."""

    urls: tuple[str, ...]

    def __new__(cls, text: str, urls: Sequence[str]) -> Link:
        link = super().__new__(cls, text)
        link.urls = tuple(urls)
        return link


def _linked(table: ComparisonTable | ComparisonRows, rows: list[list[str]]) -> list[list[Any]]:
    """The rows with the registry ids and DOIs as Links (kb/evidence/comparisons.py LINKED_COLUMNS)."""
    keys = [c.key for c in table.columns]
    linked: list[list[Any]] = []
    for row in rows:
        cells: list[Any] = list(row)
        for index, key in enumerate(keys):
            prefix = LINKED_COLUMNS.get(key)
            if prefix and cells[index]:
                parts = [part.strip() for part in cells[index].split(";") if part.strip()]
                cells[index] = Link(cells[index], [prefix + part for part in parts])
        linked.append(cells)
    return linked


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _filter_note(filters: dict[str, Any]) -> str:
    if not filters:
        return "All results."
    return "Filters: " + ", ".join(f"{k}={v}" for k, v in filters.items()) + "."


def _studies_by_paper(table: ComparisonTable | ComparisonRows) -> dict[str, list[StudyRef]]:
    out: dict[str, list[StudyRef]] = {}
    for row in table.rows:
        out.setdefault(row.paper.id, []).append(row.study)
    return out


def render_citations(
    papers: Sequence[PaperRef],
    studies_by_paper: dict[str, list[StudyRef]],
    fmt: str,
    base_iri: str,
    details: Mapping[str, Bibliographic] | None = None,
) -> bytes:
    """RIS or BibTeX of the papers, with their studies and bibliographic details (kb/exports/citations.py)."""
    citations = citations_for(papers, studies_by_paper, base_iri, details)
    text = ris(citations) if fmt == "ris" else bibtex(citations)
    return text.encode("utf-8")


def csvw_metadata(table: ComparisonTable | ComparisonRows, csv_url: str, title: str) -> dict[str, Any]:
    """A CSV on the Web (W3C) metadata document describing the CSV rendering of `table`."""
    if isinstance(table, ComparisonRows):
        integers = {"experimental_n", "control_n", "experimental_events", "control_events"}
        required = {"study", "endpoint", "statistic", "experimental_value", "control_value", "paper"}
    else:
        integers = {"n"} if all(len(r.n) <= 1 for r in table.rows) else set()
        required = {"study", "arm", "role", "paper"}
    columns = []
    for column in table.columns:
        columns.append(
            {
                "name": column.key,
                "titles": column.title,
                "dc:description": column.description,
                "datatype": "integer" if column.key in integers else "string",
                "required": column.key in required,
            }
        )
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "url": csv_url,
        "dc:title": title,
        "dc:description": _filter_note(table.filters),
        "dc:source": [
            {"dc:identifier": p.id, "dc:title": p.title, "dc:language": p.language} for p in table.papers
        ],
        "dialect": {"encoding": "utf-8", "header": True, "lineTerminators": ["\r\n"]},
        "tableSchema": {"columns": columns, "aboutUrl": "#row-{_row}"},
    }


# ------------------------------------------------------------------------------ XLSX and HTML


def _sources(records: Sequence[OutcomeRecord]) -> list[dict[str, Any]]:
    papers: dict[str, dict[str, Any]] = {}
    for record in records:
        entry = papers.setdefault(
            record.paper.id,
            {"paper": record.paper, "studies": {}, "results": 0},
        )
        entry["studies"][record.study.id] = record.study
        entry["results"] += 1
    return list(papers.values())


def _row_records(table: ComparisonTable | ComparisonRows) -> list[tuple[str, str]]:
    """(paper id, record id) of every record behind the rows."""
    if isinstance(table, ComparisonRows):
        return [(r.paper.id, i) for r in table.rows for i in (r.experimental.record, r.control.record)]
    return [(r.paper.id, i) for r in table.rows for c in r.cells.values() for i in c.records]


def _table_sources(table: ComparisonTable | ComparisonRows, base_iri: str) -> list[dict[str, Any]]:
    studies = _studies_by_paper(table)
    behind = _row_records(table)
    return [
        {
            "paper": paper,
            "studies": {s.id: s for s in studies.get(paper.id, [])},
            "results": len({i for p, i in behind if p == paper.id}),
            "iri": f"{base_iri}paper/{paper.id}",
        }
        for paper in table.papers
    ]


_SOURCE_HEADER = ["paper id", "file", "title", "language", "studies", "registry ids", "results"]


def _source_rows(sources: Sequence[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for source in sources:
        paper: PaperRef = source["paper"]
        studies: list[StudyRef] = list(source["studies"].values())
        rows.append(
            [
                paper.id,
                paper.file,
                paper.title,
                paper.language,
                "; ".join(s.label for s in studies),
                "; ".join(i for s in studies for i in s.registry_ids),
                source["results"],
            ]
        )
    return rows


def _sources_sheet(records: Sequence[OutcomeRecord]) -> tuple[list[str], list[list[Any]]]:
    return _SOURCE_HEADER, _source_rows(_sources(records))


def _table_sources_sheet(
    table: ComparisonTable | ComparisonRows, base_iri: str
) -> tuple[list[str], list[list[Any]]]:
    return _SOURCE_HEADER, _source_rows(_table_sources(table, base_iri))


def _xlsx(
    sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]], dict[str, int]]],
    sources: tuple[Sequence[str], Sequence[Sequence[Any]]],
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, header, rows, widths in [*sheets, ("sources", *sources, {"title": 60})]:
        sheet = workbook.create_sheet(name)
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            sheet.append([str(v) if isinstance(v, Link) else v for v in row])
            for cell, value in zip(sheet[sheet.max_row], row, strict=False):
                if isinstance(value, str) and value.startswith("="):
                    # openpyxl reads "=..." as a formula: a paper's text is never one, and stays as written
                    cell.data_type = "s"
                if isinstance(value, Link) and value.urls:
                    cell.hyperlink = value.urls[0]
                    cell.style = "Hyperlink"
        sheet.freeze_panes = "A2"
        for index, title in enumerate(header, start=1):
            longest = max([len(str(title)), *(len(_csv_text(r[index - 1])) for r in rows)])
            sheet.column_dimensions[get_column_letter(index)].width = widths.get(
                title, min(max(longest, 6), 40) + 2
            )
        if rows:
            sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_HTML = Environment(autoescape=select_autoescape(default=True, default_for_string=True)).from_string(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f2f2f2; position: sticky; top: 0; }
td.evidence { max-width: 40rem; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
{% for note in notes %}<p>{{ note }}</p>{% endfor %}
<table>
<thead><tr>{% for h in header %}<th scope="col">{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr>{% for v in row.cells %}{% set h = header[loop.index0] %}<td
{%- if h in ("evidence", "arm") and row.lang %} lang="{{ row.lang }}"{% endif %}
{%- if h == "evidence" %} class="evidence"{% endif %}>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
<h2>Sources</h2>
<ul>
{% for s in sources %}<li lang="{{ s.paper.language or '' }}">{{ s.paper.title or s.paper.file }}
 ({{ s.paper.file }})</li>{% endfor %}
</ul>
</body>
</html>
"""
)


def _html_cell(value: Any) -> Any:
    """A cell's text, or its links (escaped parts joined as the text joins them)."""
    if isinstance(value, Link) and value.urls:
        parts = [part.strip() for part in str(value).split(";") if part.strip()]
        anchors = [
            Markup('<a href="{}">{}</a>').format(url, part)
            for part, url in zip(parts, value.urls, strict=False)
        ]
        return Markup("; ").join(anchors)
    return _csv_text(value)


def _html(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    notes: Sequence[str],
    sources: Sequence[dict[str, Any]],
    langs: Sequence[str | None],
) -> bytes:
    table_rows = [
        {"cells": [_html_cell(v) for v in row], "lang": lang} for row, lang in zip(rows, langs, strict=True)
    ]
    page = _HTML.render(title=title, header=list(header), rows=table_rows, notes=notes, sources=sources)
    return page.encode("utf-8")
