"""A study's follow-up where the paper states it: found in each language, kept on the study with the
words that state it, in the graph, and in the comparison rows a reviewer takes home."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ingest.extract.follow_up import follow_ups
from kb.settings import Settings
from kb.store import open_store
from tests.conftest import PAPERS, run_kb


@pytest.mark.parametrize(
    ("sentence", "stated", "months", "median"),
    [
        ("With a median follow-up of 29.4 months, the 2-year OS was 65%.", "29.4 months", 29.4, True),
        ("中位随访17.4个月，3年总生存率为48.9%。", "17.4个月", 17.4, True),
        ("Медиана наблюдения составила 1,6 года.", "1,6 года", 19.2, True),
        ("2.9 yıl medyan takip süresinde OS %70 idi.", "2.9 yıl", 34.8, True),
        ("追跡期間中央値54.9ヵ月における5年PFSは40%であった。", "54.9ヵ月", 54.9, True),
        ("Mit einer medianen Nachbeobachtung von 24 Monaten lag das PFS bei 60%.", "24 Monaten", 24.0, True),
        ("After a follow-up of at least 12 months, CR was 80%.", "12 months", 12.0, False),
        # the median after the number is the outcome's, not the follow-up's
        ("最短追跡期間9.1カ月での無増悪生存期間中央値は10.3カ月であった。", "9.1カ月", 9.1, False),
    ],
)
def test_a_stated_follow_up_is_found_in_months(sentence, stated, months, median):
    found = follow_ups(sentence)
    assert [(sentence[f.start : f.end], f.months, f.median) for f in found][:1] == [(stated, months, median)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Median OS was 12.4 months.",
        "A 6-month follow-up showed a median OS of 8.4 months.",  # the outcome's time, not the follow-up
        "患者随访至2020年12月。",  # a date
    ],
)
def test_outcome_times_and_dates_are_not_follow_ups(sentence):
    assert follow_ups(sentence) == []


def _records(home) -> list[dict]:
    exported = run_kb(home, "export", "outcomes", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    return [json.loads(line) for line in exported.stdout.splitlines()]


def test_the_corpus_studies_carry_their_stated_follow_up_with_its_words(corpus_home):
    records = _records(corpus_home)
    sources = {p.name: p.read_text(encoding="utf-8") for p in PAPERS.glob("*.txt")}
    with_follow_up = [r for r in records if r["study"].get("follow_up")]
    assert len(with_follow_up) > 20
    for record in with_follow_up:
        evidence = record["study"]["follow_up"]["evidence"]
        assert (
            sources[record["paper"]["file"]][evidence["char_start"] : evidence["char_end"]]
            == evidence["text"]
        )
    # the Turkish review's COG trial: "2.9 yıl medyan takip"; the Russian paper's own cohort: 1,6 years
    follow_up = {
        (r["paper"]["language"], r["study"]["label"]): r["study"]["follow_up"] for r in with_follow_up
    }
    cog = next(v for (language, label), v in follow_up.items() if language == "tr" and "COG" in label and v)
    assert (cog["months"], cog["median"], cog["evidence"]["text"]) == (34.8, True, "2.9 yıl")
    own = next(
        v
        for (language, _), v in follow_up.items()
        if language == "ru" and v["evidence"]["text"] == "1,6 года"
    )
    assert (own["months"], own["median"]) == (19.2, True)
    # every record of a study has the study's one follow-up
    by_study: dict[str, set[str]] = {}
    for record in records:
        by_study.setdefault(record["study"]["id"], set()).add(json.dumps(record["study"].get("follow_up")))
    assert all(len(values) == 1 for values in by_study.values())


def test_the_graph_holds_the_follow_up_and_comparison_rows_show_it(corpus_home):
    query = (
        "PREFIX hk: <https://w3id.org/hemekb/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"
        " SELECT ?label ?months ?median ?text WHERE { GRAPH ?g { ?s hk:followUpMonths ?months ;"
        " hk:followUpIsMedian ?median ; rdfs:label ?label ; hk:followUpEvidence/hk:text ?text } }"
    )
    with open_store(Settings(home=corpus_home), writable=False) as store:
        rows = [{k: str(v.value) for k, v in row.items()} for row in store.query(query)]  # type: ignore[union-attr]
    assert any(r["text"] == "2.9 yıl" and r["months"] == "34.8" and r["median"] == "true" for r in rows)
    table = run_kb(corpus_home, "export", "compare", "--layout", "comparisons", "--format", "csv")
    assert table.returncode == 0, table.stderr
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert "follow-up" in rows[0]
    assert {r["follow-up"] for r in rows if "COG" in r["study"]} == {"median 34.8 mo"}
