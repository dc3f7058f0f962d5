"""Finish what a killed writer cut: one state per paper after any crash.

A paper is written in two stores that commit one after the other: the graph, then the search index
(its passages, cards, vectors and the outcome table's rows, one SQLite transaction). The index's
`pending` journal names a paper before its graph is touched and forgets it in the transaction that
commits the paper's rows (kb/search/index.py). A process killed between the two commits leaves the
paper in the journal with a graph the index does not describe: SPARQL would show the new graph, the
outcome table and the search the old rows or none.

The next writer (`kb ingest`, `kb delete`, the server at its start) settles each journaled paper
before it does anything else, holding the writer lock, so no write of another process is mistaken
for a cut one:

- the graph and the index describe the same content (the kill came before the graph changed, or
  after both committed), or the graph has no ingest run (it was not written by an ingest: `kb
  import`): nothing was cut; the paper is struck from the journal;
- no graph, index rows (a delete cut after its graph was dropped): the rows are deleted, so the
  delete is completed;
- a graph the index does not describe (an ingest cut after its graph was published): the index
  rows are rebuilt from the graph and the paper's saved text (kb/store/texts.py), as the ingest would
  have written them, so the ingest is completed; without the saved text (not to be expected: it is
  saved before the graph) the graph is dropped and the paper is gone from every view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kb.embedding import Embedder
from kb.model.rdf_mapping import read_paper_meta, read_run, triples_to_records
from kb.search import SearchIndex, prepare_paper
from kb.settings import Settings
from kb.store import GraphStore
from kb.store.texts import load_text

Outcome = Literal["nothing cut", "delete completed", "ingest completed", "rolled back"]


@dataclass(frozen=True)
class SettledPaper:
    """What became of one paper whose write was cut."""

    paper_id: str
    outcome: Outcome
    why: str

    def line(self) -> str:
        return f"{self.outcome:<16} {self.paper_id}: {self.why}"


def settle_cut_writes(
    settings: Settings, store: GraphStore, index: SearchIndex, embedder: Callable[[], Embedder]
) -> list[SettledPaper]:
    """Settle every paper the journal names (module docstring). The caller holds the writer lock
    (`store` and `index` opened writable); `embedder` is called only if an index entry is rebuilt."""
    settled = []
    for paper_id in sorted(index.pending()):
        triples = store.paper_triples(paper_id)
        run = read_run(triples) if triples else None
        graph_digest = run.content_digest if run is not None else None
        indexed = index.indexed_digest(paper_id)
        if triples and (graph_digest is None or graph_digest == indexed):
            # an ingest always writes its run: a graph without one (`kb import`) was not the cut write's
            outcome: Outcome = "nothing cut"
            why = "the graph and the search index agree, or the write never reached the graph"
        elif not triples:
            if indexed is not None:
                index.remove_paper(paper_id)
            outcome, why = "delete completed", "no graph; its search index rows were deleted"
        else:
            assert graph_digest is not None  # a graph without a run took the first branch
            meta = read_paper_meta(triples)
            text = load_text(settings, meta.sha256)
            if text is None:
                store.remove_paper(paper_id)
                if indexed is not None:
                    index.remove_paper(paper_id)
                outcome = "rolled back"
                why = "the graph could not be indexed (its text was not saved); it was dropped"
            else:
                records = triples_to_records(triples)
                entry = prepare_paper(meta.ref(), graph_digest, text, records, embedder())
                with index.replacing(entry):
                    pass  # the graph already holds this content: only the index is behind
                outcome = "ingest completed"
                why = f"search index rows rebuilt from the graph ({len(records)} records)"
        index.end_pending(paper_id)
        settled.append(SettledPaper(paper_id, outcome, why))
    return settled
