"""Saved comparisons: named, versioned, citable comparison tables that keep watch, as ORKG's do.

A saved comparison is a name, the filters and the layout of GET /compare. Saving it freezes its
rows (and the records behind them) as version 1; saving the same name again with other filters, or
once the rows have changed, adds the next version. A version never changes, so its URL always gives
the same rows, whatever is ingested or reviewed later.

Keeping watch: every read of a comparison's feed (or of the comparison) computes its rows from the
knowledge base as it is now and, when they differ from the last rows seen, keeps an observation
(time, rows). The Atom feed has one entry per observation, saying which rows a later ingest or
review added, changed or removed, so a living review learns of new evidence by polling the feed.

Stored in `KB_HOME/comparisons/comparisons.sqlite` (created by the first save), apart from the
graph: they are the users' work, like reviews, and no ingest touches them.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

from sqlite_utils.utils import sqlite3

from kb.errors import QueryRefused
from kb.evidence.compare import ComparisonTable
from kb.evidence.comparisons import ComparisonRows
from kb.model.records import OutcomeRecord
from kb.settings import Settings

Layout = Literal["arms", "comparisons"]
MAX_NAME_CHARS = 200
_SCHEMA = """
CREATE TABLE IF NOT EXISTS comparison_versions (
    comparison_id TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, description TEXT,
    filters TEXT NOT NULL, layout TEXT NOT NULL, created TEXT NOT NULL, digest TEXT NOT NULL,
    rows TEXT NOT NULL, records TEXT NOT NULL,
    PRIMARY KEY (comparison_id, version)
);
CREATE TABLE IF NOT EXISTS comparison_observations (
    comparison_id TEXT NOT NULL, observed TEXT NOT NULL, digest TEXT NOT NULL, rows TEXT NOT NULL,
    added INTEGER NOT NULL, changed INTEGER NOT NULL, removed INTEGER NOT NULL, summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS comparison_observations_id ON comparison_observations (comparison_id, observed);
"""
Table = ComparisonTable | ComparisonRows
# (filters, layout) -> (the table of the knowledge base as it is now, the records behind its rows)
Builder = Callable[[dict[str, Any], Layout], tuple[Table, list[OutcomeRecord]]]


def comparison_id(name: str) -> str:
    """The stable id of a name: lower-case letters, digits and dashes."""
    slug = re.sub(r"[^\w]+", "-", name.casefold(), flags=re.UNICODE).strip("-_")
    if not slug:
        raise QueryRefused("a saved comparison needs a name with at least one letter or digit")
    return slug[:80]


def row_key(table: Table, index: int) -> str:
    """What identifies a row across versions: the arm of a study in a paper, or the two records compared."""
    if isinstance(table, ComparisonRows):
        row = table.rows[index]
        return f"{row.experimental.record} vs {row.control.record}"
    arm_row = table.rows[index]
    return f"{arm_row.paper.id} / {arm_row.study.id} / {arm_row.arm or 'whole cohort'}"


def _label(row: Mapping[str, Any]) -> str:
    """A row as a reader names it: the study, and the arms compared or the arm."""
    study = row["study"]["label"]
    if "experimental" in row:
        time = f" at {row['time_months']:g} mo" if row.get("time_months") is not None else ""
        arms = (
            f"{row['experimental']['label'] or 'whole cohort'} vs {row['control']['label'] or 'whole cohort'}"
        )
        return f"{study}, {row['endpoint']} {row['statistic']}{time}: {arms}"
    return f"{study}: {row.get('arm') or 'whole cohort'}"


def _rows_by_key(table: Table) -> dict[str, dict[str, Any]]:
    return {row_key(table, i): row.model_dump(mode="json") for i, row in enumerate(table.rows)}


def _digest(rows: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def load_table(layout: str, text: str) -> Table:
    return (ComparisonRows if layout == "comparisons" else ComparisonTable).model_validate_json(text)


@dataclass(frozen=True)
class Version:
    comparison_id: str
    version: int
    name: str
    description: str | None
    filters: dict[str, Any]
    layout: Layout
    created: str
    rows: int


@dataclass(frozen=True)
class Observation:
    observed: str
    added: list[str]
    changed: list[str]
    removed: list[str]


class SavedComparisons:
    """The saved comparisons of a knowledge base; every call opens its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._created = threading.Lock()

    @classmethod
    def open(cls, settings: Settings) -> SavedComparisons:
        return cls(settings.home / "comparisons" / "comparisons.sqlite")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._created:
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
                    db.executescript(_SCHEMA)
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def save(
        self,
        name: str,
        filters: dict[str, Any],
        layout: Layout,
        build: Builder,
        description: str | None = None,
    ) -> tuple[Version, bool]:
        """Freeze the comparison's rows as its next version; (the version, whether it is new). Saving
        what the latest version already holds (same filters, layout and rows) keeps that version."""
        ident = comparison_id(name)
        table, records = build(filters, layout)
        rows = _rows_by_key(table)
        digest = _digest({"filters": filters, "layout": layout, "rows": rows})
        with self._connect() as db:
            latest = db.execute(
                "SELECT version, digest FROM comparison_versions WHERE comparison_id = ?"
                " ORDER BY version DESC LIMIT 1",
                (ident,),
            ).fetchone()
            if latest is not None and latest[1] == digest:
                return self.version(ident, latest[0]), False  # type: ignore[return-value]
            number = 1 if latest is None else latest[0] + 1
            created = _now()
            db.execute(
                "INSERT INTO comparison_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ident,
                    number,
                    name.strip(),
                    description,
                    json.dumps(filters, ensure_ascii=False),
                    layout,
                    created,
                    digest,
                    table.model_dump_json(),
                    json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False),
                ),
            )
            db.execute(  # the rows as saved are the first state the feed compares with
                "INSERT INTO comparison_observations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ident,
                    created,
                    _digest(rows),
                    json.dumps(rows, ensure_ascii=False),
                    len(rows),
                    0,
                    0,
                    "saved",
                ),
            )
        return Version(
            ident, number, name.strip(), description, filters, layout, created, len(table.rows)
        ), True

    def versions(self, ident: str | None = None) -> list[Version]:
        """Every version of one comparison (or of all), oldest first."""
        if not self.path.exists():
            return []
        where, params = ("WHERE comparison_id = ?", (ident,)) if ident is not None else ("", ())
        with self._connect() as db:
            found = db.execute(
                "SELECT comparison_id, version, name, description, filters, layout, created, rows"
                f" FROM comparison_versions {where} ORDER BY comparison_id, version",
                params,
            ).fetchall()
        return [
            Version(c, v, n, d, json.loads(f), lay, created, len(load_table(lay, rows).rows))
            for c, v, n, d, f, lay, created, rows in found
        ]

    def version(self, ident: str, number: int | None = None) -> Version | None:
        found = self.versions(ident)
        if number is None:
            return found[-1] if found else None
        return next((v for v in found if v.version == number), None)

    def frozen(self, ident: str, number: int) -> tuple[Table, list[OutcomeRecord]] | None:
        """The rows and records of one version, as saved."""
        if not self.path.exists():
            return None
        with self._connect() as db:
            found = db.execute(
                "SELECT layout, rows, records FROM comparison_versions"
                " WHERE comparison_id = ? AND version = ?",
                (ident, number),
            ).fetchone()
        if found is None:
            return None
        layout, rows, records = found
        return load_table(layout, rows), [OutcomeRecord.model_validate(r) for r in json.loads(records)]

    def watch(self, ident: str, build: Builder) -> list[Observation]:
        """Compare the rows of the latest version's filters now with the last rows seen; keep an
        observation when they differ. Every observation since the first save, oldest first."""
        latest = self.version(ident)
        if latest is None:
            return []
        table, _ = build(latest.filters, latest.layout)
        rows = _rows_by_key(table)
        with self._connect() as db:
            last = db.execute(
                "SELECT digest, rows FROM comparison_observations WHERE comparison_id = ?"
                " ORDER BY observed DESC, rowid DESC LIMIT 1",
                (ident,),
            ).fetchone()
            if last is not None and last[0] != _digest(rows):
                before = json.loads(last[1])
                added = sorted(set(rows) - set(before))
                removed = sorted(set(before) - set(rows))
                changed = sorted(k for k in set(rows) & set(before) if rows[k] != before[k])
                summary = _json(
                    {
                        "added": [_label(rows[k]) for k in added],
                        "changed": [_label(rows[k]) for k in changed],
                        "removed": [_label(before[k]) for k in removed],
                    }
                )
                db.execute(
                    "INSERT INTO comparison_observations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        ident,
                        _now(),
                        _digest(rows),
                        _json(rows),
                        len(added),
                        len(changed),
                        len(removed),
                        summary,
                    ),
                )
            found = db.execute(
                "SELECT observed, summary FROM comparison_observations WHERE comparison_id = ?"
                " ORDER BY observed, rowid",
                (ident,),
            ).fetchall()
        observations = []
        for observed, summary in found[1:]:  # the first is the save itself
            parts = json.loads(summary)
            observations.append(Observation(observed, parts["added"], parts["changed"], parts["removed"]))
        return observations


