"""Do the graph store and the search index describe the same papers? (`kb validate`)

Every paper graph should have search index rows made from the same content (the content digest
its ingest run records, hk:contentDigest, equals the digest of the paper's `papers` row), every
indexed paper should have a graph, and no FTS, vector or tag row should outlive its document.

An ingest commits the graph and then the index, so a process killed between the two leaves one
paper disagreeing; the index's `pending` journal names it (kb/search/index.py). Such a paper is an
interrupted write, not damage: the search skips its stale rows, and the next writer (`kb ingest`,
`kb delete`, the server's start) completes or undoes it (kb/store/recovery.py). A disagreement the
journal does not explain is a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_vec
from sqlite_utils.utils import sqlite3

from kb.evidence.queries import graph_digests
from kb.model.rdf_mapping import Minter
from kb.search.index import DELETED
from kb.store import GraphStore

# (table, its column naming a document, what to call a row whose document is gone)
_DOCUMENT_ROWS = (
    ("docs_fts", "rowid", "full-text rows"),
    ("docs_vec", "doc_id", "vector rows"),
    ("tags", "doc_id", "filter tags"),
)


@dataclass
class Agreement:
    """What comparing the graph store with the search index found."""

    index_exists: bool = True
    papers: int = 0  # papers in the graph or the index
    problems: list[str] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)  # journaled: settled by the next writer

    @property
    def ok(self) -> bool:
        return not self.problems


_SETTLED_BY = " (`kb ingest`, `kb delete`, or the start of `kb serve`: kb/store/recovery.py)"


def _short(digest: str | None) -> str:
    return digest[:12] if digest else "none"


def _index_state(path: Path) -> tuple[dict[str, str], dict[str, str], list[str]] | None:
    """(paper id -> indexed digest, pending paper id -> digest, orphan-row problems), None if no index."""
    if not path.exists():
        return None
    conn = sqlite3.connect(str(path), timeout=30)
    try:
        conn.enable_load_extension(True)
        sqlite_vec.load(conn)  # docs_vec is a vec0 table
        conn.enable_load_extension(False)
        conn.execute("PRAGMA query_only = ON")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "papers" not in tables:
            return None
        conn.execute("BEGIN")  # one read snapshot for every query below
        indexed = dict(conn.execute("SELECT id, digest FROM papers").fetchall())
        pending = (
            dict(conn.execute("SELECT paper_id, digest FROM pending").fetchall())
            if "pending" in tables
            else {}
        )
        orphans = []
        count = conn.execute("SELECT COUNT(*) FROM docs WHERE paper_id NOT IN (SELECT id FROM papers)")
        if (n := count.fetchone()[0]) > 0:
            orphans.append(f"search index: {n} documents of papers the index does not list (orphans)")
        for table, column, what in _DOCUMENT_ROWS:
            if table not in tables:
                continue
            sql = f"SELECT COUNT(*) FROM {table} WHERE {column} NOT IN (SELECT id FROM docs)"
            if (n := conn.execute(sql).fetchone()[0]) > 0:
                orphans.append(f"search index: {n} {what} of documents that no longer exist (orphans)")
        if "docs_fts" in tables:
            sql = "SELECT COUNT(*) FROM docs WHERE id NOT IN (SELECT rowid FROM docs_fts)"
            if (n := conn.execute(sql).fetchone()[0]) > 0:
                orphans.append(f"search index: {n} documents without their full-text row (unsearchable)")
        conn.execute("COMMIT")
        return indexed, pending, orphans
    finally:
        conn.close()


def check_agreement(store: GraphStore, index_file: Path, minter: Minter) -> Agreement:
    """Compare one snapshot of the graph store with the search index at `index_file`."""
    view = store.pinned()
    graph_ids = view.paper_ids()
    state = _index_state(index_file)
    if state is None:
        return Agreement(index_exists=False, papers=len(graph_ids))
    indexed, pending, orphans = state
    iris = {paper_id: minter.graph(paper_id).value for paper_id in graph_ids}
    by_iri = graph_digests(view, list(iris.values()))
    in_graph = {paper_id: by_iri.get(iri) for paper_id, iri in iris.items()}
    report = Agreement(papers=len(set(in_graph) | set(indexed)), problems=orphans)
    for paper_id in sorted(set(in_graph) | set(indexed)):
        has_graph, graph_digest, index_digest = (
            paper_id in in_graph,
            in_graph.get(paper_id),
            indexed.get(paper_id),
        )
        if has_graph and graph_digest is not None and graph_digest == index_digest:
            continue
        if pending.get(paper_id) == DELETED:
            report.interrupted.append(
                f"paper {paper_id}: a delete was interrupted between its graph"
                f" ({'still there' if has_graph else 'gone'}) and its search index; the search skips the"
                f" paper until the next writer settles it{_SETTLED_BY}"
            )
        elif paper_id in pending:
            report.interrupted.append(
                f"paper {paper_id}: an ingest was interrupted between its graph (digest"
                f" {_short(graph_digest) if has_graph else 'none: no graph'}) and its search index"
                f" (digest {_short(index_digest)}); the search skips the paper until the next writer"
                f" settles it{_SETTLED_BY}"
            )
        elif not has_graph:
            report.problems.append(
                f"paper {paper_id}: search index rows (digest {_short(index_digest)}) but no paper graph"
                " (orphans)"
            )
        elif index_digest is None:
            report.problems.append(
                f"paper {paper_id}: a paper graph but no search index rows; `kb ingest` the paper to index it"
            )
        elif graph_digest is None:
            report.problems.append(
                f"paper {paper_id}: the graph records no content digest (no ingest run), so its search"
                f" index rows (digest {_short(index_digest)}) cannot be matched to it"
            )
        else:
            report.problems.append(
                f"paper {paper_id}: the graph holds content {_short(graph_digest)} but the search index"
                f" was made from {_short(index_digest)}"
            )
    return report


__all__ = ["Agreement", "check_agreement"]
