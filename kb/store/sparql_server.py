"""A SPARQL 1.1 server as the graph store (KB_STORE=sparql), tested against Virtuoso open source.

Everything goes through the SPARQL 1.1 protocol over HTTP (httpx): queries to KB_STORE_QUERY_URL,
updates to KB_STORE_UPDATE_URL with the user and password of the settings (Digest authentication by
default, as Virtuoso's /sparql-auth wants; rdflib's SPARQLUpdateStore only sends Basic).

What differs from the embedded store, said honestly:

- `atomic_replace` is False. Virtuoso does not run a multi-operation update as one transaction (a
  failing second operation leaves the first one applied), so a paper is written to a staging graph
  first and then moved over its graph with `MOVE`: a write that fails leaves the old graph whole, but
  a server that dies during the MOVE itself can leave the paper graph missing.
- Virtuoso prints xsd:double values in SPARQL JSON/XML results with 6 significant digits, so
  graphs are read with CONSTRUCT as Turtle; the graphs hold no doubles (numbers are xsd:decimal or
  xsd:integer, kb/model/rdf_mapping.py), which Virtuoso keeps and writes back exactly.
- Readers see every change at once (no snapshots), and several writers are not locked out.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import ClassVar

import httpx
from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)

from kb.errors import KBError, StoreMisconfigured
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

_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
_CHUNK = 500  # triples per INSERT DATA into the staging graph: Virtuoso refuses long ones (10,000 SQL lines)


class SparqlServerStore(GraphStore):
    name: ClassVar[str] = "sparql"
    atomic_replace: ClassVar[bool] = False

    def __init__(
        self,
        query_url: str,
        update_url: str | None,
        base_iri: str,
        *,
        writable: bool,
        auth: httpx.Auth | None = None,
    ) -> None:
        super().__init__(writable=writable, base_iri=base_iri)
        self.query_url = query_url
        self.update_url = update_url
        self._client: httpx.Client | None = httpx.Client(timeout=_TIMEOUT, auth=auth)
        if writable and not update_url:
            raise StoreMisconfigured("KB_STORE=sparql needs KB_STORE_UPDATE_URL to write")

    @classmethod
    def from_settings(cls, settings: Settings, *, writable: bool) -> SparqlServerStore:
        if not settings.store_query_url:
            raise StoreMisconfigured(
                "KB_STORE=sparql needs KB_STORE_QUERY_URL (and KB_STORE_UPDATE_URL, KB_STORE_USER,"
                " KB_STORE_PASSWORD to write); scripts/virtuoso-start prints them for a local Virtuoso"
            )
        auth: httpx.Auth | None = None
        if settings.store_user is not None:
            password = settings.store_password.get_secret_value() if settings.store_password else ""
            if settings.store_auth == "digest":
                auth = httpx.DigestAuth(settings.store_user, password)
            else:
                auth = httpx.BasicAuth(settings.store_user, password)
        return cls(
            settings.store_query_url,
            settings.store_update_url,
            settings.base_iri,
            writable=writable,
            auth=auth,
        )

    # ------------------------------------------------------------------ HTTP

    def _http(self) -> httpx.Client:
        if self._client is None:
            raise KBError("the graph store is closed")
        return self._client

    def _post(self, url: str, data: dict[str, object], accept: str) -> httpx.Response:
        try:
            response = self._http().post(url, data=data, headers={"Accept": accept})
        except httpx.HTTPError as exc:
            raise KBError(f"the SPARQL server at {url} did not answer: {exc}") from exc
        if response.status_code == 400:
            raise QuerySyntaxError(_server_message(response))
        if response.status_code >= 300:
            raise KBError(
                f"the SPARQL server at {url} answered {response.status_code}: {_server_message(response)}"
            )
        return response

    def _update(self, update: str) -> None:
        if not self.writable:
            raise KBError("this graph store was opened read-only; open it writable to change it")
        assert self.update_url is not None
        self._post(self.update_url, {"update": update}, "*/*")

    def _select(self, query: str, dataset: Dataset | None = None) -> QuerySolutions | QueryBoolean:
        data: dict[str, object] = {"query": query, **_dataset_parameters(dataset)}
        response = self._post(self.query_url, data, "application/sparql-results+json")
        return parse_query_results(response.content, format=QueryResultsFormat.JSON)

    def _construct(self, query: str, dataset: Dataset | None = None) -> list[Triple]:
        data: dict[str, object] = {"query": query, **_dataset_parameters(dataset)}
        response = self._post(self.query_url, data, "text/turtle")
        return [
            Triple(q.subject, q.predicate, q.object) for q in parse(response.content, format=RdfFormat.TURTLE)
        ]

    # ------------------------------------------------------------------ writing

    def replace_graph(self, graph: NamedNode, triples: Sequence[Triple]) -> None:
        staging = NamedNode(f"{graph.value}.staging-{uuid.uuid4().hex}")
        try:
            for start in range(0, len(triples), _CHUNK):
                body = "\n".join(f"{triple} ." for triple in triples[start : start + _CHUNK])
                self._update(f"INSERT DATA {{ GRAPH {staging} {{\n{body}\n}} }}")
        except KBError:
            self._update(f"DROP SILENT GRAPH {staging}")
            raise
        self._update(f"MOVE SILENT GRAPH {staging} TO {graph}")

    def remove_paper(self, paper_id: str) -> bool:
        graph = self.minter.graph(paper_id)
        if not self._select(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"):
            return False
        self._update(f"DROP SILENT GRAPH {graph}")
        return True

    # ------------------------------------------------------------------ reading

    def _paper_graph_filter(self, variable: str) -> str:
        prefix = Literal(self.minter.base + "graph/")
        return f"FILTER(STRSTARTS(STR({variable}), {prefix}) && !CONTAINS(STR({variable}), '.staging-'))"

    def paper_ids(self) -> list[str]:
        rows = self._select(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._paper_graph_filter('?g')} }}"
        )
        assert isinstance(rows, QuerySolutions)
        ids = (self.minter.paper_id_of_graph(row["g"]) for row in rows)  # type: ignore[arg-type]
        return sorted(paper_id for paper_id in ids if paper_id is not None)

    def graph_triples(self, graph: NamedNode) -> list[Triple]:
        return self._construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")

    def query(self, sparql: str) -> QueryResult:
        result = self._select(sparql)
        if isinstance(result, QueryBoolean):
            return bool(result)
        names = [variable.value for variable in result.variables]
        return [{name: solution[name] for name in names} for solution in result]

    def evaluate(
        self, query: str, *, kind: Kind, dataset: Dataset, union_default: bool, max_results: int
    ) -> Answer:
        # Virtuoso's default graph is already the union of its graphs; the protocol dataset is passed on.
        given = dataset if dataset.given else None
        if not re.search(r"^\s*BASE\s*<", query, re.IGNORECASE | re.MULTILINE):
            query = f"BASE <{self.minter.base}>\n{query}"  # the endpoint's documented base IRI
        if kind == "graph":
            triples = self._construct(query, given)
            if len(triples) > max_results:
                raise ResultTooLarge(too_many_results(max_results, "triples"))
            return triples
        result = self._select(query, given)
        if isinstance(result, QueryBoolean):
            return bool(result)
        return capped_solutions(result, max_results)

    def triple_count(self) -> int:
        rows = self.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._paper_graph_filter('?g')} }}"
        )
        assert isinstance(rows, list)
        count = rows[0]["n"]  # type: ignore[index]
        return int(count.value) if count is not None else 0

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _server_message(response: httpx.Response) -> str:
    return " ".join(response.text.split())[:2000] or response.reason_phrase


# A graph nobody writes: named where the protocol dataset leaves a part empty, because Virtuoso
# takes a missing named-graph-uri (or default-graph-uri) as "all graphs", not as none.
_NO_GRAPH = "urn:hemekb:no-graph"


def _dataset_parameters(dataset: Dataset | None) -> dict[str, object]:
    """default-graph-uri / named-graph-uri for a protocol dataset, exactly as it was named."""
    if dataset is None or not dataset.given:
        return {}
    return {
        "default-graph-uri": list(dataset.default_graphs or ()) or [_NO_GRAPH],
        "named-graph-uri": list(dataset.named_graphs or ()) or [_NO_GRAPH],
    }
