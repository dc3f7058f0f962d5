"""The embedded graph store: pyoxigraph (RocksDB) on disk under KB_HOME/graph.

RocksDB lets one process open a database read-write, and pyoxigraph 0.5 no longer has the
"secondary" mode that followed a live writer (`Store.read_only` on a database another process
writes is undefined behaviour, its docstring says). So writers and readers never share files:

- the writer (`kb ingest`) opens `primary/` read-write; a second writer gets StoreBusy;
- after every committed change it publishes a checkpoint of the primary with `Store.backup`
  (hard links to RocksDB's immutable files, a few milliseconds) to `snapshots/NNNNNNNN/` and
  then points `CURRENT` at it with an atomic rename;
- readers (`kb serve`, `kb export`) open the snapshot named by `CURRENT` with `Store.read_only`,
  which is safe because nobody writes a published snapshot, and switch to a newer one on the
  next call after `CURRENT` changes. The newest KEEP_SNAPSHOTS are kept so that a reader still
  on an older one is not pulled from under its feet.

Replacing a paper's graph is one SPARQL update (`DROP SILENT GRAPH <g> ; INSERT DATA {...}`);
pyoxigraph applies an update in one transaction, "either the full operation succeeds, or
nothing is written" (Store.update docstring; tests/test_store.py checks it with a failing update).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, Store, Triple

from kb.errors import KBError, StoreBusy
from kb.settings import Settings
from kb.sparql.errors import QuerySyntaxError, ResultTooLarge
from kb.store.base import (
    Answer,
    Dataset,
    GraphStore,
    Kind,
    QueryResult,
    capped_solutions,
    too_many_results,
)

KEEP_SNAPSHOTS = 3


class OxigraphStore(GraphStore):
    name: ClassVar[str] = "oxigraph"
    atomic_replace: ClassVar[bool] = True

    def __init__(
        self, directory: Path, base_iri: str, *, writable: bool, snapshot: Store | None = None
    ) -> None:
        super().__init__(writable=writable, base_iri=base_iri)
        self.directory = directory
        self._primary = directory / "primary"
        self._snapshots = directory / "snapshots"
        self._current_file = directory / "CURRENT"
        self._unpublished = directory / "UNPUBLISHED"
        self._lock = threading.Lock()
        self._store: Store | None = snapshot
        self._snapshot_name: str | None = None
        self._closed = False
        self._follows_current = not writable and snapshot is None
        if writable:
            self._open_writer()

    @classmethod
    def from_settings(cls, settings: Settings, *, writable: bool) -> OxigraphStore:
        return cls(settings.graph_dir, settings.base_iri, writable=writable)

    # ------------------------------------------------------------------ opening

    def _open_writer(self) -> None:
        self._snapshots.mkdir(parents=True, exist_ok=True)
        try:
            self._store = Store(str(self._primary))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreBusy(
                    f"the knowledge base at {self.directory} is being written by another process"
                    " (a running `kb ingest`?); try again when it has finished"
                ) from exc
            raise KBError(f"cannot open the graph store at {self._primary}: {exc}") from exc
        # A crash between a commit and its publication leaves the marker: publish now.
        if self._unpublished.exists() or not self._current_file.exists():
            self._publish()

    def _current_snapshot(self) -> str | None:
        try:
            return self._current_file.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def _active(self) -> Store:
        if self._closed:
            raise KBError("the graph store is closed")
        if not self._follows_current:
            assert self._store is not None
            return self._store
        with self._lock:
            name = self._current_snapshot()
            if self._store is None or name != self._snapshot_name:
                # Nothing published yet: an empty in-memory store answers like an empty knowledge base.
                self._store = self._open_snapshot(name) if name else Store()
                self._snapshot_name = name
            return self._store

    def _open_snapshot(self, name: str) -> Store:
        try:
            return Store.read_only(str(self._snapshots / name))
        except OSError as exc:
            raise KBError(f"cannot open the graph snapshot {self._snapshots / name}: {exc}") from exc

    # ------------------------------------------------------------------ writing

    def _require_writer(self) -> Store:
        if not self.writable:
            raise KBError("this graph store was opened read-only; open it writable to change it")
        return self._active()

    def replace_graph(self, graph: NamedNode, triples: Sequence[Triple]) -> None:
        store = self._require_writer()
        body = "\n".join(f"{triple} ." for triple in triples)
        self._unpublished.touch()
        store.update(f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}")
        self._publish()

    def remove_paper(self, paper_id: str) -> bool:
        store = self._require_writer()
        graph = self.minter.graph(paper_id)
        if not store.contains_named_graph(graph):
            return False
        self._unpublished.touch()
        store.update(f"DROP GRAPH {graph}")
        self._publish()
        return True

    def _publish(self) -> None:
        assert self._store is not None
        existing = sorted(p.name for p in self._snapshots.iterdir() if p.name.isdigit())
        name = f"{int(existing[-1]) + 1 if existing else 1:08d}"
        self._store.backup(str(self._snapshots / name))
        pointer = self._current_file.with_suffix(".tmp")
        pointer.write_text(name + "\n", encoding="utf-8")
        os.replace(pointer, self._current_file)
        self._unpublished.unlink(missing_ok=True)
        for old in [*existing, name][:-KEEP_SNAPSHOTS]:
            shutil.rmtree(self._snapshots / old, ignore_errors=True)

    # ------------------------------------------------------------------ reading

    def paper_ids(self) -> list[str]:
        ids = (self.minter.paper_id_of_graph(graph) for graph in self._active().named_graphs())
        return sorted(paper_id for paper_id in ids if paper_id is not None)

    def graph_triples(self, graph: NamedNode) -> list[Triple]:
        quads = self._active().quads_for_pattern(None, None, None, graph)
        return [Triple(q.subject, q.predicate, q.object) for q in quads]

    def query(self, sparql: str) -> QueryResult:
        result = self._active().query(sparql)
        if isinstance(result, QueryBoolean):
            return bool(result)
        if isinstance(result, QuerySolutions):
            names = [variable.value for variable in result.variables]
            return [{name: solution[name] for name in names} for solution in result]
        return list(result)

    def evaluate(
        self, query: str, *, kind: Kind, dataset: Dataset, union_default: bool, max_results: int
    ) -> Answer:
        # Relative IRIs resolve against KB_BASE_IRI (the documented base of the endpoint).
        options: dict[str, object] = {"base_iri": self.minter.base}
        if dataset.given:
            # The protocol's dataset is exactly what the request names: default-graph-uri alone
            # leaves no named graphs, named-graph-uri alone an empty default graph.
            options["default_graph"] = [NamedNode(g) for g in dataset.default_graphs or ()]
            options["named_graphs"] = [NamedNode(g) for g in dataset.named_graphs or ()]
        elif union_default:
            options["use_default_graph_as_union"] = True
        try:
            result = self._active().query(query, **options)  # type: ignore[arg-type]
            if isinstance(result, QueryBoolean):
                return bool(result)
            if isinstance(result, QuerySolutions):
                return capped_solutions(result, max_results)
            triples = []
            for triple in result:
                if len(triples) == max_results:
                    raise ResultTooLarge(too_many_results(max_results, "triples"))
                triples.append(triple)
            return triples
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except (OSError, RuntimeError, ValueError, TypeError) as exc:
            raise KBError(f"query failed: {exc}") from exc

    def triple_count(self) -> int:
        papers = f"FILTER(STRSTARTS(STR(?g), {Literal(self.minter.base + 'graph/')}))"
        rows = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {papers} }}")
        assert isinstance(rows, list)
        count = rows[0]["n"]
        return int(count.value) if count is not None else 0

    def pinned(self) -> GraphStore:
        if self.writable:
            return self  # the writer's own state only changes through its own calls
        return OxigraphStore(self.directory, self.minter.base, writable=False, snapshot=self._active())

    def close(self) -> None:
        # pyoxigraph has no close(): RocksDB (and its LOCK) is released when the last reference goes.
        self._store = None
        self._closed = True


def published_snapshot(settings: Settings) -> str | None:
    """The snapshot readers of the Oxigraph store see now, or None when answers cannot be tied to one."""
    if settings.store != "oxigraph":
        return None
    graph = settings.graph_dir
    try:
        name = (graph / "CURRENT").read_text(encoding="utf-8").strip()
        if not name:
            return None
        folder = (graph / "snapshots" / name).stat()
    except OSError:
        return None
    return f"{name}:{folder.st_ino}:{folder.st_mtime_ns}"
