"""Search under concurrency and the in-memory KNN step: real SQLite files, sqlite-vec, the real model.

- readers on different threads hold read transactions at the same time (no index-wide lock), and a
  read transaction keeps one snapshot while the writer commits;
- searches on many threads while papers are replaced each see one version of a paper;
- the numpy KNN ranks as sqlite-vec's KNN query does, with and without filters, and its vectors
  are reloaded (only the vec0 chunks that changed) when the index changes.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import sqlite_vec
import yaml
from sqlite_utils.utils import sqlite3

from ingest.ingestion import IngestingKnowledgeBase
from kb.embedding import BLAS_THREADS, embedder
from kb.search import SearchIndex, index_path
from kb.search.vectors import _chunk_from_virtual_table, load_vectors
from kb.settings import Settings
from tests.conftest import PAPERS, SHARED, line_extractor

# ------------------------------------------------------------------------------- the KNN step


@pytest.fixture(scope="module")
def corpus_kb(tmp_path_factory) -> Settings:
    """The repository's papers, indexed with the stand-in extractor (passages and outcome cards)."""
    settings = Settings(home=tmp_path_factory.mktemp("corpus") / "kb")
    knowledge_base = IngestingKnowledgeBase(settings, extractor=line_extractor)
    assert knowledge_base.ingest_paths(sorted(PAPERS.glob("*.txt"))).ok
    knowledge_base.close()
    return settings


def best_similarity(db, vector: np.ndarray, doc_ids: list[int]) -> list[float]:
    """Each document's best cosine similarity to `vector`, as stored by sqlite-vec, rounded."""
    rows = db.execute(
        "SELECT doc_id, vec_distance_cosine(embedding, ?) FROM docs_vec"
        " WHERE doc_id IN (SELECT value FROM json_each(?))",
        [np.asarray(vector, dtype=np.float32).tobytes(), "[" + ",".join(map(str, doc_ids)) + "]"],
    ).fetchall()
    best: dict[int, float] = {}
    for doc_id, distance in rows:
        best[doc_id] = max(best.get(doc_id, -2.0), 1 - distance)
    return [round(best[d], 4) for d in doc_ids]


def test_the_numpy_knn_ranks_as_sqlite_vec_does(corpus_kb):
    queries = [item["q"] for item in yaml.safe_load((SHARED / "gold" / "queries.yaml").read_text("utf-8"))]
    vectors = embedder(corpus_kb.embedding_model).queries(queries)
    with SearchIndex(index_path(corpus_kb), writable=False) as index, index.reading() as db:
        assert db is not None
        passages = [r[0] for r in db.execute("SELECT id FROM docs WHERE kind = 'passage' ORDER BY id")]
        for allowed in (None, passages[::3]):
            for vector in vectors:
                by_numpy = index.nearest(db, vector, 50, allowed)
                by_sqlite_vec = index.nearest_by_sqlite_vec(db, vector, 50, allowed)
                assert len(by_numpy) == len(by_sqlite_vec) > 0
                if allowed is not None:
                    assert set(by_numpy) <= set(allowed)
                # The same similarities in the same order; documents may differ only where equal
                # vectors tie (identical cards), at the same similarity as their counterpart.
                numpy_similarity = best_similarity(db, vector, by_numpy)
                assert numpy_similarity == pytest.approx(best_similarity(db, vector, by_sqlite_vec), abs=2e-4)
                tied = set(by_numpy) ^ set(by_sqlite_vec)
                for doc_id in tied:
                    (mine,) = best_similarity(db, vector, [doc_id])
                    assert any(abs(mine - other) < 2e-4 for other in numpy_similarity)


def small_vec0(path: Path) -> sqlite3.Connection:
    """A vec0 table as the index declares it, with chunks of 8 rows so that a test spans several."""
    conn = sqlite3.connect(str(path))
    conn.enable_load_extension(True)
    sqlite_vec.load(conn)
    conn.execute(
        "CREATE VIRTUAL TABLE docs_vec USING vec0(embedding float[4] distance_metric=cosine,"
        " doc_id integer, chunk_size=8)"
    )
    return conn


def insert(conn: sqlite3.Connection, rng: np.random.Generator, doc_ids: list[int]) -> None:
    vectors = rng.normal(size=(len(doc_ids), 4)).astype(np.float32)
    conn.executemany(
        "INSERT INTO docs_vec (embedding, doc_id) VALUES (?, ?)",
        [(v.tobytes(), d) for v, d in zip(vectors, doc_ids, strict=True)],
    )
    conn.commit()


def same_vectors(snapshot, conn: sqlite3.Connection) -> None:
    scanned = _chunk_from_virtual_table(conn, "docs_vec")[0]
    assert snapshot.owners.tolist() == scanned.owners.tolist()
    stacked = np.concatenate([c.vectors for c in snapshot.chunks.values()])
    assert np.allclose(stacked, scanned.vectors, atol=1e-6)


