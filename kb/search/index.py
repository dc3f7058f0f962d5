"""The search index: passages and outcome cards in SQLite (sqlite-utils), under KB_HOME/search.

Schema (one file, `index.sqlite`, WAL journal so readers never wait for the writer):

    meta(key, value)                      schema version, embedding model name, vector dimension
    papers(id, file, title, language, digest)      digest = content digest of the paper's graph
    docs(id, paper_id, kind, record_id, char_start, char_end, text, indexed)
    tags(doc_id, facet, key, label)       filter values: antigen, disease, endpoint
    docs_fts   FTS5(tokens)               rowid = docs.id; BM25 terms pre-split (kb.search.text),
                                          then the concept terms (kb.search.concept_terms)
    docs_vec   vec0(embedding float[D], doc_id)   one row per embedded text of a document (a
                                          passage has one per sentence); cosine distance

CJK text is tokenized before it reaches FTS5: words for alphabetic scripts, overlapping character
bigrams for CJK runs, joined by spaces, so FTS5's unicode61 tokenizer (with "." kept inside
decimals) only splits on the spaces. A trigram tokenizer was not used: it cannot match two-character
words such as 复发, the commonest word length in Chinese and Japanese.

Writes: `replacing(prepared)` deletes a paper's rows and inserts the new ones inside one
transaction that stays open while the caller updates the graph (kb/service.py): an exception
inside the block rolls the index back, and the index commits only after the graph has. Every write
also stores a new `generation` in meta, so readers know when their in-memory vectors are stale.

The graph and the index commit one after the other, so a process killed between the two leaves
them disagreeing about one paper. `pending(paper_id, digest)` says which: its row is committed
before the graph is touched and deleted by the transaction that commits the paper's rows, so a
pending paper that still disagrees marks an interrupted write (`kb validate` reports it, the search
skips the paper's stale rows, and ingesting the paper again completes it).

Reads: each thread reads through its own connection (sqlite3 releases the GIL while a statement
runs, so searches on different threads run in parallel; WAL lets them run while the writer writes),
and `reading()` holds one read transaction, so every query of a search sees the same snapshot. The
KNN step runs in numpy over the index's vectors held in memory (kb.search.vectors), reloaded when
the generation a reader sees is not the one in memory; the BM25 step likewise over FTS5's postings
held in memory (kb.search.bm25), with FTS5's own ranking.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
import sqlite_utils
import sqlite_vec
from sqlite_utils.utils import sqlite3

from kb.errors import KBError, QueryRefused
from kb.model.records import PaperRef
from kb.search.bm25 import Bm25Cache, Bm25Snapshot, load_postings
from kb.search.concept_terms import DOC_PREFIX, PAPER_PREFIX
from kb.search.documents import FACETS, PreparedPaper
from kb.search.text import tokens
from kb.search.vectors import VECTOR_TABLE, VectorCache
from kb.settings import Settings
from kb.store import outcome_table
from kb.store.thread_connections import ThreadConnections

CONCEPT_TERM_PREFIXES = (f"{DOC_PREFIX}.", f"{PAPER_PREFIX}.")
# A whole token that starts with a concept prefix: split-and-test in C (a search reads ~6,000 tokens).
_CONCEPT_TOKEN = re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, CONCEPT_TERM_PREFIXES)) + r")\S*")

SCHEMA_VERSION = "3"  # 3: concept terms (kb.search.concept_terms) in docs_fts
VECTORS_PER_DOC = 8  # KNN depth per document wanted (passages have ~5 sentence vectors)
MAX_KNN = 4096  # the most neighbours sqlite-vec returns from one KNN query
INDEX_FILE = "index.sqlite"
_SHOWN_VALUES = 30
# Outside SCHEMA_VERSION: an index made before the journal existed gains it without a rebuild.
PENDING_TABLE = "CREATE TABLE IF NOT EXISTS pending (paper_id TEXT PRIMARY KEY, digest TEXT NOT NULL)"
# The digest a `pending` row names for a paper being deleted: it is to have no graph and no rows.
DELETED = ""


def index_path(settings: Settings) -> Path:
    return settings.home / "search" / INDEX_FILE


def fts_query(query_tokens: Sequence[str]) -> str:
    """An FTS5 MATCH expression: any of the terms (BM25 ranks by how many and how rare)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in dict.fromkeys(query_tokens))


