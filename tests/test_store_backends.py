"""The graph operations every store backend must get right, run on each: embedded Oxigraph and a
SPARQL 1.1 server (Virtuoso open source, started by scripts/virtuoso-start).

scripts/test starts one Virtuoso for the whole run and passes its settings in HEMEKB_TEST_VIRTUOSO;
without it the fixture starts its own. It is skipped (with the reason) only where Virtuoso is missing
and cannot be installed, and never in CI (CI=true).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from ingest.ingestion import IngestingKnowledgeBase
from kb.errors import KBError
from kb.model.rdf_mapping import Minter, RunInfo, records_to_triples, triples_to_records
from kb.model.records import Span
from kb.settings import Settings
from kb.sparql.errors import QuerySyntaxError, ResultTooLarge
from kb.store import BACKENDS, Dataset, Solutions, open_store
from kb.store.dump import export_graph, import_dump, unwritten_number_problems, validate_store
from tests.conftest import line_extractor
from tests.records_factory import PAPER, full_record, minimal_record

RUN = RunInfo("0.1.0", datetime(2026, 1, 1, tzinfo=UTC), "digest")


@pytest.fixture(params=["oxigraph", "virtuoso"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "oxigraph":
        return Settings(home=tmp_path / "kb")
    server = request.getfixturevalue("virtuoso_settings")
    # A base IRI of its own keeps each test's paper graphs apart on the shared server.
    return Settings(
        home=tmp_path / "kb",
        base_iri=f"http://test.hemekb.org/{uuid.uuid4().hex}/",
        store=server["KB_STORE"],
        store_query_url=server["KB_STORE_QUERY_URL"],
        store_update_url=server["KB_STORE_UPDATE_URL"],
        store_user=server["KB_STORE_USER"],
        store_password=server["KB_STORE_PASSWORD"],
    )


def triples_of(settings: Settings, records, paper=PAPER):
    return records_to_triples(settings.base_iri, paper, records, RUN)


def test_both_backends_are_registered():
    assert set(BACKENDS) == {"oxigraph", "sparql"}
    assert BACKENDS["oxigraph"].atomic_replace is True
    assert BACKENDS["sparql"].atomic_replace is False  # said honestly: see kb/store/sparql_server.py


def test_records_survive_the_store_exactly(settings):
    records = [
        full_record(),
        minimal_record("r-min", start=2),
        full_record(id="r-numbers", value=123456.789012345, ci_low=0.00001, pm=0.0, time_months=24),
    ]
    with open_store(settings, writable=True) as store:
        store.replace_paper_graph(PAPER.id, triples_of(settings, records))
    with open_store(settings, writable=False) as reader:
        back = triples_to_records(reader.paper_triples(PAPER.id))
    expected = sorted(records, key=lambda r: (r.evidence.char_start, r.id))
    assert back == expected
    assert [repr(r.value) for r in back] == [repr(r.value) for r in expected]


def test_replace_drops_the_old_graph_and_adds_no_duplicates(settings):
    with open_store(settings, writable=True) as store:
        store.replace_paper_graph(PAPER.id, triples_of(settings, [full_record(), minimal_record("gone")]))
        store.replace_paper_graph(PAPER.id, triples_of(settings, [full_record()]))
        once = store.triple_count()
        store.replace_paper_graph(PAPER.id, triples_of(settings, [full_record()]))
        assert store.triple_count() == once == len(triples_of(settings, [full_record()]))
        assert [r.id for r in triples_to_records(store.paper_triples(PAPER.id))] == [full_record().id]
        assert store.paper_ids() == [PAPER.id]


def test_remove_paper(settings):
    with open_store(settings, writable=True) as store:
        store.replace_paper_graph(PAPER.id, triples_of(settings, [full_record()]))
        assert store.remove_paper(PAPER.id) is True
        assert store.remove_paper(PAPER.id) is False
        assert store.paper_ids() == [] and store.triple_count() == 0
        assert store.paper_triples(PAPER.id) == []


def test_readers_cannot_write(settings):
    with open_store(settings, writable=True) as store:
        store.replace_paper_graph(PAPER.id, triples_of(settings, [full_record()]))
    reader = open_store(settings, writable=False)
    with pytest.raises(KBError, match="read-only"):
        reader.replace_paper_graph(PAPER.id, [])
    with pytest.raises(KBError, match="read-only"):
        reader.remove_paper(PAPER.id)
    assert reader.paper_ids() == [PAPER.id]
    reader.close()


def _two_papers(settings: Settings) -> tuple[NamedNode, NamedNode]:
    other = PAPER.__class__(**{**PAPER.__dict__, "id": "004_other", "file": "004_other.txt"})
    with open_store(settings, writable=True) as store:
        store.replace_paper_graph(PAPER.id, triples_of(settings, [full_record()]))
        record = minimal_record("004_other/r1", paper=other.ref())
        store.replace_paper_graph(other.id, triples_of(settings, [record], paper=other))
    minter = Minter(settings.base_iri)
    return minter.graph(PAPER.id), minter.graph(other.id)


def test_evaluate_answers_over_the_union_or_a_protocol_dataset(settings):
    first, second = _two_papers(settings)
    minter = Minter(settings.base_iri)
    # (on the shared Virtuoso other tests' papers are in the union too: each test has its own base)
    query = (
        "SELECT DISTINCT ?file WHERE { ?p a <https://w3id.org/hemekb/ontology#Paper> ;"
        " <https://w3id.org/hemekb/ontology#fileName> ?file"
        f' FILTER(STRSTARTS(STR(?p), "{settings.base_iri}")) }} ORDER BY ?file'
    )

    def files(dataset: Dataset) -> list[str]:
        with open_store(settings, writable=False) as reader:
            answer = reader.evaluate(
                query, kind="solutions", dataset=dataset, union_default=True, max_results=100
            )
        assert isinstance(answer, Solutions) and answer.variables == ["file"]
        return [row[0].value for row in answer.rows]

    assert files(Dataset()) == ["003_test.txt", "004_other.txt"]
    assert files(Dataset(default_graphs=(second.value,))) == ["004_other.txt"]
    with open_store(settings, writable=False) as reader:
        ask = f"ASK {{ GRAPH {first} {{ {minter.paper(PAPER.id)} ?p ?o }} }}"
        assert (
            reader.evaluate(ask, kind="boolean", dataset=Dataset(), union_default=True, max_results=1) is True
        )
        construct = f"CONSTRUCT WHERE {{ {minter.paper(PAPER.id)} ?p ?o }}"
        triples = reader.evaluate(
            construct, kind="graph", dataset=Dataset(), union_default=True, max_results=100
        )
        assert isinstance(triples, list) and {t.subject for t in triples} == {minter.paper(PAPER.id)}


def test_evaluate_refuses_bad_syntax_and_too_many_results(settings):
    _two_papers(settings)
    with open_store(settings, writable=False) as reader:
        with pytest.raises(QuerySyntaxError):
            reader.evaluate(
                "SELECT ?x WHERE {", kind="solutions", dataset=Dataset(), union_default=True, max_results=5
            )
        with pytest.raises(ResultTooLarge, match="more than 5 result rows"):
            reader.evaluate(
                "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
                kind="solutions",
                dataset=Dataset(),
                union_default=True,
                max_results=5,
            )
        with pytest.raises(ResultTooLarge, match="more than 5 result triples"):
            reader.evaluate(
                "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                kind="graph",
                dataset=Dataset(),
                union_default=True,
                max_results=5,
            )


def test_the_knowledge_base_works_on_the_backend(settings, papers):
    knowledge_base = IngestingKnowledgeBase(settings, extractor=line_extractor)
    report = knowledge_base.ingest_paths([papers])
    assert report.ok, [p.line() for p in report.papers]
    again = knowledge_base.ingest_paths([papers])
    assert [p.status for p in again.papers] == ["unchanged", "unchanged"]
    records = list(knowledge_base.export_outcomes())
    assert [r.paper.file for r in records] == ["a.txt", "a.txt", "b.txt", "b.txt"]
    knowledge_base.close()


def test_dumps_round_trip_and_the_store_validates(settings, tmp_path):
    _two_papers(settings)
    minter = Minter(settings.base_iri)
    dump = tmp_path / "kb.nq"
    with open_store(settings, writable=False) as reader, dump.open("wb") as out:
        written = export_graph(reader, minter, "nquads", out)
        before = {paper_id: set(reader.paper_triples(paper_id)) for paper_id in reader.paper_ids()}
    with open_store(settings, writable=True) as store:
        for paper_id in before:
            store.remove_paper(paper_id)
        imported = import_dump(store, minter, dump)
        assert sum(item.triples for item in imported) == written
        assert {paper_id: set(store.paper_triples(paper_id)) for paper_id in store.paper_ids()} == before
        assert validate_store(store) == (2, [])


def test_validate_reports_a_number_no_text_of_the_record_states(settings):
    """A p-value the record's sentences do not state is reported; a value listed as derived (with
    what it was computed from) is not."""
    span = Span(text="CR was reached by 69 of 110 patients (P = 0.04).", char_start=0, char_end=48)
    cr = {
        "endpoint": "CR",
        "statistic": "rate",
        "unit": "%",
        "value": 62.7,
        "count": 69,
        "n": 110,
        "evidence": span,
    }
    records = [
        minimal_record(
            "r-derived", p_value=0.04, derived=["value"], derived_from={"value": "69 of 110"}, **cr
        ),
        minimal_record("r-invented", start=1, p_value=0.05, p_operator="<=", **cr),
    ]
    with open_store(settings, writable=True) as store:
        store.replace_paper_graph(PAPER.id, triples_of(settings, records))
        assert unwritten_number_problems(store) == [
            "record r-invented: value 62.7, p_value 0.05 not written in its evidence or mentions"
        ]
        back = {r.id: r for r in triples_to_records(store.paper_triples(PAPER.id))}
        assert back["r-derived"].derived_from == {"value": "69 of 110"}


def test_the_vocabularies_are_in_the_store_and_the_default_graph_is_a_set(settings, papers):
    knowledge_base = IngestingKnowledgeBase(settings, extractor=line_extractor)
    assert knowledge_base.ingest_paths([papers]).ok
    knowledge_base.close()
    base = settings.base_iri
    hk = "https://w3id.org/hemekb/ontology#"
    skos = "http://www.w3.org/2004/02/skos/core#"

    def run(query: str, kind: str = "solutions", dataset: Dataset | None = None) -> object:
        with open_store(settings, writable=False) as reader:
            return reader.evaluate(
                query, kind=kind, dataset=dataset or Dataset(), union_default=True, max_results=10_000
            )  # type: ignore[arg-type]

    russian = f'ASK {{ <{hk}Endpoint_OS> <{skos}prefLabel> "общая выживаемость"@ru }}'
    assert run(russian, "boolean") is True
    # a vocabulary concept both papers use is described once (in its vocabulary graph); the stand-in
    # extractor's own "CD19-therapy" concepts, unknown to the vocabulary, are described per paper
    counts = run(
        f"SELECT (COUNT(*) AS ?all) (COUNT(DISTINCT *) AS ?distinct) WHERE {{ ?s ?p ?o"
        f' FILTER(STRSTARTS(STR(?s), "{base}") && !CONTAINS(STR(?s), "-therapy")) }}'
    )
    assert isinstance(counts, Solutions)
    (total, distinct) = counts.rows[0]
    assert total == distinct and int(total.value) > 100
    disease = run(f"SELECT ?id WHERE {{ <{base}disease/b-all> <http://purl.org/dc/terms/identifier> ?id }}")
    assert [row[0].value for row in disease.rows] == ["b-all"]  # type: ignore[union-attr]
    # relative IRIs resolve against the base; numbers compare without a cast
    relative = run("CONSTRUCT { <s> <p> 1 } WHERE {}", "graph")
    assert [t.subject.value for t in relative] == [base + "s"]  # type: ignore[union-attr]
    values = run(f'SELECT ?r WHERE {{ ?r <{hk}value> 80.7 FILTER(STRSTARTS(STR(?r), "{base}")) }}')
    assert len(values.rows) == 1  # type: ignore[union-attr]
    # default-graph-uri alone: no named graphs
    paper_graph = Minter(base).graph("a").value
    named = run("ASK { GRAPH ?g { ?s ?p ?o } }", "boolean", Dataset(default_graphs=(paper_graph,)))
    assert named is False
