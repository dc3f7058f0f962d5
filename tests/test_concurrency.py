"""Reads during an ingest: a live `kb serve` answers /outcomes, /papers/{id}, /search and /sparql
from several threads while `kb ingest` replaces three papers and adds four, and every answer shows
each paper whole: as it was before the ingest or as it is after, never in between.

The knowledge base starts with shortened versions of three corpus papers (tests/paper_versions.py)
and one paper as it is; the ingest adds the fifth paper and three copies of the fourth under new
names. Both versions of every paper are read from the server before and after the ingest (record
ids and records, the number of results, the text), and every answer collected meanwhile is checked
against them:

- /papers/{id}: its number of results, records and text are the old or the new ones (a paper
  not yet added: 404);
- /outcomes?paper=ID and /outcomes: each paper's set of records is the old or the new one, whole;
- /sparql: each paper graph's number of results is the old or the new one;
- /search: each hit's record is the old or the new version of that record, and a passage's text is
  the old or the new text of its paper at its offsets.

A thread of the test process also searches through the library with one pinned snapshot of the
graph (pausing up to PINNED_PAUSE between pinning and searching, as a slow request would), and
checks that every hit's paper exists in that very snapshot with the text and records the hit shows
(the server's answers carry no snapshot to check this against).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ingest.readers import read_text
from kb.evidence.queries import paper_rows
from kb.model.rdf_mapping import triples_to_records
from kb.search import Searcher
from kb.settings import Settings
from kb.store import open_store
from kb.store.texts import load_text
from tests.conftest import REPO, LiveServer, extractor_ready, kb_env, run_kb
from tests.paper_versions import corpus_files, shortened_corpus

REPLACED = [path.name for path in corpus_files()[:3]]
UNCHANGED = [corpus_files()[3].name]
# The fifth paper, and copies of the smallest one under new names: each added paper is a chance
# for a reader to meet its index rows before its graph.
COPIES = [f"{corpus_files()[3].stem}-copy{n}.txt" for n in range(1, 4)]
ADDED = [corpus_files()[4].stem, *(Path(name).stem for name in COPIES)]
PINNED_PAUSE = 0.3  # the most the pinned reader waits between pinning and searching, seconds
QUERIES = ["complete remission CD19", "overall survival", "блинатумомаб", "白血病 再発", "MRD negative"]
COUNT_PER_GRAPH = (
    "PREFIX hk: <https://w3id.org/hemekb/ontology#>\n"
    "SELECT ?g (COUNT(DISTINCT ?r) AS ?n) WHERE { GRAPH ?g { ?r hk:reportedIn ?paper } } GROUP BY ?g"
)
MIN_ANSWERS = 5  # of each kind while the ingest ran: fewer would not test much


@dataclass
class Version:
    """One paper as the server shows it at one moment."""

    results: int
    records: dict[str, dict]  # record id -> record as JSON
    text: str


@dataclass
class Answers:
    lock: threading.Lock = field(default_factory=threading.Lock)
    collected: list[tuple[str, str, int, object]] = field(default_factory=list)  # (kind, url, status, body)
    problems: list[str] = field(default_factory=list)
    slowest: dict[str, float] = field(default_factory=dict)  # kind -> longest answer time, seconds

    def timed(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.slowest[kind] = max(self.slowest.get(kind, 0.0), seconds)

    def add(self, kind: str, url: str, status: int, body: object) -> None:
        with self.lock:
            self.collected.append((kind, url, status, body))

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


def versions_on(client: httpx.Client, texts: dict[str, str]) -> dict[str, Version]:
    """Every paper the server shows now, with its records and text."""
    papers = client.get("/papers").json()["results"]
    out = {}
    for paper in papers:
        page = client.get("/outcomes", params={"paper": paper["id"], "limit": 500}).json()
        records = {record["id"]: record for record in page["results"]}
        assert page["total"] == len(records) == paper["results"]
        out[paper["id"]] = Version(paper["results"], records, texts[paper["id"]])
    return out


def texts_of(folder: Path) -> dict[str, str]:
    return {path.stem: read_text(path).text for path in sorted(folder.glob("*.txt"))}


def http_reader(
    base_url: str, paper_ids: list[str], answers: Answers, stop: threading.Event, kind: str
) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        turn = 0
        while not stop.is_set():
            turn += 1
            paper_id = paper_ids[turn % len(paper_ids)]
            try:
                if kind == "paper":
                    url, params = f"/papers/{paper_id}", {}
                elif kind == "outcomes":
                    url, params = (
                        "/outcomes",
                        {"paper": paper_id, "limit": 500} if turn % 2 else {"limit": 500},
                    )
                elif kind == "search":
                    url, params = "/search", {"q": QUERIES[turn % len(QUERIES)], "k": 20}
                else:
                    url, params = "/sparql", {"query": COUNT_PER_GRAPH}
                headers = {"Accept": "application/sparql-results+json"} if kind == "sparql" else {}
                asked = time.monotonic()
                response = client.get(url, params=params, headers=headers)
                answers.timed(kind, time.monotonic() - asked)
                body = response.json() if response.headers.get("content-type", "").find("json") >= 0 else None
                answers.add(kind, str(response.url), response.status_code, body)
            except httpx.HTTPError as exc:
                answers.problem(f"{kind}: {type(exc).__name__}: {exc}")


def new_content_queries(texts_old: dict[str, str], texts_new: dict[str, str]) -> list[str]:
    """A line of every added paper and of the part of every replaced paper its old version lacks,
    so that the pinned reader's hits are mostly of papers the ingest changes."""
    queries = []
    for paper_id, text in sorted(texts_new.items()):
        start = len(texts_old[paper_id]) if paper_id in texts_old else 0
        if texts_old.get(paper_id) == text:
            continue
        lines = [line.strip() for line in text[start:].splitlines() if len(line.strip()) >= 20]
        queries.append(lines[len(lines) // 2][:200])
    return queries


def pinned_searcher(settings: Settings, queries: list[str], answers: Answers, stop: threading.Event) -> None:
    """Search through the library with a pinned snapshot; every hit's paper must be in that snapshot."""
    searcher = Searcher(settings)
    reader = open_store(settings, writable=False)
    try:
        turn = 0
        while not stop.is_set():
            turn += 1
            snapshot = reader.pinned()
            papers = {row.id: row for row in paper_rows(snapshot)}
            time.sleep(random.uniform(0, PINNED_PAUSE))  # a request that takes its time: ingest goes on
            results = searcher.search(snapshot, queries[turn % len(queries)], k=20)
            answers.add("pinned", "library search", 200, len(results.results))
            for hit in results.results:
                row = papers.get(hit.paper.id)
                if row is None:
                    answers.problem(
                        f"pinned search: hit of paper {hit.paper.id}, not in the snapshot searched"
                    )
                    continue
                text = load_text(settings, row.sha256) if row.sha256 else None
                if text is None or text[hit.char_start : hit.char_end] != hit.text:
                    answers.problem(f"pinned search: hit text of {hit.paper.id} is not the snapshot's text")
                if hit.record is not None:
                    records = {r.id: r for r in triples_to_records(snapshot.paper_triples(hit.paper.id))}
                    if records.get(hit.record.id) != hit.record:
                        answers.problem(f"pinned search: record {hit.record.id} is not the snapshot's")
    finally:
        searcher.close()
        reader.close()


def check(
    answer: tuple[str, str, int, object], old: dict[str, Version], new: dict[str, Version]
) -> list[str]:
    """What is wrong with one answer (nothing: [])."""
    kind, url, status, body = answer
    where = f"{kind} {url}"
    if kind == "pinned":
        return []
    if status == 404 and kind == "paper" and url.rsplit("/", 1)[-1] in ADDED:
        return []  # not added yet
    if status == 400 and kind == "outcomes" and any(f"paper={paper_id}" in url for paper_id in ADDED):
        return []  # an unknown paper is refused until it is added
    if status != 200 or not isinstance(body, dict):
        return [f"{where}: status {status}: {str(body)[:300]}"]
    versions = lambda paper_id: [v for v in (old.get(paper_id), new.get(paper_id)) if v is not None]  # noqa: E731
    problems = []
    if kind == "paper":  # summary, records and text must all be one version's
        paper_id, ids = body["paper"]["id"], {record["id"] for record in body["results"]}
        shown = (body["paper"]["results"], ids, body["text"])
        if shown not in [(v.results, set(v.records), v.text) for v in versions(paper_id)]:
            problems.append(f"{where}: {shown[0]} results, {len(ids)} records: neither version whole")
    elif kind == "outcomes":
        by_paper: dict[str, set[str]] = {}
        for record in body["results"]:
            by_paper.setdefault(record["paper"]["id"], set()).add(record["id"])
        if body["total"] != len(body["results"]):
            problems.append(f"{where}: total {body['total']} but {len(body['results'])} records")
        for paper_id, ids in by_paper.items():
            if ids not in [set(v.records) for v in versions(paper_id)]:
                problems.append(f"{where}: paper {paper_id} with {len(ids)} records, neither version whole")
    elif kind == "sparql":
        for binding in body["results"]["bindings"]:
            paper_id = binding["g"]["value"].rsplit("/", 1)[-1]
            count = int(binding["n"]["value"])
            if count not in {v.results for v in versions(paper_id)}:
                problems.append(f"{where}: graph of {paper_id} has {count} results, neither version's count")
    elif kind == "search":
        for hit in body["results"]:
            paper_id = hit["paper"]["id"]
            if not versions(paper_id):
                problems.append(f"{where}: hit of unknown paper {paper_id}")
            elif hit["record"] is not None:
                if hit["record"] not in [v.records.get(hit["record"]["id"]) for v in versions(paper_id)]:
                    problems.append(f"{where}: record {hit['record']['id']} is neither version's")
            elif hit["text"] not in [v.text[hit["char_start"] : hit["char_end"]] for v in versions(paper_id)]:
                problems.append(f"{where}: passage of {paper_id} is neither version's text at its offsets")
    return problems


def test_reads_during_an_ingest_see_every_paper_whole(tmp_path: Path):
    extractor_ready()
    old_corpus = shortened_corpus(tmp_path / "old", REPLACED, full=UNCHANGED)
    home = tmp_path / "kb"
    first = run_kb(home, "ingest", str(old_corpus))
    assert first.returncode == 0, first.stderr
    new_corpus = tmp_path / "new"
    new_corpus.mkdir()
    for source in corpus_files():
        shutil.copy2(source, new_corpus / source.name)
    for name in COPIES:
        shutil.copy2(corpus_files()[3], new_corpus / name)
    texts_old, texts_new = texts_of(old_corpus), texts_of(new_corpus)
    settings = Settings(home=home)

    server = LiveServer(home)
    answers = Answers()
    stop = threading.Event()
    try:
        old = versions_on(server.client, texts_old)
        assert sorted(old) == sorted(Path(name).stem for name in REPLACED + UNCHANGED)
        paper_ids = [*sorted(old), *ADDED]
        # The first search loads the server's model: not a read that should race the ingest's start.
        assert server.client.get("/search", params={"q": "warm-up"}, timeout=300).status_code == 200
        threads = [
            threading.Thread(target=http_reader, args=(server.url, paper_ids, answers, stop, kind), name=kind)
            for kind in ("paper", "outcomes", "search", "sparql", "outcomes")
        ]
        threads.append(
            threading.Thread(
                target=pinned_searcher,
                args=(settings, new_content_queries(texts_old, texts_new), answers, stop),
                name="pinned",
            )
        )
        for thread in threads:
            thread.start()
        ingest = subprocess.Popen(
            [sys.executable, "-m", "kb", "ingest", str(new_corpus)],
            cwd=REPO,
            env=kb_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started = len(answers.collected)
        _, err = ingest.communicate(timeout=900)
        during = Counter(kind for kind, *_ in answers.collected[started:])
        time.sleep(1)  # a few answers after the last write too
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        assert ingest.returncode == 0, err
        new = versions_on(server.client, texts_new)
    finally:
        stop.set()
        server.stop()

    assert sorted(new) == sorted(path.stem for path in new_corpus.glob("*.txt"))
    for paper_id in (Path(name).stem for name in REPLACED):
        assert old[paper_id].results != new[paper_id].results, "a replaced paper kept its number of results"
    for kind in ("paper", "outcomes", "search", "sparql", "pinned"):
        assert during[kind] >= MIN_ANSWERS, (
            f"only {during[kind]} {kind} answers while the ingest ran: {during}"
        )
    problems = list(answers.problems)
    for answer in answers.collected:
        problems.extend(check(answer, old, new))
    slowest = ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in sorted(answers.slowest.items()))
    assert not problems, (
        f"{len(problems)} problems in {len(answers.collected)} answers (slowest: {slowest}):\n"
        + "\n".join(problems[:20])
    )