@dataclass(frozen=True)
class DocRow:
    id: int
    paper: PaperRef
    kind: str
    record_id: str | None
    char_start: int
    char_end: int
    text: str
    digest: str


@dataclass(frozen=True)
class IndexFilters:
    """Validated filters, case-folded (see `SearchIndex.validate`)."""

    language: str | None = None
    paper: str | None = None
    disease: str | None = None
    antigen: str | None = None
    endpoint: str | None = None

    def any(self) -> bool:
        return any(getattr(self, name) is not None for name in self.__dataclass_fields__)


class SearchIndex:
    """The index file: the writer creates it; readers (a connection per thread) follow what it commits."""

    def __init__(self, path: Path, *, writable: bool) -> None:
        self.path = path
        self.writable = writable
        self._lock = threading.RLock()  # the writer's connection, used by one thread at a time
        self._db: sqlite_utils.Database | None = None
        # a read-only index's connection per thread, closed when the thread ends
        self._readers: ThreadConnections[sqlite_utils.Database] = ThreadConnections(
            self._connect_reader, sqlite_utils.Database.close
        )
        self._vectors = VectorCache(VECTOR_TABLE)
        self._bm25 = Bm25Cache()
        if writable:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._connect()
            self._db.enable_wal()

    @classmethod
    def open(cls, settings: Settings, *, writable: bool) -> SearchIndex:
        return cls(index_path(settings), writable=writable)

    def _connect(self) -> sqlite_utils.Database:
        conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        conn.enable_load_extension(True)
        sqlite_vec.load(conn)
        conn.enable_load_extension(False)
        db = sqlite_utils.Database(conn, execute_plugins=False)
        db.execute("PRAGMA foreign_keys = ON")
        if not self.writable:
            db.execute("PRAGMA query_only = ON")
        return db

    def _reader(self) -> sqlite_utils.Database | None:
        """The connection to read with: the writer's, or this thread's own, opened once the file exists."""
        if self.writable:
            return self._db
        return self._readers.get()

    def _connect_reader(self) -> sqlite_utils.Database | None:
        return self._connect() if self.path.exists() else None

    # ------------------------------------------------------------------ schema

    def meta(self) -> dict[str, str]:
        db = self._reader()
        if db is None or not db["meta"].exists():
            return {}
        return {row["key"]: row["value"] for row in db.query("SELECT key, value FROM meta")}

    def ensure_schema(self, model: str, dimension: Callable[[], int]) -> bool:
        """Create the tables for `model`; an index built with another model is emptied first.

        `dimension` is asked (loading the model) only when the tables are created. Returns True
        when the index was (re)created: every paper then needs indexing again.
        """
        db = self._writer()
        meta = self.meta()
        if meta.get("schema") == SCHEMA_VERSION and meta.get("model") == model:
            return False
        wanted = {"schema": SCHEMA_VERSION, "model": model, "dimension": str(int(dimension()))}
        with db.atomic():
            for table in ("docs_fts", "docs_vec", "tags", "docs", "papers", "meta", "pending"):
                db.execute(f"DROP TABLE IF EXISTS [{table}]")
            db["meta"].create({"key": str, "value": str}, pk="key")
            db["papers"].create(
                {"id": str, "file": str, "title": str, "language": str, "digest": str},
                pk="id",
                not_null={"file", "digest"},
            )
            db["docs"].create(
                {
                    "id": int,
                    "paper_id": str,
                    "kind": str,
                    "record_id": str,
                    "char_start": int,
                    "char_end": int,
                    "text": str,
                    "indexed": str,
                },
                pk="id",
                not_null={"paper_id", "kind", "char_start", "char_end", "text"},
                foreign_keys=[("paper_id", "papers", "id")],
            )
            db["docs"].create_index(["paper_id"])
            db["tags"].create(
                {"doc_id": int, "facet": str, "key": str, "label": str},
                foreign_keys=[("doc_id", "docs", "id")],
            )
            db["tags"].create_index(["facet", "key"])
            db["tags"].create_index(["doc_id"])
            db.execute(
                "CREATE VIRTUAL TABLE docs_fts USING fts5(tokens, "
                "tokenize = \"unicode61 remove_diacritics 2 tokenchars '.'\")"
            )
            size = int(wanted["dimension"])
            column = f"embedding float[{size}] distance_metric=cosine, doc_id integer"
            db.execute(f"CREATE VIRTUAL TABLE docs_vec USING vec0({column})")
            db["meta"].insert_all([{"key": k, "value": v} for k, v in wanted.items()])
        return True

    def _writer(self) -> sqlite_utils.Database:
        if not self.writable or self._db is None:
            raise KBError("the search index was opened read-only; open it writable to change it")
        return self._db

    # ------------------------------------------------------------------ writing

    def indexed_digest(self, paper_id: str) -> str | None:
        """The graph digest the paper was indexed with, or None if it is not indexed."""
        db = self._reader()
        if db is None or not db["papers"].exists():
            return None
        row = db.execute("SELECT digest FROM papers WHERE id = ?", [paper_id]).fetchone()
        return row[0] if row else None

    def pending(self) -> dict[str, str]:
        """The journal: paper id -> the digest a write was making it (DELETED: a delete), for every
        write that began and did not end; empty when no write was cut."""
        db = self._reader()
        if db is None or not db["pending"].exists():
            return {}
        return dict(db.execute("SELECT paper_id, digest FROM pending").fetchall())

    def end_pending(self, paper_id: str) -> None:
        """Strike a paper from the journal: what its cut write left has been completed or undone."""
        db = self._writer()
        with self._lock, db.atomic():
            db.execute(PENDING_TABLE)
            db.execute("DELETE FROM pending WHERE paper_id = ?", [paper_id])

    @contextmanager
    def replacing(self, prepared: PreparedPaper) -> Iterator[None]:
        """Replace the paper's rows inside a transaction that commits when the block ends normally.

        An exception raised in the block (or by the rows themselves) rolls the index back; so does
        a failing COMMIT, which then propagates for the caller to undo what it did in the block.
        """
        db = self._writer()
        paper_id = prepared.paper.id
        with self._lock:
            with db.atomic():  # committed before the caller touches the graph
                db.execute(PENDING_TABLE)
                db.execute("INSERT OR REPLACE INTO pending VALUES (?, ?)", [paper_id, prepared.digest])
            with db.atomic():
                self._delete(db, paper_id)
                self._insert(db, prepared)
                self._next_generation(db)
                db.execute("DELETE FROM pending WHERE paper_id = ?", [paper_id])
                yield

    def remove_paper(self, paper_id: str) -> None:
        db = self._writer()
        with self._lock, db.atomic():
            self._delete(db, paper_id)
            self._next_generation(db)

    @contextmanager
    def removing(self, paper_id: str) -> Iterator[None]:
        """Remove the paper's rows in a transaction that commits when the block (which drops the
        paper's graph) ends normally; journaled as `replacing` is, with an empty digest for "no
        paper", so a kill between the graph and the commit is an interrupted delete."""
        db = self._writer()
        with self._lock:
            with db.atomic():
                db.execute(PENDING_TABLE)
                db.execute("INSERT OR REPLACE INTO pending VALUES (?, ?)", [paper_id, DELETED])
            with db.atomic():
                if db["docs"].exists():  # a store whose only table is the outcome table (`kb reindex`)
                    self._delete(db, paper_id)
                else:
                    outcome_table.delete_paper(db.conn, paper_id)
                if db["meta"].exists():
                    self._next_generation(db)
                db.execute("DELETE FROM pending WHERE paper_id = ?", [paper_id])
                yield

    @staticmethod
    def _next_generation(db: sqlite_utils.Database) -> None:
        """Mark the index as changed, in the writing transaction (a random token: never reused)."""
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", [uuid.uuid4().hex])

    @staticmethod
    def _delete(db: sqlite_utils.Database, paper_id: str) -> None:
        ids = "SELECT id FROM docs WHERE paper_id = ?"
        db.execute(f"DELETE FROM docs_fts WHERE rowid IN ({ids})", [paper_id])
        db.execute(f"DELETE FROM docs_vec WHERE doc_id IN ({ids})", [paper_id])
        db.execute(f"DELETE FROM tags WHERE doc_id IN ({ids})", [paper_id])
        db.execute("DELETE FROM docs WHERE paper_id = ?", [paper_id])
        db.execute("DELETE FROM papers WHERE id = ?", [paper_id])
        outcome_table.delete_paper(db.conn, paper_id)

    @staticmethod
    def _insert(db: sqlite_utils.Database, prepared: PreparedPaper) -> None:
        paper = prepared.paper
        outcome_table.insert_paper(db.conn, paper, prepared.digest, prepared.records)
        db["papers"].insert(
            {
                "id": paper.id,
                "file": paper.file,
                "title": paper.title,
                "language": paper.language,
                "digest": prepared.digest,
            }
        )
        first = (db.execute("SELECT COALESCE(MAX(id), 0) FROM docs").fetchone()[0] or 0) + 1
        ids = range(first, first + len(prepared.documents))
        db["docs"].insert_all(
            {
                "id": doc_id,
                "paper_id": paper.id,
                "kind": doc.kind,
                "record_id": doc.record_id,
                "char_start": doc.char_start,
                "char_end": doc.char_end,
                "text": doc.text,
                "indexed": doc.indexed,
            }
            for doc_id, doc in zip(ids, prepared.documents, strict=True)
        )
        db["tags"].insert_all(
            {"doc_id": doc_id, "facet": tag.facet, "key": tag.key, "label": tag.label}
            for doc_id, doc in zip(ids, prepared.documents, strict=True)
            for tag in sorted(doc.tags, key=lambda t: (t.facet, t.key))
        )
        conn = db.conn
        conn.executemany(
            "INSERT INTO docs_fts (rowid, tokens) VALUES (?, ?)",
            [
                (doc_id, " ".join([*tokens(doc.indexed), *doc.terms]))
                for doc_id, doc in zip(ids, prepared.documents, strict=True)
            ],
        )
        vectors = np.ascontiguousarray(prepared.vectors, dtype=np.float32)
        owners = [doc_id for doc_id, doc in zip(ids, prepared.documents, strict=True) for _ in doc.embedded]
        if len(owners) != len(vectors):
            raise ValueError(f"{len(vectors)} vectors for {len(owners)} embedded texts")
        conn.executemany(
            "INSERT INTO docs_vec (embedding, doc_id) VALUES (?, ?)",
            [(vectors[i].tobytes(), doc_id) for i, doc_id in enumerate(owners)],
        )

    # ------------------------------------------------------------------ reading

    @contextmanager
    def reading(self) -> Iterator[sqlite_utils.Database | None]:
        """One read transaction (None while no index exists): every query in it sees one snapshot.

        A read-only index reads through this thread's connection, with no lock: readers on other
        threads run in parallel. A writable index reads through the writer's connection.
        """
        with self._lock if self.writable else nullcontext():
            db = self._reader()
            if db is None:
                yield None
                return
            with db.atomic():
                yield db if db["meta"].exists() else None

    @staticmethod
    def generation(db: sqlite_utils.Database) -> Hashable:
        """What changes whenever the index's vectors may have: the writers' token and the last vec0 rowid.

        The rowid catches rows inserted by a writer that does not set the token (vec0 never reuses
        a rowid); an index written before tokens existed has none, so its rowid alone keys it.
        """
        row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        try:
            last = db.execute(f"SELECT MAX(rowid) FROM [{VECTOR_TABLE}_rowids]").fetchone()[0]
        except sqlite3.OperationalError:  # another vec0 layout: the token alone
            last = None
        return (row[0] if row else None, last)

    def validate(self, db: sqlite_utils.Database, filters: dict[str, str | None]) -> IndexFilters:
        """Case-folded filters, or QueryRefused naming the values the index holds."""
        from kb.model.endpoints import endpoint_code

        values: dict[str, str] = {}
        for name, raw in filters.items():
            if raw is None:
                continue
            value = raw.strip().casefold()
            if name == "endpoint":
                try:
                    value = endpoint_code(raw).casefold()
                except ValueError as exc:
                    raise QueryRefused(str(exc)) from exc
            elif name == "language":
                known = [r[0] for r in db.execute("SELECT DISTINCT language FROM papers ORDER BY 1")]
                self._check(name, raw, value, {k.casefold(): k for k in known if k})
            elif name == "paper":
                rows = db.execute("SELECT id, file FROM papers ORDER BY file").fetchall()
                self._check(name, raw, value, {k.casefold(): f for i, f in rows for k in (i, f)})
            elif name in FACETS:
                rows = db.execute("SELECT DISTINCT key, label FROM tags WHERE facet = ?", [name]).fetchall()
                self._check(name, raw, value, dict(rows))
            else:
                raise QueryRefused(f"unknown filter {name!r}; allowed: language, paper, {', '.join(FACETS)}")
            values[name] = value
        return IndexFilters(**values)

    @staticmethod
    def _check(name: str, raw: str, value: str, known: dict[str, str]) -> None:
        if value in known:
            return
        if not known:
            raise QueryRefused(
                f"unknown {name} {raw!r}: the search index is empty; add papers with `kb ingest PATH`"
            )
        shown = sorted(set(known.values()), key=str.lower)
        listing = ", ".join(shown[:_SHOWN_VALUES]) + (", …" if len(shown) > _SHOWN_VALUES else "")
        raise QueryRefused(f"unknown {name} {raw!r}; known: {listing}")

    @staticmethod
    def allowed(db: sqlite_utils.Database, filters: IndexFilters) -> list[int]:
        """Ids of the documents that pass every filter."""
        where, params = [], []
        if filters.language is not None:
            where.append("lower(p.language) = ?")
            params.append(filters.language)
        if filters.paper is not None:
            where.append("(lower(p.id) = ? OR lower(p.file) = ?)")
            params += [filters.paper, filters.paper]
        for facet in FACETS:
            value = getattr(filters, facet)
            if value is not None:
                where.append("d.id IN (SELECT doc_id FROM tags WHERE facet = ? AND key = ?)")
                params += [facet, value]
        sql = "SELECT d.id FROM docs d JOIN papers p ON p.id = d.paper_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [row[0] for row in db.execute(sql, params)]

    def nearest(
        self, db: sqlite_utils.Database, vector: np.ndarray, depth: int, allowed: list[int] | None
    ) -> list[int]:
        """The `depth` documents nearest to `vector` by their best vector, nearest first (numpy).

        `db` is the reader's transaction: the vectors in memory are those of the generation it
        sees, loaded with it when they are not. A passage has a vector per sentence, so the KNN
        takes VECTORS_PER_DOC times as many vectors as documents wanted, as `nearest_by_sqlite_vec`.
        """
        snapshot = self._vectors.snapshot(db.conn, self.generation(db))
        return snapshot.nearest(vector, min(depth * VECTORS_PER_DOC, MAX_KNN), depth, allowed)

    @staticmethod
    def nearest_by_sqlite_vec(
        db: sqlite_utils.Database, vector: np.ndarray, depth: int, allowed: list[int] | None
    ) -> list[int]:
        """`nearest` by sqlite-vec's KNN query: the reference the numpy step is tested against."""
        blob = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
        sql = "SELECT doc_id FROM docs_vec WHERE embedding MATCH ? AND k = ?"
        params: list[object] = [blob, min(depth * VECTORS_PER_DOC, MAX_KNN)]
        if allowed is not None:
            sql += " AND doc_id IN (SELECT value FROM json_each(?))"
            params.append(_json_ids(allowed))
        found = dict.fromkeys(row[0] for row in db.execute(sql + " ORDER BY distance", params))
        return list(found)[:depth]

    def best_matching(
        self, db: sqlite_utils.Database, query_tokens: Sequence[str], depth: int, allowed: list[int] | None
    ) -> list[int]:
        """Document ids by BM25 for any of the terms, best first: FTS5's bm25() ranking, computed in
        memory once the postings of the generation `db` sees are loaded (kb.search.bm25), by FTS5
        until then and for a query token FTS5 would read as a phrase of several terms."""
        if not query_tokens:
            return []
        snapshot = self._bm25.current(self.generation(db), self._load_postings)
        if snapshot is not None:
            terms = snapshot.terms(query_tokens)
            if terms is not None:
                return snapshot.best_matching(terms, depth, allowed)
        return self.best_matching_by_fts5(db, query_tokens, depth, allowed)

    def _load_postings(self) -> Bm25Snapshot | None:
        """The postings of the generation the index is at (run on the loading thread): through a
        connection of its own, which may create the temp fts5vocab tables that readers may not."""
        if not self.path.exists():
            return None
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            db = sqlite_utils.Database(conn, execute_plugins=False)
            with db.atomic():
                if not db["meta"].exists():
                    return None
                return load_postings(conn, self.generation(db))
        finally:
            conn.close()

    @staticmethod
    def best_matching_by_fts5(
        db: sqlite_utils.Database, query_tokens: Sequence[str], depth: int, allowed: list[int] | None
    ) -> list[int]:
        """`best_matching` by FTS5's own query: the reference the in-memory ranking is tested against."""
        if not query_tokens:
            return []
        sql = "SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?"
        params: list[object] = [fts_query(query_tokens)]
        if allowed is not None:
            sql += " AND rowid IN (SELECT value FROM json_each(?))"
            params.append(_json_ids(allowed))
        sql += " ORDER BY bm25(docs_fts) LIMIT ?"
        params.append(depth)
        return [row[0] for row in db.execute(sql, params)]

    @staticmethod
    def concept_terms(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, frozenset[str]]:
        """The concept terms (kb.search.concept_terms) each document was indexed with: its FTS
        tokens that start with a concept prefix (word tokens never hold a dot after a letter)."""
        if not ids:
            return {}
        found = db.execute(
            "SELECT rowid, tokens FROM docs_fts WHERE rowid IN (SELECT value FROM json_each(?))",
            [_json_ids(ids)],
        )
        return {doc_id: frozenset(_CONCEPT_TOKEN.findall(tokens or "")) for doc_id, tokens in found}

    @staticmethod
    def rows(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, DocRow]:
        if not ids:
            return {}
        found = db.execute(
            "SELECT d.id, d.kind, d.record_id, d.char_start, d.char_end, d.text,"
            " p.id, p.file, p.title, p.language, p.digest"
            " FROM docs d JOIN papers p ON p.id = d.paper_id WHERE d.id IN (SELECT value FROM json_each(?))",
            [_json_ids(ids)],
        )
        return {
            r[0]: DocRow(
                r[0],
                PaperRef(id=r[6], file=r[7], title=r[8], language=r[9]),
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[10],
            )
            for r in found
        }

    def counts(self) -> dict[str, int]:
        """Documents per kind, and papers (for stats and tests)."""
        with self.reading() as db:
            if db is None:
                return {"papers": 0, "passage": 0, "outcome": 0}
            out = {
                "papers": db.execute("SELECT COUNT(*) FROM papers").fetchone()[0],
                "passage": 0,
                "outcome": 0,
            }
            for kind, n in db.execute("SELECT kind, COUNT(*) FROM docs GROUP BY kind"):
                out[kind] = n
            return out

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
        self._readers.close_all()
        self._vectors.clear()
        self._bm25.clear()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _json_ids(ids: Sequence[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


__all__ = ["DocRow", "IndexFilters", "SearchIndex", "fts_query", "index_path"]
