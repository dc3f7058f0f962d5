"""Flattened tables and figure captions as they come out of PDFs.

Tables: a 'total' row of "N (100)" cells fixes the columns and their n; each following row is a
label (the endpoint, possibly over several lines and languages) followed by one "n (%)" cell per
column and optionally a p-value. Captions: "OS; n = 109, 61 alive; 45 ± 8%" lines, with
"EFS: p = 0.039" lines giving the p-value of the curves compared in the same figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.extract.lexicon import find_concepts
from ingest.extract.values import to_float
from kb.vocab import cue

_CELL = r"(?:\d+\s*\(\s*\d+(?:[.,]\d+)?\s*\)|\b0\b)"
_TOTAL_ROW = re.compile(r"^(?P<label>\D*?)\s*(?P<cells>(?:\d+\s*\(\s*100\s*\)\s*){2,})\s*$")
_ROW = re.compile(
    rf"^(?P<label>.*?)\s*(?P<cells>(?:{_CELL}\s+)*{_CELL})\s*(?P<p>(?:[<>≤≥]\s*)?0[.,]\d+)?\s*$"
)
_CELL_PARTS = re.compile(r"(?P<count>\d+)\s*\(\s*(?P<pct>\d+(?:[.,]\d+)?)\s*\)|\b0\b")
_HEADER_TOKENS = [
    re.compile(r"[<>≤≥]\s*\d+(?:[.,]\d+)?\s*%"),
    re.compile(
        rf"(?:{cue('treatment_protocols').pattern})\s*\d{{4}}|\bS\d(?:/S?\d)*\b|Second relapses?"
        r"|(?<![\w-])(?:[A-Z][\w-]+ )?(?:arm|group)\b"
    ),
]
_CAPTION_LINE = re.compile(
    r"^(?P<label>[^;\n]{1,24});\s*n\s*=\s*(?P<n>\d+),\s*(?P<count>\d+)\s+(?P<event>[^;\n]+);\s*"
    r"(?P<v>\d+(?:[.,]\d+)?)\s*±\s*(?P<pm>\d+(?:[.,]\d+)?)\s*%\s*$",
    re.M,
)
_CAPTION_P = re.compile(r"^(?P<label>[A-Za-z]{2,5})\s*:\s*p\s*(?P<op>[<>=])\s*(?P<v>0[.,]\d+)\s*$", re.M)
_EVENT_ENDPOINTS = [
    (re.compile(r"relaps", re.I), "RELAPSE"),
    (re.compile(r"\bin CCR\b|event-free", re.I), "EFS"),
    (re.compile(r"alive", re.I), "OS"),
    (re.compile(r"death|died", re.I), "NRM"),
]


@dataclass
class TableCell:
    endpoint: str
    value: float
    decimals: int
    count: int
    n: int
    arm: str | None
    evidence: tuple[int, int]
    p_operator: str | None = None
    p_value: float | None = None
    pm: float | None = None
    group: str | None = None
    # other spans that state the cell's numbers: the total row (its n), a legend's p-value line
    sources: tuple[tuple[int, int], ...] = ()


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def _endpoint_of(label: str) -> str | None:
    found = find_concepts(label, "endpoints")
    return found[-1].concept.id if found else None


def _column_labels(header: str, k: int, ns: list[int]) -> list[str | None]:
    """Column names from the header when they can be aligned; else 'subgroup (n=..)'."""
    whole_first = len(ns) > 2 and ns[0] == sum(ns[1:])
    for pattern in _HEADER_TOKENS:
        tokens: list[str | None] = [t.group(0).strip() for t in pattern.finditer(header)]
        if whole_first and len(tokens) == k - 1:
            return [None, *tokens]
        if not whole_first and len(tokens) == k:
            return tokens
    labels: list[str | None] = [f"subgroup (n={n})" for n in ns]
    if whole_first:
        labels[0] = None
    return labels


def parse_tables(text: str) -> tuple[list[TableCell], list[tuple[int, int]]]:
    """Cells of every flattened 'n (%)' outcome table, and the spans of all tables (source offsets)."""
    lines = _lines(text)
    out: list[TableCell] = []
    regions: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        m = _TOTAL_ROW.match(lines[i][2].strip())
        if not m:
            i += 1
            continue
        ns = [int(c.group("count")) for c in _CELL_PARTS.finditer(m["cells"])]
        header_start = max(0, i - 25)
        caption = max(
            (
                j
                for j in range(header_start, i)
                if re.match(r"\s*(?:Table|Таблица|Tablo|表)\s*\d", lines[j][2])
            ),
            default=header_start,
        )
        header = " ".join(line for _, _, line in lines[caption:i])
        arms = _column_labels(header, len(ns), ns)
        label_lines: list[tuple[int, str]] = []
        j = i + 1
        table_id = f"table@{lines[i][0]}"
        table_cells: list[TableCell] = []
        last_row_end = lines[i][1]
        while j < len(lines) and j < i + 60:
            start, end, line = lines[j]
            stripped = line.strip()
            if re.match(r"(?:Таблица|Table|Рисунок|Figure|Примечание|Note)\b", stripped):
                break
            row = _ROW.match(stripped) if stripped else None
            cells = list(_CELL_PARTS.finditer(row["cells"])) if row else []
            if row and len(cells) == len(ns):
                label = " ".join([t for _, t in label_lines] + [row["label"]])
                endpoint = _endpoint_of(label)
                values = [(int(c["count"]) if c["count"] else 0, c["pct"]) for c in cells]
                if endpoint and any(count for count, _ in values):
                    p_op, p_val = _p_of(row["p"])
                    row_start = label_lines[0][0] if label_lines else start
                    for k, (count, pct) in enumerate(values):
                        if not count and p_val is None:
                            continue  # an empty cell outside a comparison is not a reported result
                        value = to_float(pct) if pct else 0.0
                        decimals = (
                            len(pct.replace(",", ".").split(".")[1]) if pct and re.search(r"[.,]", pct) else 0
                        )
                        table_cells.append(
                            TableCell(
                                endpoint,
                                value,
                                decimals,
                                count,
                                ns[k],
                                arms[k],
                                (row_start, end),
                                p_op,
                                p_val,
                                group=f"{table_id}:{j}"
                                if p_val is not None and arms[k] is not None
                                else None,
                                sources=((lines[i][0], lines[i][1]),),
                            )
                        )
                label_lines = []
                last_row_end = end
            elif stripped and not re.search(r"\d", stripped):
                label_lines.append((start, stripped))
            elif stripped:
                label_lines = []
            j += 1
        if len({c.endpoint for c in table_cells}) >= 2:  # an outcome table, not a baseline table
            out.extend(table_cells)
        regions.append((lines[caption][0], last_row_end))
        i = j
    return out, regions


def _p_of(text: str | None) -> tuple[str | None, float | None]:
    if not text:
        return None, None
    m = re.match(r"([<>≤≥])?\s*(.+)", text)
    op = {"≤": "<=", "≥": ">="}.get(m[1], m[1]) if m and m[1] else "="
    return op, to_float(m[2]) if m else None


def parse_captions(text: str) -> list[TableCell]:
    """Kaplan-Meier legends: 'EFS; n = 109, 52 in CCR; 37 ± 7%'."""
    out: list[TableCell] = []
    for m in _CAPTION_LINE.finditer(text):
        label = m["label"].strip()
        # the event counted names the curve: "34 relapse" (CIR), "52 in CCR" (EFS), "61 alive" (OS)
        endpoint = _endpoint_of(label) or next(
            (code for pattern, code in _EVENT_ENDPOINTS if pattern.search(m["event"])), None
        )
        if endpoint is None:
            continue
        arm = None if _endpoint_of(label) else label
        block = text[max(0, m.start() - 300) : m.end() + 300]
        p_op = p_val = None
        group = None
        sources: tuple[tuple[int, int], ...] = ()
        if arm is not None:
            offset = max(0, m.start() - 300)
            for pm in _CAPTION_P.finditer(block):
                if _endpoint_of(pm["label"]) == endpoint:
                    p_op, p_val = pm["op"], to_float(pm["v"])
                    group = f"caption@{m.start() // 400}:{endpoint}"
                    sources = ((offset + pm.start(), offset + pm.end()),)
        v = m["v"]
        out.append(
            TableCell(
                endpoint,
                to_float(v),
                len(v.replace(",", ".").split(".")[1]) if re.search(r"[.,]", v) else 0,
                int(m["count"]),
                int(m["n"]),
                arm,
                (m.start(), m.end()),
                p_op,
                p_val,
                to_float(m["pm"]),
                group,
                sources=sources,
            )
        )
    return out
