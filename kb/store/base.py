"""The graph store interface: one named graph per paper, replaced whole, queried with SPARQL."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar
from typing import Literal as TypingLiteral

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Triple

from kb.model.rdf_mapping import Minter
from kb.settings import Settings
from kb.sparql.errors import ResultTooLarge

Term = NamedNode | BlankNode | Literal
Row = dict[str, Term | None]
QueryResult = list[Row] | list[Triple] | bool
Kind = TypingLiteral["solutions", "boolean", "graph"]


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a protocol request names (default-graph-uri / named-graph-uri); None: not given."""

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None

    @property
    def given(self) -> bool:
        return self.default_graphs is not None or self.named_graphs is not None


@dataclass(frozen=True)
class Solutions:
    """The answer to a SELECT query: variable names and one tuple of terms (None: unbound) per row."""

    variables: list[str]
    rows: list[tuple[Term | None, ...]]


Answer = Solutions | bool | list[Triple]


class GraphStore(ABC):
    """A quad store holding one named graph per paper.

    Implementations say honestly what they can do (like rdflib stores' `context_aware`):
    `atomic_replace` is True only when `replace_paper_graph` can never leave a half-written graph.
    """

    name: ClassVar[str]
    atomic_replace: ClassVar[bool]

    def __init__(self, *, writable: bool, base_iri: str) -> None:
        self.writable = writable
        self.minter = Minter(base_iri)

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings, *, writable: bool) -> GraphStore:
        """Open the store the settings describe: `writable` for ingest, read-only for queries."""

    @abstractmethod
    def replace_graph(self, graph: NamedNode, triples: Sequence[Triple]) -> None:
        """Make `triples` the whole content of the named graph, in one transaction where the backend can."""

    def replace_paper_graph(self, paper_id: str, triples: Sequence[Triple]) -> None:
        """Make `triples` the whole content of the paper's graph."""
        self.replace_graph(self.minter.graph(paper_id), triples)

    @abstractmethod
    def graph_triples(self, graph: NamedNode) -> list[Triple]:
        """The triples of one named graph ([] for a graph that does not exist)."""

    def paper_triples(self, paper_id: str) -> list[Triple]:
        """The triples of one paper graph ([] for an unknown paper)."""
        return self.graph_triples(self.minter.graph(paper_id))

    @abstractmethod
    def remove_paper(self, paper_id: str) -> bool:
        """Drop the paper's graph; False if there was none."""

    @abstractmethod
    def paper_ids(self) -> list[str]:
        """Ids of the papers that have a graph, sorted."""

    @abstractmethod
    def query(self, sparql: str) -> QueryResult:
        """Run a SPARQL query: rows for SELECT, triples for CONSTRUCT/DESCRIBE, a bool for ASK."""

    @abstractmethod
    def evaluate(
        self, query: str, *, kind: Kind, dataset: Dataset, union_default: bool, max_results: int
    ) -> Answer:
        """Answer a query of the SPARQL endpoint (kb/sparql): read-only, over a protocol dataset.

        Without a protocol dataset the default graph is the union of the paper graphs when
        `union_default` (the query has no FROM clause of its own). More than `max_results` rows or
        triples raise ResultTooLarge; a query that does not parse raises QuerySyntaxError.
        """

    @abstractmethod
    def triple_count(self) -> int:
        """Number of triples over all paper graphs (the vocabulary graphs not counted)."""

    def pinned(self) -> GraphStore:
        """A view whose reads all see one state of the store, for answers built from several queries.

        The default is the store itself, right for backends whose state cannot change under a reader.
        """
        return self

    @abstractmethod
    def close(self) -> None:
        """Release the store (and, for a writer, its lock)."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def capped_solutions(result: QuerySolutions, max_results: int) -> Solutions:
    """A SELECT result of pyoxigraph's (read from Oxigraph or parsed from a server's answer) as
    Solutions, ResultTooLarge past `max_results` rows: read no further than the cap."""
    names = [variable.value for variable in result.variables]
    rows: list[tuple[Term | None, ...]] = []
    for solution in result:
        if len(rows) == max_results:
            raise ResultTooLarge(too_many_results(max_results, "rows"))
        rows.append(tuple(solution[name] for name in names))
    return Solutions(names, rows)


def too_many_results(cap: int, what: str) -> str:
    """The message of ResultTooLarge, the same for every backend."""
    return (
        f"the query has more than {cap} result {what} (KB_SPARQL_MAX_RESULTS);"
        " add a LIMIT or narrow the query, and page with OFFSET"
    )
