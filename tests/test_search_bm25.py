"""The in-memory BM25 step ranks as FTS5's bm25() does, on the corpus index, in every language."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from sqlite_utils.utils import sqlite3

from kb.search.bm25 import Bm25Cache, Bm25Snapshot, QueryTokenizer, load_postings
from kb.search.documents import with_gloss
from kb.search.gloss import gloss_text
from kb.search.index import SearchIndex, index_path
from kb.search.text import tokens
from kb.settings import Settings
from tests.conftest import REPO

GOLD_QUERIES = REPO.parent / "shared" / "gold" / "queries.yaml"
# Written for this test: diacritics FTS5 folds (ü, ç, ş, é), Turkish dotless ı, decimals with ".",
# "+" and "/" that FTS5 splits on, CJK bigrams, words the corpus does not have, stop words.
WRITTEN_QUERIES = [
    "olaysız sağkalım çocuklarda blinatumomab",
    "BCMA hedefli CAR-T hücre tedavisi multipl miyelom",
    "общая выживаемость после трансплантации гемопоэтических стволовых клеток",
    "CD3+ лимфоциты и CD19+ бласты",
    "贝林妥欧单抗 完全缓解率 微小残留病",
    "イノツズマブ オゾガマイシン 完全寛解 ％",
    "B-ALL Ph+ 0.5 mg/m2 weekly",
    "naïve café résumé",
    "the of a and with",
    "zzzz qqqq",
]


def queries() -> list[str]:
    gold = (
        [item["q"] for item in yaml.safe_load(GOLD_QUERIES.read_text(encoding="utf-8"))]
        if (GOLD_QUERIES.exists())
        else []
    )
    return [*gold, *WRITTEN_QUERIES]


@pytest.fixture(scope="module")
def corpus_index(corpus_home: Path) -> Path:
    return index_path(Settings(home=corpus_home))


def read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def fts5_ranking(conn: sqlite3.Connection, query_tokens: list[str], depth: int, allowed=None) -> list[int]:
    import sqlite_utils

    return SearchIndex.best_matching_by_fts5(sqlite_utils.Database(conn), query_tokens, depth, allowed)


def glossed_tokens(query: str) -> list[str]:
    return tokens(with_gloss(query, gloss_text(query)))


def test_the_in_memory_ranking_is_fts5s_on_every_query(corpus_index: Path) -> None:
    conn = read_only(corpus_index)
    snapshot = load_postings(conn, "test")
    assert snapshot.rows > 100 and len(snapshot.spans) > 1000
    compared = 0
    for query in queries():
        query_tokens = glossed_tokens(query)
        terms = snapshot.terms(query_tokens)
        assert terms is not None, query  # every token of these queries is one FTS5 term
        for depth in (50, 10):
            assert snapshot.best_matching(terms, depth, None) == fts5_ranking(conn, query_tokens, depth), (
                query,
                depth,
            )
            compared += 1
    assert compared >= 2 * len(WRITTEN_QUERIES)


def test_filters_restrict_the_ranking_as_fts5_does(corpus_index: Path) -> None:
    conn = read_only(corpus_index)
    snapshot = load_postings(conn, "test")
    russian = [
        r[0]
        for r in conn.execute(
            "SELECT d.id FROM docs d JOIN papers p ON p.id = d.paper_id WHERE p.language = 'ru'"
        )
    ]
    assert russian
    for query in ("общая выживаемость", "complete remission rate", "贝林妥欧单抗"):
        query_tokens = glossed_tokens(query)
        terms = snapshot.terms(query_tokens)
        assert snapshot.best_matching(terms, 20, russian) == fts5_ranking(conn, query_tokens, 20, russian)
    assert snapshot.best_matching(snapshot.terms(["remission"]), 20, []) == []


def test_a_token_fts5_reads_as_a_phrase_of_several_terms_is_left_to_fts5(corpus_index: Path) -> None:
    snapshot = load_postings(read_only(corpus_index), "test")
    tokenizer = snapshot.tokenizer
    assert tokenizer.terms("Sağkalım") == ("sagkalım",)  # folded as the table folds it
    assert tokenizer.terms("cd3+cd19") == ("cd3", "cd19")
    assert snapshot.terms(["remission", "cd3+cd19"]) is None
    assert snapshot.terms(["remission", "Remission"]) == ["remission", "remission"]  # two phrases


def test_the_postings_follow_the_index_once_it_is_quiet(corpus_index: Path) -> None:
    loads: list[str] = []

    def load(generation: str) -> Bm25Snapshot:
        loads.append(generation)
        return load_postings(read_only(corpus_index), generation)

    cache = Bm25Cache(quiet_seconds=0.5)
    assert cache.current("g1", lambda: load("g1")) is None  # the first load starts at once
    deadline = time.monotonic() + 30
    while cache.current("g1", lambda: load("g1")) is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert loads == ["g1"]
    # a new generation: FTS5 answers until the index has been quiet for quiet_seconds
    assert cache.current("g2", lambda: load("g2")) is None
    assert cache.current("g2", lambda: load("g2")) is None and loads == ["g1"]
    time.sleep(0.6)
    cache.current("g2", lambda: load("g2"))
    while cache.current("g2", lambda: load("g2")) is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert loads == ["g1", "g2"]


def test_the_query_tokenizer_is_the_tables() -> None:
    tokenizer = QueryTokenizer("\"unicode61 remove_diacritics 2 tokenchars '.'\"")
    assert tokenizer.terms("0.5") == ("0.5",)
    assert tokenizer.terms("Çocuklarda") == ("cocuklarda",)
    assert tokenizer.terms("mg/m2") == ("mg", "m2")
    assert tokenizer.terms("+") == ()
