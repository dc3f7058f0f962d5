"""Search as a library: documents, the SQLite index, its all-or-nothing update with the graph, ranking.

Real model (kb.embedding, loaded once per test process), real SQLite files, real graph store.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest
from pyoxigraph import Triple

from ingest.ingestion import IngestingKnowledgeBase
from kb.errors import KBError, QueryRefused
from kb.model.records import ConceptRef, OutcomeRecord, Span
from kb.search import MAX_K, SearchIndex, index_path
from kb.search.cards import as_written, card
from kb.search.documents import documents_of
from kb.search.gloss import gloss_text
from kb.search.passages import MAX_CHARS, split_passages
from kb.search.text import clean_with_offsets, tokens
from kb.service import KnowledgeBase
from kb.settings import Settings
from kb.store import BACKENDS, OxigraphStore, open_store
from kb.store.paper_writes import ExtractedPaper
from tests.conftest import PAPERS, line_extractor
from tests.records_factory import full_record

# ---------------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CAR-T", ["car", "t", "cart"]),
        ("OS 12,4%", ["os", "12.4"]),
        ("贝林妥欧", ["贝林", "林妥", "妥欧"]),
        ("CD22－", ["cd22"]),
        ("sağkalım", ["sağkalım"]),
    ],
)
def test_tokens(text, expected):
    assert tokens(text) == expected


def test_clean_text_maps_back_to_the_source():
    source = "заболе-\nвание В-\nклеточного 骨髓\n瘤  и"
    clean, offsets = clean_with_offsets(source)
    assert clean == "заболевание В-клеточного 骨髓瘤 и"
    assert all(source[o] == c for c, o in zip(clean, offsets, strict=True) if c != " ")


@pytest.mark.parametrize("paper", sorted(PAPERS.glob("*.txt")), ids=lambda p: p.stem[:3])
def test_passages_are_source_spans_of_at_most_1000_characters(paper):
    source = paper.read_bytes().decode("utf-8")
    passages = split_passages(source)
    assert passages
    for passage in passages:
        assert passage.text == source[passage.start : passage.end]
        assert len(passage.text) <= MAX_CHARS
    assert all(a.end <= b.start for a, b in itertools.pairwise(passages))


def test_glosses_name_concepts_in_english_and_keep_abbreviations_case_sensitive():
    assert "blinatumomab" in gloss_text("лечение блинатумомабом детей")
    assert "inotuzumab ozogamicin" in gloss_text("イノツズマブ オゾガマイシンの完全寛解率")
    assert "acute lymphoblastic leukemia" not in gloss_text("all patients were treated")
    assert "acute lymphoblastic leukemia" in gloss_text("patients with ALL were treated")


def test_value_as_written():
    assert as_written(87.5, "总缓解率 87. 5%，") == "87. 5"
    assert as_written(12.4, "составила 12,4% по") == "12,4"
    assert as_written(16.0, "oranı %16 olarak") == "16"
    assert as_written(16.0, "oranı %160 olarak") is None


def test_card_names_the_endpoint_in_english_and_keeps_the_figures_as_written():
    evidence = Span(text="ПР 80,7% против 29,4% при химиотерапии", char_start=0, char_end=38)
    ino = full_record(evidence=evidence, not_reached=False, time_months=None, event=None, grade=None)
    chemo = full_record(
        id="003_test/r2",
        value=29.4,
        arm="химиотерапия",
        interventions=[ConceptRef(id="chemotherapy", label="chemotherapy")],
        antigens=[],
        evidence=evidence,
        not_reached=False,
    )
    text = card(ino, [chemo])
    assert text.startswith("inotuzumab ozogamicin (ADC; CD22) + allo-HSCT")
    assert (
        "versus chemotherapy in adult relapsed/refractory B-cell acute lymphoblastic leukemia (B-ALL)" in text
    )
    assert "INO-VATE ALL (randomized phase III; NCT01564784; NCT01363297)" in text
    assert "complete remission / response (CR) rate 80,7 (80.7)%" in text
    assert "vs 29,4 (29.4)% with chemotherapy" in text


# ---------------------------------------------------------------------------- index contents


def index_rows(settings: Settings) -> dict[str, object]:
    """What the index holds, comparable with ==: documents, papers, and the FTS/vector row counts."""
    path = index_path(settings)
    if not path.exists():
        return {}
    with SearchIndex(path, writable=False) as index, index.reading() as db:
        if db is None:
            return {}
        return {
            "papers": db.execute("SELECT id, file, digest FROM papers ORDER BY id").fetchall(),
            "docs": db.execute(
                "SELECT paper_id, kind, record_id, char_start, char_end, text, indexed FROM docs"
                " ORDER BY paper_id, kind, char_start, record_id"
            ).fetchall(),
            "fts": db.execute("SELECT COUNT(*) FROM docs_fts").fetchone()[0],
            "vectors": db.execute("SELECT COUNT(*) FROM docs_vec").fetchone()[0],
            "orphans": db.execute(
                "SELECT COUNT(*) FROM docs_vec WHERE doc_id NOT IN (SELECT id FROM docs)"
            ).fetchone()[0]
            + db.execute("SELECT COUNT(*) FROM docs_fts WHERE rowid NOT IN (SELECT id FROM docs)").fetchone()[
                0
            ],
        }


def graph_dump(settings: Settings) -> list[str]:
    with open_store(settings, writable=False) as store:
        return sorted(str(t) for pid in store.paper_ids() for t in store.paper_triples(pid))


def expected_documents(folder: Path, name: str) -> int:
    paper = line_extractor(folder / name)
    assert paper.text is None
    source = (folder / name).read_bytes().decode("utf-8")
    return len(documents_of(source, paper.records))


def test_ingest_indexes_passages_and_cards_once(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    rows = index_rows(settings)
    assert [p[0] for p in rows["papers"]] == ["a", "b"]
    assert len(rows["docs"]) == expected_documents(papers, "a.txt") + expected_documents(papers, "b.txt")
    assert rows["fts"] == len(rows["docs"]) and rows["orphans"] == 0
    outcome_ids = sorted(d[2] for d in rows["docs"] if d[1] == "outcome")
    assert outcome_ids == sorted(r.id for r in kb.export_outcomes())
    sources = {p: (papers / f"{p}.txt").read_bytes().decode("utf-8") for p in ("a", "b")}
    for paper_id, _, _, start, end, text, _ in rows["docs"]:
        assert sources[paper_id][start:end] == text


def test_reingest_keeps_the_index_consistent(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    before = index_rows(settings)
    again = kb.ingest_paths([papers])
    assert [p.status for p in again.papers] == ["unchanged", "unchanged"]
    assert index_rows(settings) == before
    (papers / "a.txt").write_text("Title A\nCD22 therapy gave CR in 61% of patients.\n", encoding="utf-8")
    assert [p.status for p in kb.ingest_paths([papers]).papers] == ["ingested", "unchanged"]
    after = index_rows(settings)
    a_docs = [d for d in after["docs"] if d[0] == "a"]
    assert len(a_docs) == expected_documents(papers, "a.txt")  # replaced, not added to
    assert len(set(a_docs)) == len(a_docs)
    assert [d for d in after["docs"] if d[0] == "b"] == [d for d in before["docs"] if d[0] == "b"]
    assert after["fts"] == len(after["docs"]) and after["orphans"] == 0
    assert all("80.7" not in d[5] for d in a_docs)


def test_a_lost_index_is_rebuilt_by_the_next_ingest(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    before = index_rows(settings)
    kb.close()
    for leftover in index_path(settings).parent.iterdir():
        leftover.unlink()
    graph = graph_dump(settings)
    report = kb.ingest_paths([papers])
    assert [p.status for p in report.papers] == ["ingested", "ingested"]  # the graph was unchanged
    assert graph_dump(settings) == graph
    assert index_rows(settings) == before


# ------------------------------------------------------------------- all or nothing, for real


class PoisonedStore(OxigraphStore):
    """The embedded store, except that Oxigraph itself refuses the graph update of `poisoned` papers.

    The update sent is the real one followed by an operation that fails (dropping a graph that does
    not exist), in one request: Oxigraph applies a request as one transaction, so nothing is written.
    """

    name: ClassVar[str] = "poisoned-oxigraph"
    poisoned: ClassVar[set[str]] = set()

    def replace_paper_graph(self, paper_id: str, triples: Sequence[Triple]) -> None:
        if paper_id not in self.poisoned:
            super().replace_paper_graph(paper_id, triples)
            return
        graph = self.minter.graph(paper_id)
        body = "\n".join(f"{triple} ." for triple in triples)
        self._require_writer().update(
            f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }} ;\n"
            "DROP GRAPH <urn:hemekb:test:missing>"
        )


@pytest.fixture
def poisoned(monkeypatch, tmp_path) -> Settings:
    monkeypatch.setitem(BACKENDS, PoisonedStore.name, PoisonedStore)
    monkeypatch.setattr(PoisonedStore, "poisoned", set())
    return Settings(home=tmp_path / "kb", store=PoisonedStore.name)


def test_a_failing_graph_update_leaves_graph_and_index_as_they_were(poisoned, papers):
    kb = IngestingKnowledgeBase(poisoned, extractor=line_extractor)
    assert kb.ingest_paths([papers / "a.txt"]).ok
    graph, index = graph_dump(poisoned), index_rows(poisoned)
    (papers / "a.txt").write_text("Title A\nCD19 CAR-T gave CR in 90% of patients.\n", encoding="utf-8")
    PoisonedStore.poisoned.update({"a", "b"})
    report = kb.ingest_paths([papers])
    assert [p.status for p in report.papers] == ["failed", "failed"]
    assert "storing failed, nothing was changed: RuntimeError" in report.papers[0].reason
    assert graph_dump(poisoned) == graph
    assert index_rows(poisoned) == index
    PoisonedStore.poisoned.clear()
    assert [p.status for p in kb.ingest_paths([papers]).papers] == ["ingested", "ingested"]
    kb.close()


def test_a_failing_index_write_leaves_the_graph_as_it_was(kb, papers, settings):
    assert kb.ingest_paths([papers / "a.txt"]).ok
    graph, index = graph_dump(settings), index_rows(settings)
    with SearchIndex(index_path(settings), writable=True) as writer:
        writer._writer().execute(
            "CREATE TRIGGER refuse_b BEFORE INSERT ON docs WHEN NEW.paper_id = 'b'"
            " BEGIN SELECT RAISE(ABORT, 'injected index failure'); END"
        )
    report = kb.ingest_paths([papers / "b.txt"])
    assert report.papers[0].status == "failed" and "injected index failure" in report.papers[0].reason
    assert graph_dump(settings) == graph
    assert index_rows(settings) == index


def test_a_failing_index_commit_puts_the_graph_back(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    graph, index = graph_dump(settings), index_rows(settings)
    # A deferred foreign key is checked at COMMIT: the index rows are written, the graph is
    # replaced, then SQLite refuses to commit.
    with SearchIndex(index_path(settings), writable=True) as writer:
        db = writer._writer()
        db.execute("CREATE TABLE bomb (paper TEXT REFERENCES papers(id) DEFERRABLE INITIALLY DEFERRED)")
        db.execute(
            "CREATE TRIGGER arm AFTER INSERT ON papers WHEN NEW.id = 'a'"
            " BEGIN INSERT INTO bomb VALUES ('no such paper'); END"
        )
    (papers / "a.txt").write_text("Title A\nBCMA CAR-T gave CR in 77% of patients.\n", encoding="utf-8")
    report = kb.ingest_paths([papers / "a.txt"])
    assert report.papers[0].status == "failed" and "FOREIGN KEY" in report.papers[0].reason
    assert graph_dump(settings) == graph
    assert index_rows(settings) == index
    new_paper = papers / "c.txt"
    new_paper.write_text("Title C\nCD38 antibody: ORR 40%.\n", encoding="utf-8")
    with SearchIndex(index_path(settings), writable=True) as writer:
        writer._writer().execute("DROP TRIGGER arm")
        writer._writer().execute(
            "CREATE TRIGGER arm AFTER INSERT ON papers WHEN NEW.id = 'c'"
            " BEGIN INSERT INTO bomb VALUES ('no such paper'); END"
        )
    assert kb.ingest_paths([new_paper]).papers[0].status == "failed"
    assert graph_dump(settings) == graph  # a new paper's graph is removed again
    assert "c" not in [p[0] for p in index_rows(settings)["papers"]]


# --------------------------------------------------------------------------------- searching


def passages_only(path: Path) -> ExtractedPaper:
    """The stand-in extractor without records: search over passages alone."""
    paper = line_extractor(path)
    return ExtractedPaper(meta=paper.meta, records=[], text=path.read_bytes().decode("utf-8"))


CROSS_LINGUAL = {
    "en_blinatumomab.txt": (
        "Blinatumomab for children with relapsed acute lymphoblastic leukemia\n"
        "Blinatumomab, a bispecific T-cell engager directed against CD19 and CD3, was given to 40 children"
        " with a first relapse of B-cell acute lymphoblastic leukemia. Event-free survival at three years"
        " was 61% with blinatumomab. Cytokine release syndrome occurred in 5% of the children.\n"
    ),
    "en_daratumumab.txt": (
        "Daratumumab in newly diagnosed multiple myeloma\n"
        "Patients with newly diagnosed multiple myeloma who were not candidates for transplantation received"
        " daratumumab with lenalidomide and dexamethasone. Progression-free survival at 30 months was 71% in"
        " the daratumumab group. Infusion reactions were the most common adverse event.\n"
    ),
    "ru_inotuzumab.txt": (
        "Инотузумаб озогамицин у взрослых с рецидивом ОЛЛ\n"
        "Инотузумаб озогамицин — конъюгат антитела к CD22 с калихеамицином. У взрослых пациентов с"
        " рецидивирующим острым лимфобластным лейкозом частота полных ремиссий составила 80,7% против 29,4%"
        " при стандартной химиотерапии. Веноокклюзионная болезнь печени развилась у 11% больных.\n"
    ),
    "zh_bcma.txt": (
        "CAR-T细胞治疗复发难治多发性骨髓瘤\n"
        "靶向BCMA的嵌合抗原受体T细胞治疗复发难治多发性骨髓瘤患者，总缓解率为87%，完全缓解率为45%。"
        "细胞因子释放综合征的发生率为62%，多为1～2级。\n"
    ),
}


@pytest.fixture(scope="module")
def cross_lingual(tmp_path_factory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("cross-lingual")
    for name, text in CROSS_LINGUAL.items():
        (root / name).write_text(text, encoding="utf-8")
    knowledge_base = IngestingKnowledgeBase(Settings(home=root / "kb"), extractor=passages_only)
    assert knowledge_base.ingest_paths([root]).ok
    yield knowledge_base
    knowledge_base.close()


@pytest.mark.parametrize(
    ("query", "paper"),
    [
        ("博纳吐单抗治疗儿童复发急性淋巴细胞白血病", "en_blinatumomab"),
        ("блинатумомаб у детей с рецидивом острого лимфобластного лейкоза", "en_blinatumomab"),
        ("达雷妥尤单抗治疗新诊断多发性骨髓瘤的无进展生存", "en_daratumumab"),
        ("выживаемость без прогрессирования при даратумумабе", "en_daratumumab"),
        ("veno-occlusive disease after inotuzumab ozogamicin", "ru_inotuzumab"),
        ("response rate of BCMA CAR-T cells in multiple myeloma", "zh_bcma"),
    ],
)
def test_a_query_finds_the_passage_written_in_another_language(cross_lingual, query, paper):
    results = cross_lingual.search(query, 2).results
    assert results[0].paper.id == paper, [(h.paper.id, h.score) for h in results]
    assert results[0].kind == "passage"


def test_filters_and_their_refusals(cross_lingual):
    hits = cross_lingual.search("survival", 10, {"language": "EN"}).results
    assert hits and {h.paper.language for h in hits} == {"en"}
    hits = cross_lingual.search("survival", 10, {"paper": "ru_inotuzumab.txt"}).results
    assert hits and {h.paper.id for h in hits} == {"ru_inotuzumab"}
    hits = cross_lingual.search("remission", 10, {"antigen": "cd22"}).results  # glossed from инотузумаб
    assert hits and {h.paper.id for h in hits} == {"ru_inotuzumab"}
    hits = cross_lingual.search("survival", 10, {"disease": "MM"}).results
    assert {h.paper.id for h in hits} == {"en_daratumumab", "zh_bcma"}
    hits = cross_lingual.search("response", 10, {"endpoint": "orr", "language": "zh"}).results
    assert [h.paper.id for h in hits] == ["zh_bcma"]
    with pytest.raises(QueryRefused, match=r"unknown antigen 'CD91'; known: CD19, CD22, CD3, CD38"):
        cross_lingual.search("x", 5, {"antigen": "CD91"})
    with pytest.raises(QueryRefused, match=r"unknown language 'de'; known: en, ru, zh"):
        cross_lingual.search("x", 5, {"language": "de"})
    with pytest.raises(QueryRefused, match=r"unknown endpoint 'SURVIVAL'; allowed: OS,"):
        cross_lingual.search("x", 5, {"endpoint": "SURVIVAL"})
    with pytest.raises(QueryRefused, match=r"unknown filter 'drug'; allowed: language, paper"):
        cross_lingual.search("x", 5, {"drug": "x"})


@pytest.mark.parametrize("k", [0, -1, MAX_K + 1])
def test_k_is_bounded(cross_lingual, k):
    with pytest.raises(QueryRefused, match=rf"k must be between 1 and {MAX_K}, got {k}"):
        cross_lingual.search("remission", k)


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_is_refused(cross_lingual, query):
    with pytest.raises(QueryRefused, match="q must not be empty"):
        cross_lingual.search(query)


def test_outcome_hits_carry_the_record_from_the_graph(kb, papers):
    assert kb.ingest_paths([papers]).ok
    results = kb.search("complete remission of CD19 CAR-T in relapsed B-ALL", 10).results
    outcomes = [h for h in results if h.kind == "outcome"]
    assert outcomes
    exported = {r.id: r for r in kb.export_outcomes()}
    for hit in outcomes:
        assert isinstance(hit.record, OutcomeRecord)
        assert hit.record == exported[hit.record.id]
        assert hit.evidence == hit.record.evidence and hit.text == hit.record.evidence.text
    spans = [(h.paper.id, h.char_start, h.char_end) for h in results]
    assert len(spans) == len(set(spans))  # records stated in one sentence show once
    assert json.loads(kb.search("CR", 1).model_dump_json())["results"][0]["paper"]["file"] in {
        "a.txt",
        "b.txt",
    }


def test_an_empty_knowledge_base_finds_nothing(kb):
    assert kb.search("anything").results == []


def test_an_index_built_with_another_model_is_refused_until_reingested(kb, papers, settings):
    assert kb.ingest_paths([papers]).ok
    other = IngestingKnowledgeBase(settings.model_copy(update={"embedding_model": "some-other-model"}))
    with pytest.raises(KBError, match=r"built with embedding model 'use-multilingual-v3'.*run `kb ingest`"):
        other.search("remission")
    other.close()


def test_a_model_that_cannot_be_loaded_stops_the_ingest_with_the_setting_named(papers, tmp_path):
    not_a_model = tmp_path / "not-a-model"
    not_a_model.mkdir()
    settings = Settings(home=tmp_path / "kb", embedding_model=str(not_a_model))
    knowledge_base = IngestingKnowledgeBase(settings, extractor=line_extractor)
    with pytest.raises(KBError, match=r"cannot load the embedding model .*KB_EMBEDDING_MODEL"):
        knowledge_base.ingest_paths([papers])
    with open_store(settings, writable=False) as store:
        assert store.paper_ids() == []