def atom_feed(version: Version, observations: Sequence[Observation], base_url: str) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of what changed in a saved comparison's rows since it was saved."""
    page = f"{base_url}/comparisons/{version.comparison_id}"
    updated = observations[-1].observed if observations else version.created
    entries = []
    for index, seen in enumerate(reversed(observations)):
        number = len(observations) - index
        counts = ", ".join(
            f"{len(keys)} {what}" for what, keys in (("added", seen.added), ("changed", seen.changed),
                                                      ("removed", seen.removed)) if keys
        )  # fmt: skip
        lines = [f"{what}: {key}" for what, keys in (("added", seen.added), ("changed", seen.changed),
                                                     ("removed", seen.removed)) for key in keys]  # fmt: skip
        entries.append(
            "<entry>"
            f"<id>{escape(page)}/changes/{number}</id>"
            f"<title>{escape(version.name)}: rows {escape(counts)}</title>"
            f"<updated>{seen.observed}</updated>"
            f'<link rel="alternate" href="{escape(page)}/versions/{version.version}?format=html"/>'
            f'<content type="text">{escape(chr(10).join(lines))}</content>'
            "</entry>"
        )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(page)}</id>"
        f"<title>{escape(version.name)}: new and changed evidence</title>"
        f"<updated>{updated}</updated>"
        "<author><name>hemekb</name></author>"
        f'<link rel="self" href="{escape(page)}/feed"/>'
        f'<link rel="alternate" href="{escape(page)}"/>' + "".join(entries) + "</feed>"
    )
    return feed.encode("utf-8")
