"""The outcome table: one row per outcome result, in the search index's SQLite file, for the reads of
GET /outcomes, /compare, /studies and /concepts.

The SPARQL path (kb/evidence/queries.py) joins over the union of every paper graph and costs 0.1-32 s of CPU
per call on 1,000 papers (bench/results/load_notes.md); the same filters, sorts, counts and facets
over these indexed rows take milliseconds, and a page is the stored contract JSON of its records,
so no graph is read or converted.

Tables (all keyed by paper id, written and deleted with the paper's search rows, so the
all-or-nothing protocol of kb/service.py `_write_paper` covers them):

    outcome_state(key, value)         schema version of these tables; `complete` = 1 once every
                                      paper graph of the store is in them (readers wait for that)
    outcome_papers(paper_id, digest, file, language)      every paper graph, records or not
    outcomes(id, paper_id, digest, record_id, file, char_start, ...)
                                      one row per result: a column per filter and sort key (the
                                      `_key` columns are lower-cased as SPARQL LCASE does)
    outcome_records(id, record)       the record's contract JSON, apart so that scans of
                                      `outcomes` stay narrow
    outcome_terms(outcome_id, kind, term)   treatment filter terms (lower-cased antigen labels,
                                      intervention ids and labels) of the result and of the results
                                      compared with it, as kb.evidence.queries `_treatment_match` matches
    outcome_facets(outcome_id, facet, key, label, folded)  the result's own antigens and
                                      interventions: facet counts, study rows
    outcome_values(paper_id, kind, id, label)   the distinct values of each filter kind in a
                                      paper: what a filter value is checked against

Only what the graph says is stored. Everything the vocabularies decide (any-language names,
drug classes, disease subtypes, the endpoint order) is resolved when a query runs
(kb.evidence.queries.validated), so editing a vocabulary needs no rebuild.

Existing stores: `sync_with_store` (run by `kb ingest` before it writes, and by `kb reindex`)
creates the tables when they are missing or of an older version and fills them from the graph,
paper by paper, wherever the stored content digest differs. Until then readers fall back to the
SPARQL path.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Triple

# The SQLite build sqlite-utils (so the search index) uses: two SQLite libraries on one file in one
# process break each other's POSIX locks, and with them a reader's snapshot.
from sqlite_utils.utils import sqlite3

from kb.evidence import concepts
from kb.evidence.queries import FACETS, Selection, StudyRow
from kb.model.endpoints import ENDPOINTS
from kb.model.rdf_mapping import DCT, HK, RDF, triples_to_records
from kb.model.records import OutcomeRecord, PaperRef
from kb.store import GraphStore
from kb.store.thread_connections import ThreadConnections

TABLE_VERSION = "2"
_TABLES = (
    "outcome_values",
    "outcome_facets",
    "outcome_terms",
    "outcome_records",
    "outcomes",
    "outcome_papers",
    "outcome_state",
)
# Parsed records kept by (paper id, content digest, record id): the JSON parse is most of a page's CPU.
CACHED_RECORDS = 20_000

_SCHEMA = """
CREATE TABLE outcome_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE outcome_papers (
    paper_id TEXT PRIMARY KEY, digest TEXT NOT NULL, file TEXT NOT NULL, language TEXT
);
CREATE TABLE outcomes (
    id INTEGER PRIMARY KEY,
    paper_id TEXT NOT NULL, digest TEXT NOT NULL, record_id TEXT NOT NULL, file TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    paper_key TEXT NOT NULL, file_key TEXT NOT NULL, language TEXT, language_key TEXT,
    endpoint TEXT NOT NULL,
    disease_id TEXT, disease_label TEXT, disease_id_key TEXT, disease_label_key TEXT,
    line TEXT, line_key TEXT, population TEXT, population_key TEXT,
    study_id TEXT NOT NULL, study_label TEXT NOT NULL, study_id_key TEXT NOT NULL,
    study_label_key TEXT NOT NULL, design TEXT, design_key TEXT, study_primary INTEGER NOT NULL,
    registry_ids TEXT NOT NULL, arm TEXT,
    value REAL, n INTEGER, p_value REAL, time_months REAL, confidence REAL,
    evidence_key TEXT NOT NULL
);
CREATE TABLE outcome_records (id INTEGER PRIMARY KEY, record TEXT NOT NULL);
CREATE INDEX outcomes_paper ON outcomes (paper_id, study_id);
CREATE INDEX outcomes_order ON outcomes (file, char_start, record_id);
CREATE INDEX outcomes_endpoint ON outcomes (endpoint, file, char_start, record_id);
CREATE INDEX outcomes_disease ON outcomes (disease_id_key, disease_label_key);
CREATE INDEX outcomes_study ON outcomes (study_id_key, study_label_key);
CREATE INDEX outcomes_language ON outcomes (language_key, file, char_start, record_id);
CREATE INDEX outcomes_line ON outcomes (line_key);
CREATE INDEX outcomes_population ON outcomes (population_key);
CREATE TABLE outcome_terms (outcome_id INTEGER NOT NULL, kind TEXT NOT NULL, term TEXT NOT NULL);
CREATE INDEX outcome_terms_term ON outcome_terms (kind, term, outcome_id);
CREATE INDEX outcome_terms_outcome ON outcome_terms (outcome_id);
CREATE TABLE outcome_facets (
    outcome_id INTEGER NOT NULL, facet TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL,
    folded TEXT NOT NULL
);
CREATE INDEX outcome_facets_key ON outcome_facets (facet, key, label, outcome_id);
CREATE INDEX outcome_facets_outcome ON outcome_facets (outcome_id, facet, key, folded);
CREATE TABLE outcome_values (
    paper_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, label TEXT NOT NULL
);
CREATE INDEX outcome_values_kind ON outcome_values (kind, label, id);
CREATE INDEX outcome_values_paper ON outcome_values (paper_id);
"""

# Sort keys of kb.evidence.queries.SORT_KEYS -> the column (an expression for the endpoint's contract rank).
_SORT_COLUMNS = {
    "paper": "o.file",
    "study": "o.study_label_key",
    "endpoint": "",  # _endpoint_rank(), so that a change of the contract order needs no rebuild
    "value": "o.value",
    "n": "o.n",
    "p_value": "o.p_value",
    "time": "o.time_months",
    "language": "o.language",
    # kb.evidence.queries.EVIDENCE_RANKS
    "evidence": (
        "(CASE WHEN instr(COALESCE(o.design_key, ''), 'case report') > 0 THEN 4"
        " WHEN instr(COALESCE(o.design_key, ''), 'randomi') > 0"
        " OR instr(COALESCE(o.design_key, ''), 'phase iii') > 0"
        " OR instr(COALESCE(o.design_key, ''), 'phase 3') > 0 THEN 1 - o.study_primary"
        " ELSE 3 - o.study_primary END)"
    ),
}
_ORDER_TIES = "o.file, o.char_start, o.record_id"

# Filter kinds whose values kb.evidence.queries.known_values reads off the graph (all of them but drug_class).
_KNOWN_KINDS = (
    "paper",
    "antigen",
    "intervention",
    "disease",
    "study",
    "line",
    "population",
    "design",
    "language",
)


# Joins list values in one column (registry ids) and in aggregates: no id or label contains it.
_SEP = "\u001f"


def _split(aggregate: str | None) -> list[str]:
    """The values of `group_concat(DISTINCT value || char(31))`: "a<SEP>,b<SEP>" -> [a, b]."""
    return aggregate.removesuffix(_SEP).split(_SEP + ",") if aggregate else []


def _fold(text: str) -> str:
    # SPARQL LCASE is full Unicode lower-casing; SQLite's lower() only folds ASCII.
    return text.lower()


# ------------------------------------------------------------------------------------ writing


def _tables_exist(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outcome_state'"
    ).fetchone()
    return row is not None


def _state(conn: sqlite3.Connection) -> dict[str, str]:
    if not _tables_exist(conn):
        return {}
    return dict(conn.execute("SELECT key, value FROM outcome_state").fetchall())


def ensure_tables(conn: sqlite3.Connection) -> bool:
    """Create the tables when missing or of another version (inside the caller's transaction).

    Returns True when they were (re)created: they are then empty and not `complete`.
    """
    if _state(conn).get("schema") == TABLE_VERSION:
        return False
    for table in _TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.executemany(
        "INSERT INTO outcome_state (key, value) VALUES (?, ?)",
        [("schema", TABLE_VERSION), ("complete", "0")],
    )
    return True


def delete_paper(conn: sqlite3.Connection, paper_id: str) -> None:
    """Remove a paper's rows (nothing to do in an index that has no outcome table)."""
    if not _tables_exist(conn):
        return
    owned = "SELECT id FROM outcomes WHERE paper_id = ?"
    conn.execute(f"DELETE FROM outcome_terms WHERE outcome_id IN ({owned})", [paper_id])
    conn.execute(f"DELETE FROM outcome_facets WHERE outcome_id IN ({owned})", [paper_id])
    conn.execute(f"DELETE FROM outcome_records WHERE id IN ({owned})", [paper_id])
    conn.execute("DELETE FROM outcomes WHERE paper_id = ?", [paper_id])
    conn.execute("DELETE FROM outcome_papers WHERE paper_id = ?", [paper_id])
    conn.execute("DELETE FROM outcome_values WHERE paper_id = ?", [paper_id])


def insert_paper(
    conn: sqlite3.Connection, paper: PaperRef, digest: str, records: Sequence[OutcomeRecord]
) -> None:
    """Write one paper's rows (its old rows must be deleted first), inside the caller's transaction."""
    ensure_tables(conn)
    conn.execute(
        "INSERT INTO outcome_papers (paper_id, digest, file, language) VALUES (?, ?, ?, ?)",
        [paper.id, digest, paper.file, paper.language],
    )
    conn.executemany(
        "INSERT INTO outcome_values (paper_id, kind, id, label) VALUES (?, ?, ?, ?)",
        [(paper.id, kind, ident, label) for kind, ident, label in sorted(_known_of(paper, records))],
    )
    partners: dict[str, list[OutcomeRecord]] = {}
    for record in records:
        if record.comparison is not None:
            partners.setdefault(record.comparison, []).append(record)
    for record in records:
        outcome_id = _insert_record(conn, record, digest)
        treated = partners.get(record.comparison, [record]) if record.comparison is not None else [record]
        terms: set[tuple[str, str]] = set()
        for other in treated:
            terms |= {("antigen", _fold(a)) for a in other.antigens}
            terms |= {("intervention_id", _fold(i.id)) for i in other.interventions}
            terms |= {("intervention_label", _fold(i.label)) for i in other.interventions}
        conn.executemany(
            "INSERT INTO outcome_terms (outcome_id, kind, term) VALUES (?, ?, ?)",
            [(outcome_id, kind, term) for kind, term in sorted(terms)],
        )
        facets = {("antigen", a, a) for a in record.antigens}
        facets |= {("intervention", i.id, i.label) for i in record.interventions}
        conn.executemany(
            "INSERT INTO outcome_facets (outcome_id, facet, key, label, folded) VALUES (?, ?, ?, ?, ?)",
            [(outcome_id, facet, key, label, _fold(key)) for facet, key, label in sorted(facets)],
        )


def _known_of(paper: PaperRef, records: Sequence[OutcomeRecord]) -> set[tuple[str, str, str]]:
    """(kind, id, label) of every filter value the paper's graph holds, as kb.evidence.queries._KNOWN_PATTERNS
    finds them: concepts by id and label, stated texts (line, population, design) as both."""
    known = {("paper", paper.id, paper.file)}
    if paper.language is not None:
        known.add(("language", paper.language, paper.language))
    for record in records:
        known |= {("antigen", a, a) for a in record.antigens}
        known |= {("intervention", i.id, i.label) for i in record.interventions}
        if record.disease is not None:
            known.add(("disease", record.disease.id, record.disease.label))
        known.add(("study", record.study.id, record.study.label))
        for kind, text in (
            ("line", record.line_of_therapy),
            ("population", record.population),
            ("design", record.study.design),
        ):
            if text is not None:
                known.add((kind, text, text))
    return known


def _insert_record(conn: sqlite3.Connection, record: OutcomeRecord, digest: str) -> int:
    paper, study, disease = record.paper, record.study, record.disease
    row = {
        "paper_id": paper.id,
        "digest": digest,
        "record_id": record.id,
        "file": paper.file,
        "char_start": record.evidence.char_start,
        "paper_key": _fold(paper.id),
        "file_key": _fold(paper.file),
        "language": paper.language,
        "language_key": None if paper.language is None else _fold(paper.language),
        "endpoint": record.endpoint,
        "disease_id": None if disease is None else disease.id,
        "disease_label": None if disease is None else disease.label,
        "disease_id_key": None if disease is None else _fold(disease.id),
        "disease_label_key": None if disease is None else _fold(disease.label),
        "line": record.line_of_therapy,
        "line_key": None if record.line_of_therapy is None else _fold(record.line_of_therapy),
        "population": record.population,
        "population_key": None if record.population is None else _fold(record.population),
        "study_id": study.id,
        "study_label": study.label,
        "study_id_key": _fold(study.id),
        "study_label_key": _fold(study.label),
        "design": study.design,
        "design_key": None if study.design is None else _fold(study.design),
        "study_primary": int(study.is_primary),
        "registry_ids": _SEP.join(sorted(study.registry_ids)),
        "arm": record.arm,
        "value": record.value,
        "n": record.n,
        "p_value": record.p_value,
        "time_months": record.time_months,
        "confidence": record.confidence,
        "evidence_key": _fold(record.evidence.text),
    }
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cursor = conn.execute(f"INSERT INTO outcomes ({columns}) VALUES ({marks})", list(row.values()))
    assert cursor.lastrowid is not None
    conn.execute(
        "INSERT INTO outcome_records (id, record) VALUES (?, ?)", [cursor.lastrowid, record.model_dump_json()]
    )
    return cursor.lastrowid


# ------------------------------------------------------------------------ building from the graph


@dataclass(frozen=True)
class SyncReport:
    """What `sync_with_store` did: papers written from their graph, removed, and left out."""

    written: int
    removed: int
    unreadable: list[str]  # "paper id: reason" of graphs that cannot be read back as records

    @property
    def complete(self) -> bool:
        return not self.unreadable


def _connect(path: Path, *, writable: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    if not writable:
        conn.execute("PRAGMA query_only = ON")
    return conn


def _store_digests(store: GraphStore) -> dict[str, str]:
    """paper id -> content digest of its graph ('' for a graph without an ingest run)."""
    from kb.evidence.queries import _select, _value  # the SPARQL helpers of the graph path

    digests = dict.fromkeys(store.paper_ids(), "")
    rows = _select(
        store,
        "SELECT ?pid ?d WHERE { GRAPH ?g { ?run a hk:IngestRun ; hk:contentDigest ?d ; prov:used ?p ."
        " ?p dcterms:identifier ?pid } }",
    )
    for row in rows:
        paper_id = _value(row, "pid")
        if paper_id in digests:
            digests[paper_id] = _value(row, "d")
    return digests


def _paper_ref(triples: Sequence[Triple]) -> PaperRef:
    """The paper a graph describes (its records may be none)."""
    paper_type = NamedNode(HK + "Paper")
    subjects = {t.subject for t in triples if t.predicate.value == RDF + "type" and t.object == paper_type}
    if len(subjects) != 1:
        raise ValueError(f"Unexpected number of papers in one graph: {len(subjects)}")
    (subject,) = subjects
    facts: dict[str, str] = {}
    for t in triples:
        if t.subject == subject and isinstance(t.object, Literal):
            facts.setdefault(t.predicate.value, t.object.value)
    if DCT + "identifier" not in facts or HK + "fileName" not in facts:
        raise ValueError("Unexpected paper without an identifier or a file name")
    return PaperRef(
        id=facts[DCT + "identifier"],
        file=facts[HK + "fileName"],
        title=facts.get(DCT + "title"),
        language=facts.get(DCT + "language"),
    )


def sync_with_store(path: Path, store: GraphStore, *, rebuild: bool = False) -> SyncReport:
    """Bring the table in line with the graph store: (re)create it if needed, write every paper whose
    graph digest differs from the one stored (all of them with `rebuild`), drop papers the store no
    longer has. One transaction; the table is `complete` afterwards unless a graph was unreadable.

    The caller holds the store's writer lock, so no ingest changes the graph meanwhile.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = _connect(path, writable=True)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            created = ensure_tables(conn)
            stored = dict(conn.execute("SELECT paper_id, digest FROM outcome_papers").fetchall())
            wanted = _store_digests(store)
            removed = [paper_id for paper_id in stored if paper_id not in wanted]
            for paper_id in removed:
                delete_paper(conn, paper_id)
            written, unreadable = 0, []
            for paper_id, digest in wanted.items():
                if not (rebuild or created) and stored.get(paper_id) == digest and digest:
                    continue
                delete_paper(conn, paper_id)
                triples = store.paper_triples(paper_id)
                try:
                    records = triples_to_records(triples)
                    paper = _paper_ref(triples)
                except ValueError as exc:
                    unreadable.append(f"{paper_id}: {' '.join(str(exc).split())}")
                    continue
                insert_paper(conn, paper, digest, records)
                written += 1
            conn.execute(
                "UPDATE outcome_state SET value = ? WHERE key = 'complete'", ["0" if unreadable else "1"]
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return SyncReport(written=written, removed=len(removed), unreadable=unreadable)


# ------------------------------------------------------------------------------------ reading


def _endpoint_rank() -> str:
    cases = " ".join(f"WHEN '{code}' THEN {rank}" for rank, code in enumerate(ENDPOINTS))
    return f"(CASE o.endpoint {cases} END)"


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def _where(selection: Selection) -> tuple[str, list[object]]:
    """The SQL condition on `outcomes o` that kb.evidence.queries `_where` expresses in SPARQL, and
    its parameters."""
    s = selection
    clauses: list[str] = []
    params: list[object] = []

    def treated(kinds: tuple[str, ...], values: tuple[str, ...]) -> None:
        clauses.append(
            "o.id IN (SELECT outcome_id FROM outcome_terms"
            f" WHERE kind IN ({_marks(kinds)}) AND term IN ({_marks(values)}))"
        )
        params.extend([*kinds, *(_fold(v) for v in values)])

    if s.antigens is not None:
        treated(("antigen",), s.antigens)
    if s.interventions is not None:
        treated(("intervention_id", "intervention_label"), s.interventions)
    if s.class_interventions is not None:
        treated(("intervention_id",), s.class_interventions)
    if s.diseases is not None:
        values = [_fold(v) for v in s.diseases]
        marks = _marks(values)
        clauses.append(f"(o.disease_id_key IN ({marks}) OR o.disease_label_key IN ({marks}))")
        params.extend([*values, *values])
    for column, exact, part in (
        ("o.line_key", s.lines, s.line_part),
        ("o.population_key", s.populations, s.population_part),
    ):
        if exact is not None:
            clauses.append(f"{column} IN ({_marks(exact)})")
            params.extend(_fold(v) for v in exact)
        elif part is not None:
            clauses.append(f"instr({column}, ?) > 0")
            params.append(_fold(part))
    if s.endpoint is not None:
        clauses.append("o.endpoint = ?")
        params.append(s.endpoint)
    if s.paper is not None:
        clauses.append("(o.paper_key = ? OR o.file_key = ?)")
        params.extend([_fold(s.paper)] * 2)
    if s.design is not None:
        clauses.append("instr(o.design_key, ?) > 0")
        params.append(_fold(s.design))
    if s.study is not None:
        clauses.append("(o.study_id_key = ? OR o.study_label_key = ?)")
        params.extend([_fold(s.study)] * 2)
    if s.study_role is not None:
        clauses.append("o.study_primary = ?")
        params.append(1 if s.study_role == "own" else 0)
    if s.language is not None:
        clauses.append("o.language_key = ?")
        params.append(_fold(s.language))
    if s.min_n is not None:
        clauses.append("o.n >= ?")
        params.append(int(s.min_n))
    if s.min_confidence is not None:
        clauses.append("o.confidence >= ?")
        params.append(float(s.min_confidence))
    if s.text is not None:
        clauses.append("instr(o.evidence_key, ?) > 0")
        params.append(_fold(s.text))
    if s.record_ids is not None:
        clauses.append(f"o.record_id IN ({_marks(sorted(s.record_ids))})")
        params.extend(sorted(s.record_ids))
    if s.excluded_ids:
        clauses.append(f"o.record_id NOT IN ({_marks(sorted(s.excluded_ids))})")
        params.extend(sorted(s.excluded_ids))
    return (" AND ".join(clauses) or "1"), params


class RecordCache:
    """Parsed records by (paper id, content digest, record id), least recently used dropped first.

    A digest names one content of a paper, so a cached record is never stale, whatever the snapshot.
    """

    def __init__(self, size: int = CACHED_RECORDS) -> None:
        self.size = size
        self._records: OrderedDict[tuple[str, str, str], OutcomeRecord] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> OutcomeRecord | None:
        with self._lock:
            record = self._records.get(key)
            if record is not None:
                self._records.move_to_end(key)
            return record

    def put(self, key: tuple[str, str, str], record: OutcomeRecord) -> None:
        with self._lock:
            self._records[key] = record
            while len(self._records) > self.size:
                self._records.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


class OutcomeView:
    """The table as of one read transaction: every answer it gives comes from the same snapshot."""

    def __init__(self, conn: sqlite3.Connection, cache: RecordCache | None = None) -> None:
        self._conn = conn
        self._cache = cache if cache is not None else RecordCache(0)

    # The value source kb.evidence.queries.validated resolves filters against.
    def paper_ids(self) -> list[str]:
        return [row[0] for row in self._conn.execute("SELECT paper_id FROM outcome_papers ORDER BY paper_id")]

    def known_values(self, kind: str) -> list[tuple[str, str]]:
        if kind not in _KNOWN_KINDS:
            raise ValueError(f"Unexpected filter kind: {kind!r}")
        rows = self._conn.execute(
            "SELECT DISTINCT id, label FROM outcome_values WHERE kind = ? ORDER BY label, id", [kind]
        )
        return [(row[0], row[1]) for row in rows]

    def record_count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM outcomes").fetchone()[0])

    def count(self, selection: Selection) -> int:
        where, params = _where(selection)
        return int(self._conn.execute(f"SELECT COUNT(*) FROM outcomes o WHERE {where}", params).fetchone()[0])

    def page(
        self,
        selection: Selection,
        offset: int,
        limit: int | None,
        sort: Sequence[tuple[str, bool]] = (),
    ) -> list[OutcomeRecord]:
        """Matching records ordered by the sort keys (missing values last), then paper file,
        evidence offset, id; all of them when `limit` is None."""
        where, params = _where(selection)
        order = []
        for key, descending in sort:
            column = _SORT_COLUMNS[key] or _endpoint_rank()
            order.append(f"({column} IS NULL), {column}{' DESC' if descending else ''}")
        window = f" LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset)}"
        ordering = ", ".join([*order, _ORDER_TIES])
        rows = self._conn.execute(
            f"SELECT o.id, o.paper_id, o.digest, o.record_id FROM outcomes o WHERE {where}"
            f" ORDER BY {ordering}{window}",
            params,
        ).fetchall()
        found = {row[0]: self._cache.get(row[1:]) for row in rows}
        missing = [outcome_id for outcome_id, record in found.items() if record is None]
        if missing:
            parsed = self._conn.execute(
                "SELECT id, record FROM outcome_records WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(missing)],
            )
            for outcome_id, text in parsed:
                found[outcome_id] = OutcomeRecord.model_validate_json(text)
            for outcome_id, paper_id, digest, record_id in rows:
                if outcome_id in missing:
                    self._cache.put((paper_id, digest, record_id), found[outcome_id])  # type: ignore[arg-type]
        return [found[row[0]] for row in rows]  # type: ignore[misc]

    def facet_counts(self, selection: Selection, kind: str) -> dict[str, int]:
        """Number of matching results per value of one facet, as kb.evidence.queries.facet_counts
        counts them."""
        where, params = _where(selection)
        if kind in ("antigen", "intervention"):
            sql = (
                "SELECT f.key, COUNT(DISTINCT f.outcome_id) FROM outcomes o JOIN outcome_facets f"
                f" ON f.outcome_id = o.id AND f.facet = ? WHERE {where} GROUP BY f.key"
            )
            if not params:  # no filter: the facet rows alone answer
                sql = (
                    "SELECT key, COUNT(DISTINCT outcome_id) FROM outcome_facets WHERE facet = ? GROUP BY key"
                )
            return {key: int(n) for key, n in self._conn.execute(sql, [kind, *params])}
        if kind == "drug_class":
            # Classes come from the vocabulary at query time; a result counts once per class.
            classes = {_fold(c.id): c.drug_class for c in concepts.entries("intervention") if c.drug_class}
            pairs = self._conn.execute(
                "SELECT DISTINCT f.folded, f.outcome_id FROM outcomes o JOIN outcome_facets f"
                f" ON f.outcome_id = o.id AND f.facet = 'intervention' WHERE {where}",
                params,
            )
            members = {(classes[folded], outcome_id) for folded, outcome_id in pairs if folded in classes}
            return dict(Counter(name for name, _ in members))
        if kind in ("disease", "endpoint", "line", "population", "language"):
            column = {"disease": "o.disease_id"}.get(kind, f"o.{kind}")
            sql = (
                f"SELECT {column}, COUNT(*) FROM outcomes o WHERE {column} IS NOT NULL AND {where}"
                f" GROUP BY {column}"
            )
            return {key: int(n) for key, n in self._conn.execute(sql, params)}
        raise ValueError(f"Unexpected facet: {kind!r} (allowed: {', '.join(FACETS)})")

    def study_rows(self, selection: Selection) -> list[StudyRow]:
        """Every study with at least one matching result, as kb.evidence.queries.study_rows gives them.

        A paper graph describes a study once, so (paper, study id) is the group."""
        return self._study_rows(*_where(selection))

    def study_page(self, selection: Selection, offset: int, limit: int) -> tuple[int, list[StudyRow]]:
        """How many studies `study_rows` gives, and those from `offset` to `offset + limit`.

        The studies are ordered on their keys alone; the aggregates (endpoints, arms, interventions:
        most of the work at 1,000 papers) are computed for the page's studies only."""
        where, params = _where(selection)
        keys = self._conn.execute(
            "SELECT o.paper_id, o.study_id, MIN(o.file), MIN(o.study_label) FROM outcomes o"
            f" WHERE {where} GROUP BY o.paper_id, o.study_id",
            params,
        ).fetchall()
        keys.sort(key=lambda key: (key[2], _fold(key[3]), key[1]))
        page = keys[offset : offset + limit]
        if not page:
            return len(keys), []
        papers = list(dict.fromkeys(key[0] for key in page))
        pairs = ", ".join("(?, ?)" for _ in page)
        # The page's records first (a small materialized table named like the outcomes alias), then
        # the filters on them: left to itself the planner drives the filters' id lists through the
        # index and seeks every listed id for every study (75 ms instead of 6 ms at 1,000 papers).
        page_records = (
            "WITH o AS MATERIALIZED (SELECT * FROM outcomes WHERE paper_id IN"
            f" ({_marks(papers)}) AND (paper_id, study_id) IN (VALUES {pairs})) "
        )
        page_params = [*papers, *(v for key in page for v in key[:2])]
        return len(keys), self._study_rows(where, params, (page_records, page_params))

    def _study_rows(
        self, where: str, params: list[object], records: tuple[str, list[object]] | None = None
    ) -> list[StudyRow]:
        """`records`: a CTE naming `o` the records to aggregate, and its parameters (default: all)."""
        with_records, record_params = records or ("", [])
        source = "o" if records else "outcomes o"
        # For a few records, look up their facets; for all, walk the intervention facets.
        facets = "outcome_facets f INDEXED BY outcome_facets_outcome" if records else "outcome_facets f"
        # DISTINCT aggregates take one argument, so the separator is appended to each value.
        groups = self._conn.execute(
            f"{with_records}SELECT o.paper_id, o.study_id, MIN(o.study_label), MIN(o.design),"
            " MIN(o.study_primary), MIN(o.file), MIN(o.language), MIN(o.registry_ids), COUNT(*),"
            " group_concat(DISTINCT o.endpoint || char(31)), group_concat(DISTINCT o.arm || char(31))"
            f" FROM {source} WHERE {where} GROUP BY o.paper_id, o.study_id",
            [*record_params, *params],
        ).fetchall()
        treatments = self._conn.execute(
            f"{with_records}SELECT o.paper_id, o.study_id, group_concat(DISTINCT f.label || char(31))"
            f" FROM {source} JOIN {facets} ON f.outcome_id = o.id AND f.facet = 'intervention'"
            f" WHERE {where} GROUP BY o.paper_id, o.study_id",
            [*record_params, *params],
        )
        labels = {(paper_id, sid): _split(found) for paper_id, sid, found in treatments}
        out = []
        for paper_id, sid, label, design, primary, file, language, registry, n, codes, arms in groups:
            endpoints = set(_split(codes))
            out.append(
                StudyRow(
                    id=sid,
                    label=label,
                    design=design,
                    is_primary=bool(primary),
                    registry_ids=registry.split(_SEP) if registry else [],
                    paper_id=paper_id,
                    paper_file=file,
                    language=language,
                    results=int(n),
                    endpoints=[code for code in ENDPOINTS if code in endpoints],
                    arms=sorted(_split(arms), key=str.lower),
                    interventions=sorted(labels.get((paper_id, sid), []), key=str.lower),
                )
            )
        return sorted(out, key=lambda row: (row.paper_file, _fold(row.label), row.id))


def table_record(db: Any, paper_id: str, digest: str, record_id: str) -> OutcomeRecord | None:
    """One record as the outcome table holds it at content digest `digest` (the graph's record:
    both are written from one extraction), or None where the table has no such row (an index
    built before the table, a paper written since). For search hits: a paper graph read and
    converted whole costs ~30 ms on a large paper, this row ~0.1 ms."""
    try:
        row = db.execute(
            "SELECT r.record FROM outcomes o JOIN outcome_records r ON r.id = o.id"
            " WHERE o.paper_id = ? AND o.digest = ? AND o.record_id = ?",
            [paper_id, digest, record_id],
        ).fetchone()
    except sqlite3.OperationalError:  # no outcome table in this index
        return None
    return OutcomeRecord.model_validate_json(row[0]) if row is not None else None


class OutcomeTable:
    """Read access to the table: one connection per thread (SQLite runs statements without the GIL,
    so concurrent requests do not queue behind one connection), each read in its own transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # a connection per thread, closed when the thread ends
        self._connections: ThreadConnections[sqlite3.Connection] = ThreadConnections(
            self._connect_reader, sqlite3.Connection.close
        )
        self._cache = RecordCache()

    def _connect_reader(self) -> sqlite3.Connection | None:
        return _connect(self.path, writable=False) if self.path.exists() else None

    def _connection(self) -> sqlite3.Connection | None:
        return self._connections.get()

    @contextmanager
    def reading(self) -> Iterator[OutcomeView | None]:
        """A view of one consistent state of the table, or None while the table is missing, of an
        older version, or not yet filled from the graph (the caller then asks the graph)."""
        conn = self._connection()
        if conn is None:
            yield None
            return
        conn.execute("BEGIN")
        try:
            state = _state(conn)
            ready = state.get("schema") == TABLE_VERSION and state.get("complete") == "1"
            yield OutcomeView(conn, self._cache) if ready else None
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        self._connections.close_all()
        self._cache.clear()


def unreadable_message(report: SyncReport) -> str:
    """One line for a sync that left graphs out (reads then use the graph path)."""
    first = report.unreadable[0]
    return (
        f"{len(report.unreadable)} paper graphs cannot be read back as records (first: {first});"
        " outcome queries use the graph until they are fixed (`kb validate`)"
    )


__all__ = [
    "TABLE_VERSION",
    "OutcomeTable",
    "OutcomeView",
    "SyncReport",
    "delete_paper",
    "ensure_tables",
    "insert_paper",
    "sync_with_store",
    "unreadable_message",
]
