"""The embedded store: atomic per-paper graphs, one writer, readers that follow published snapshots.

What every backend must do (round trip, replace, remove, queries) is in tests/test_store_backends.py.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from pyoxigraph import Store

from kb.errors import KBError, StoreBusy, StoreMisconfigured
from kb.model.rdf_mapping import RunInfo, records_to_triples
from kb.settings import Settings
from kb.store import OxigraphStore, open_store
from kb.store.oxigraph import KEEP_SNAPSHOTS
from tests.conftest import REPO
from tests.records_factory import PAPER, full_record, minimal_record

RUN = RunInfo("0.1.0", datetime(2026, 1, 1, tzinfo=UTC), "digest")


def triples_of(settings: Settings, records):
    return records_to_triples(settings.base_iri, PAPER, records, RUN)


def test_a_failing_update_writes_nothing(tmp_path):
    # replace_paper_graph relies on this: one update request is one transaction, even with several operations.
    store = Store(str(tmp_path / "db"))
    store.update('INSERT DATA { GRAPH <http://g> { <http://s> <http://p> "kept" } }')
    with pytest.raises(RuntimeError):
        store.update("DROP SILENT GRAPH <http://g> ; DROP GRAPH <http://missing>")
    assert [q.object.value for q in store.quads_for_pattern(None, None, None, None)] == ["kept"]


def test_one_writer_at_a_time_and_the_lock_is_released_on_close(settings):
    writer = open_store(settings, writable=True)
    with pytest.raises(StoreBusy, match="being written by another process"):
        open_store(settings, writable=True)
    code = "from kb.settings import Settings; from kb.store import open_store; " + (
        "open_store(Settings(), writable=True)"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        env={"KB_HOME": str(settings.home), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert other.returncode != 0 and "StoreBusy" in other.stderr
    writer.close()
    open_store(settings, writable=True).close()


def test_readers_follow_the_writer_without_reopening(settings):
    reader = open_store(settings, writable=False)
    assert reader.paper_ids() == [] and reader.triple_count() == 0
    with open_store(settings, writable=True) as writer:
        writer.replace_paper_graph(PAPER.id, triples_of(settings, [full_record()]))
        assert reader.paper_ids() == [PAPER.id]
        # A reader in another process, while this one still holds the writer open.
        code = "from kb.settings import Settings; from kb.store import open_store; " + (
            "print(open_store(Settings(), writable=False).triple_count())"
        )
        other = subprocess.run(
            [sys.executable, "-c", code],
            env={"KB_HOME": str(settings.home), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        )
        assert int(other.stdout) == writer.triple_count()
        writer.remove_paper(PAPER.id)
        assert reader.paper_ids() == []
    reader.close()


def test_old_snapshots_are_pruned(settings):
    with open_store(settings, writable=True) as store:
        for i in range(KEEP_SNAPSHOTS + 3):
            store.replace_paper_graph(PAPER.id, triples_of(settings, [minimal_record(f"r{i}")]))
    snapshots = sorted(p.name for p in (settings.graph_dir / "snapshots").iterdir())
    assert len(snapshots) == KEEP_SNAPSHOTS
    assert (settings.graph_dir / "CURRENT").read_text().strip() == snapshots[-1]


def test_an_unpublished_commit_is_published_by_the_next_writer(settings):
    with open_store(settings, writable=True) as store:
        store.replace_paper_graph(PAPER.id, triples_of(settings, [full_record()]))
    # As if a writer had died between its commit and its publication.
    (settings.graph_dir / "UNPUBLISHED").touch()
    before = (settings.graph_dir / "CURRENT").read_text()
    open_store(settings, writable=True).close()
    assert (settings.graph_dir / "CURRENT").read_text() != before
    assert not (settings.graph_dir / "UNPUBLISHED").exists()


def test_readers_cannot_write_and_closed_stores_refuse(settings):
    reader = open_store(settings, writable=False)
    with pytest.raises(KBError, match="read-only"):
        reader.replace_paper_graph(PAPER.id, [])
    reader.close()
    with pytest.raises(KBError, match="closed"):
        reader.paper_ids()


def test_backend_is_chosen_by_name(settings: Settings):
    assert isinstance(open_store(settings, writable=False), OxigraphStore)
    with pytest.raises(
        StoreMisconfigured, match=r"unknown store backend .fuseki. \(KB_STORE\); available: oxigraph, sparql"
    ):
        open_store(settings.model_copy(update={"store": "fuseki"}), writable=False)


def test_a_pinned_view_keeps_its_snapshot_while_writers_go_on(settings):
    reader = open_store(settings, writable=False)
    with open_store(settings, writable=True) as writer:
        writer.replace_paper_graph(PAPER.id, triples_of(settings, [full_record()]))
        view = reader.pinned()
        writer.remove_paper(PAPER.id)
        assert view.paper_ids() == [PAPER.id]  # one request, one state
        assert reader.paper_ids() == []  # the next request sees the change
    with pytest.raises(KBError, match="read-only"):
        view.remove_paper(PAPER.id)
    reader.close()
