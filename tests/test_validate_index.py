"""`kb validate` compares the search index with the graph store (kb/store/agreement.py).

Every paper graph must have index rows made from the same content digest and every indexed paper
a graph; rows of vanished documents are orphans. A paper whose ingest was killed between its
graph and its index commit is journaled (`pending`), reported as interrupted without failing,
skipped by the search, and settled by the next writer (kb/store/recovery.py). The kills here are real
SIGKILLs of a child process at a chosen point of the write; tests/test_cut_writes.py checks what a
server started on such a store answers.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ingest.ingestion import IngestingKnowledgeBase
from kb.search.index import SearchIndex, index_path
from kb.settings import Settings
from kb.store import open_store
from tests.conftest import REPO, kb_env, line_extractor, run_kb

PAPER_A_V2 = (
    "Title A\nCD19 CAR-T in relapsed B-ALL gave CR in 90.1% of patients.\nEFS was 50%.\nOS was 61%.\n"
)


def validate(settings: Settings) -> subprocess.CompletedProcess[str]:
    return run_kb(settings.home, "validate")


def ingest_killed(settings: Settings, paper: Path, *, before_publishing: bool) -> None:
    """Ingest `paper` (stand-in extractor) in a child process that SIGKILLs itself just before or
    just after the graph store publishes the paper's new graph, that is before the index commits."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from kb.service import KnowledgeBase
        from ingest.ingestion import IngestingKnowledgeBase
        from kb.store.oxigraph import OxigraphStore
        from tests.conftest import line_extractor

        publish = OxigraphStore._publish
        def publish_then_die(self):
            if {before_publishing!r}:
                os.kill(os.getpid(), signal.SIGKILL)
            publish(self)
            os.kill(os.getpid(), signal.SIGKILL)
        publishing_at_open = OxigraphStore._open_writer
        def open_writer(self):
            publishing_at_open(self)  # the first publication (an empty store) is not the one to die in
            OxigraphStore._publish = publish_then_die
        OxigraphStore._open_writer = open_writer
        IngestingKnowledgeBase(extractor=line_extractor).ingest_paths([{str(paper)!r}])
        raise SystemExit("the ingest was not killed")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=kb_env(settings.home), capture_output=True, text=True
    )
    assert done.returncode == -9, done.stderr


