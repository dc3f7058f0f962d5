"""Cross-lingual semantic search over passages and outcome records (see README "Search").

- `documents`: a paper's passages (`passages`) and one English card per record (`cards`), with
  vocabulary glosses (`gloss`) and filter tags, embedded (kb.embedding) before anything is written;
- `index`: SQLite under KB_HOME/search (sqlite-utils): FTS5 for BM25, sqlite-vec for vectors,
  written in one transaction that kb.service keeps open across the graph update;
- `engine`: hybrid ranking by reciprocal-rank fusion, hits with records read from the graph.
"""

from kb.search.documents import PreparedPaper, prepare_paper
from kb.search.engine import DEFAULT_K, FILTERS, MAX_K, Fusion, Searcher
from kb.search.index import SearchIndex, index_path
from kb.search.models import SearchHit, SearchResults

__all__ = [
    "DEFAULT_K",
    "FILTERS",
    "MAX_K",
    "Fusion",
    "PreparedPaper",
    "SearchHit",
    "SearchIndex",
    "SearchResults",
    "Searcher",
    "index_path",
    "prepare_paper",
]