def test_a_refresh_rereads_only_the_chunks_that_changed(tmp_path):
    rng = np.random.default_rng(3)
    conn = small_vec0(tmp_path / "v.sqlite")
    insert(conn, rng, [d for d in range(1, 11) for _ in range(3)])  # 30 vectors: 4 chunks
    first = load_vectors(conn, "docs_vec", "g1")
    assert len(first) == 30 and len(first.chunks) == 4
    same_vectors(first, conn)

    conn.execute("DELETE FROM docs_vec WHERE doc_id = 2")  # rows 4-6: the first chunk only
    conn.commit()
    insert(conn, rng, [11, 11])  # into the last chunk
    second = load_vectors(conn, "docs_vec", "g2", first)
    same_vectors(second, conn)
    assert 2 not in second.owners.tolist() and 11 in second.owners.tolist()
    reused = [cid for cid in second.chunks if second.chunks[cid] is first.chunks.get(cid)]
    assert reused == [2, 3]  # the chunks between the deletion and the insertion

    for query in rng.normal(size=(5, 4)).astype(np.float32):
        expected = [
            r[0]
            for r in conn.execute(
                "SELECT doc_id FROM docs_vec WHERE embedding MATCH ? AND k = 12 ORDER BY distance",
                [query.tobytes()],
            )
        ]
        assert second.nearest(query, 12, 5, None) == list(dict.fromkeys(expected))[:5]
        filtered = [
            r[0]
            for r in conn.execute(
                "SELECT doc_id FROM docs_vec WHERE embedding MATCH ? AND k = 12 AND doc_id IN (3, 7, 11)"
                " ORDER BY distance",
                [query.tobytes()],
            )
        ]
        assert second.nearest(query, 12, 5, [3, 7, 11]) == list(dict.fromkeys(filtered))[:5]


def test_a_write_changes_the_generation_and_the_search_sees_the_new_paper(kb, papers, settings, tmp_path):
    assert kb.ingest_paths([papers / "a.txt"]).ok
    index = SearchIndex(index_path(settings), writable=False)
    with index.reading() as db:
        before = index.generation(db)
    assert {h.paper.id for h in kb.search("Blinatumomab MRD", k=5).results} == {"a"}
    assert kb.ingest_paths([papers / "b.txt"]).ok
    with index.reading() as db:
        assert index.generation(db) != before
    assert "b" in {h.paper.id for h in kb.search("Блинатумомаб MRD-негативность", k=5).results}
    with SearchIndex(index_path(settings), writable=True) as writer:
        writer.remove_paper("b")
    assert "b" not in {h.paper.id for h in kb.search("Блинатумомаб MRD-негативность", k=5).results}
    index.close()


# ---------------------------------------------------------------------------- concurrency


def test_readers_on_two_threads_read_at_the_same_time(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    index = SearchIndex(index_path(settings), writable=False)
    both_inside = threading.Barrier(2, timeout=20)

    def read() -> int:
        with index.reading() as db:
            assert db is not None
            both_inside.wait()  # an index-wide lock would keep the second reader out: BrokenBarrierError
            return db.execute("SELECT COUNT(*) FROM papers").fetchone()[0]

    with ThreadPoolExecutor(2) as pool:
        assert [f.result() for f in [pool.submit(read), pool.submit(read)]] == [2, 2]
    index.close()


def test_a_read_transaction_keeps_its_snapshot_while_the_writer_commits(kb, papers, settings):
    assert kb.ingest_paths([papers / "a.txt"]).ok
    index = SearchIndex(index_path(settings), writable=False)
    with index.reading() as db:
        assert db is not None
        papers_before = db.execute("SELECT id FROM papers").fetchall()
        generation = index.generation(db)
        assert kb.ingest_paths([papers / "b.txt"]).ok  # commits on the writer's connection
        assert db.execute("SELECT id FROM papers").fetchall() == papers_before
        assert index.generation(db) == generation
    with index.reading() as db:
        assert sorted(r[0] for r in db.execute("SELECT id FROM papers")) == ["a", "b"]
    index.close()


VERSIONS = {
    "alpha": "Title V\nCD19 CAR-T alpha cohort: CR in 61% of patients with relapsed B-ALL.\nalpha OS 40%.\n",
    "omega": "Title V\nCD19 CAR-T omega cohort: CR in 93% of patients with relapsed B-ALL.\nomega OS 70%.\n",
}


def test_searches_on_many_threads_each_see_one_version_of_a_paper_being_replaced(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    paper = folder / "v.txt"
    paper.write_text(VERSIONS["alpha"], encoding="utf-8")
    settings = Settings(home=tmp_path / "kb")
    writer = IngestingKnowledgeBase(settings, extractor=line_extractor)
    reader = IngestingKnowledgeBase(settings, extractor=line_extractor)
    assert writer.ingest_paths([paper]).ok
    stop = threading.Event()
    seen: list[set[str]] = []

    def search_until_stopped() -> None:
        while not stop.is_set():
            hits = reader.search("CD19 CAR-T alpha omega cohort CR OS", k=10).results
            # Empty only between the graph's commit and the index's, when no row matches its graph.
            versions = {word for hit in hits for word in VERSIONS if word in hit.text}
            seen.append(versions)
            assert len(versions) <= 1, [hit.text for hit in hits]
            # Outcome hits' text is their record's evidence, read from the graph: record ids are
            # the same in both versions, so a record of the other version would show here.

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(search_until_stopped) for _ in range(6)]
        try:
            for n in range(6):
                paper.write_text(VERSIONS["omega" if n % 2 == 0 else "alpha"], encoding="utf-8")
                assert writer.ingest_paths([paper]).ok
        finally:
            stop.set()
        for future in futures:
            future.result()
    assert len(seen) >= 6 and {"alpha"} in seen and {"omega"} in seen
    writer.close()
    reader.close()


# ------------------------------------------------------------------------------ the encoder


def test_the_encoder_runs_on_one_blas_thread():
    from threadpoolctl import threadpool_info

    model = embedder()
    assert BLAS_THREADS == 1
    assert "threads=1" in repr(model.model)
    model.queries(["warm"])
    assert {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"} == {1}