def test_validate_reports_that_index_and_graphs_agree(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    result = validate(settings)
    assert result.returncode == 0, result.stderr
    assert "ok: the search index agrees with the graph store on 2 of 2 papers" in result.stderr


def test_validate_on_a_store_without_a_search_index(settings):
    with open_store(settings, writable=True):
        pass  # an empty store, no index yet
    result = validate(settings)
    assert result.returncode == 0, result.stderr
    assert "no search index yet, so nothing to compare" in result.stderr


def test_a_graph_without_index_rows_fails_validation(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    with SearchIndex.open(settings, writable=True) as index:
        index.remove_paper("b")
    result = validate(settings)
    assert result.returncode == 1
    assert "paper b: a paper graph but no search index rows" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "Error: 1 disagreement between the graph store and the search index"
    )


def test_index_rows_without_a_graph_are_reported_as_orphans(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    with open_store(settings, writable=True) as store:
        assert store.remove_paper("b")
    result = validate(settings)
    assert result.returncode == 1
    assert "paper b: search index rows (digest " in result.stderr
    assert "but no paper graph (orphans)" in result.stderr


def test_other_content_digests_and_orphan_rows_fail_validation(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    with sqlite3.connect(index_path(settings)) as conn:
        conn.execute("UPDATE papers SET digest = '0123456789abcdef' WHERE id = 'a'")
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM tags WHERE doc_id IN (SELECT id FROM docs WHERE paper_id = 'b')")
        conn.execute("DELETE FROM docs WHERE paper_id = 'b'")
    result = validate(settings)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    for rows in ("full-text rows", "vector rows"):
        assert any(line.endswith(f"{rows} of documents that no longer exist (orphans)") for line in lines)
    assert any(
        line.startswith("paper a: the graph holds content ") and line.endswith("made from 0123456789ab")
        for line in lines
    )
    assert lines[-1] == "Error: 3 disagreements between the graph store and the search index"


def test_a_kill_after_the_graph_before_the_index_is_interrupted_not_broken(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    kb.close()
    (papers / "a.txt").write_text(PAPER_A_V2, encoding="utf-8")
    ingest_killed(settings, papers / "a.txt", before_publishing=False)

    result = validate(settings)
    assert result.returncode == 0, result.stderr
    assert "paper a: an ingest was interrupted between its graph" in result.stderr
    assert "agrees with the graph store on 1 of 2 papers; 1 interrupted" in result.stderr
    reader = IngestingKnowledgeBase(settings)
    try:
        with open_store(settings, writable=False) as store:
            assert len(list(store.paper_triples("a"))) > 0  # the new graph is published
        hits = reader.search("CD19 CAR-T relapsed B-ALL complete remission", k=20).results
        assert hits and all(hit.paper.id != "a" for hit in hits)  # its rows are of the old content
    finally:
        reader.close()

    # The next writer, whatever it writes, completes the cut ingest from the graph and the saved text.
    other = IngestingKnowledgeBase(settings, extractor=line_extractor)
    assert [p.status for p in other.ingest_paths([papers / "b.txt"]).papers] == ["unchanged"]
    other.close()
    result = validate(settings)
    assert result.returncode == 0, result.stderr
    assert "interrupted" not in result.stderr
    assert "agrees with the graph store on 2 of 2 papers" in result.stderr
    reader = IngestingKnowledgeBase(settings)
    try:
        hits = reader.search("CD19 CAR-T relapsed B-ALL complete remission", k=20).results
        assert any(hit.paper.id == "a" and hit.record and hit.record.value == 90.1 for hit in hits)
    finally:
        reader.close()
    rerun = IngestingKnowledgeBase(settings, extractor=line_extractor)
    assert [p.status for p in rerun.ingest_paths([papers / "a.txt"]).papers] == ["unchanged"]
    rerun.close()


def test_a_kill_before_publishing_leaves_the_old_paper_until_the_next_writer(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    kb.close()
    with open_store(settings, writable=False) as store:
        before = set(store.paper_triples("a"))
    (papers / "a.txt").write_text(PAPER_A_V2, encoding="utf-8")
    ingest_killed(settings, papers / "a.txt", before_publishing=True)

    result = validate(settings)
    assert result.returncode == 0, result.stderr
    assert "interrupted" not in result.stderr  # readers still see the old paper, whole
    with open_store(settings, writable=False) as store:
        assert set(store.paper_triples("a")) == before

    # The next writer publishes what the killed one had committed to the graph and, the journal
    # naming the paper, indexes it: the paper is whole again, in its new version.
    other = IngestingKnowledgeBase(settings, extractor=line_extractor)
    assert [p.status for p in other.ingest_paths([papers / "b.txt"]).papers] == ["unchanged"]
    other.close()
    with open_store(settings, writable=False) as store:
        assert set(store.paper_triples("a")) != before
    result = validate(settings)
    assert result.returncode == 0 and "interrupted" not in result.stderr, result.stderr
    assert "agrees with the graph store on 2 of 2 papers" in result.stderr

    rerun = IngestingKnowledgeBase(settings, extractor=line_extractor)
    assert [p.status for p in rerun.ingest_paths([papers / "a.txt"]).papers] == ["unchanged"]
    rerun.close()


def delete_killed(settings: Settings, paper_id: str) -> None:
    """`delete_paper(paper_id)` in a child process SIGKILLed once the graph is dropped and published,
    before the search index commits."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from kb.service import KnowledgeBase
        from ingest.ingestion import IngestingKnowledgeBase
        from kb.store.oxigraph import OxigraphStore

        remove = OxigraphStore.remove_paper
        def remove_then_die(self, paper_id):
            remove(self, paper_id)
            self._publish()  # the graph is gone for readers, the index has not committed
            os.kill(os.getpid(), signal.SIGKILL)
        OxigraphStore.remove_paper = remove_then_die
        IngestingKnowledgeBase().delete_paper({paper_id!r})
        raise SystemExit("the delete was not killed")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=kb_env(settings.home), capture_output=True, text=True
    )
    assert done.returncode == -9, done.stderr


def test_a_kill_during_a_delete_is_an_interrupted_delete_that_the_next_writer_completes(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    kb.close()
    delete_killed(settings, "a")
    result = validate(settings)
    assert result.returncode == 0, result.stderr
    assert "paper a: a delete was interrupted" in result.stderr
    reader = IngestingKnowledgeBase(settings)
    try:
        hits = reader.search("CD19 CAR-T relapsed B-ALL complete remission", k=20).results
        assert all(hit.paper.id != "a" for hit in hits)  # its rows are there, its graph is not
    finally:
        reader.close()
    again = IngestingKnowledgeBase(settings)
    assert again.delete_paper("a") is None  # the writer's opening completed the delete: nothing left
    again.close()
    result = validate(settings)
    assert result.returncode == 0 and "interrupted" not in result.stderr, result.stderr
    assert "agrees with the graph store on 1 of 1 papers" in result.stderr


def test_a_failing_index_commit_keeps_the_paper_graph_on_delete(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    graph = sorted(str(t) for t in open_store(settings, writable=False).paper_triples("a"))
    # A deferred foreign key is checked at COMMIT: the rows are deleted, the graph is dropped, then
    # SQLite refuses to commit.
    with SearchIndex(index_path(settings), writable=True) as writer:
        db = writer._writer()
        db.execute("CREATE TABLE bomb (paper TEXT REFERENCES papers(id) DEFERRABLE INITIALLY DEFERRED)")
        db.execute(
            "CREATE TRIGGER arm AFTER DELETE ON papers WHEN OLD.id = 'a'"
            " BEGIN INSERT INTO bomb VALUES ('no such paper'); END"
        )
    with pytest.raises(Exception, match="FOREIGN KEY"):
        kb.delete_paper("a")
    assert sorted(str(t) for t in open_store(settings, writable=False).paper_triples("a")) == graph
    result = validate(settings)
    assert result.returncode == 0 and "interrupted" not in result.stderr, result.stderr
