"""The endpoint's typical queries on the embedded store (Oxigraph on disk) and in rdflib's in-memory
store, in one run, as a ratio: on the corpus and on a synthetic graph of at least a million triples.

    .venv/bin/python bench/sparql_bench.py                       # corpus from data/papers + 1M synthetic
    .venv/bin/python bench/sparql_bench.py --corpus-home data/kb --triples 1000000

Each side produces what /sparql would send: the query's answer serialized as SPARQL JSON (or Turtle
for a graph). The embedded side is `kb.sparql.worker.answer` on an `OxigraphStore` over a published
snapshot, exactly what a worker process runs; the rdflib side is `Dataset(default_union=True).query`
and `Result.serialize`. Both see the same quads (one named graph per paper; the default graph is the
union). Load rates are reported for the store's bulk loader, for the ingest path (one SPARQL update
per paper graph, with a snapshot published after each) and for rdflib's N-Quads parser.

Writes bench/results/sparql_bench.md and bench/results/sparql_bench.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pyoxigraph  # noqa: E402
import rdflib  # noqa: E402
from pyoxigraph import Quad, RdfFormat, serialize  # noqa: E402

from kb.model.rdf_mapping import Minter, PaperMeta, RunInfo, records_to_triples  # noqa: E402
from kb.model.records import ConceptRef, OutcomeRecord, Span, StudyRef  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.sparql.pool import Job  # noqa: E402
from kb.sparql.worker import answer  # noqa: E402
from kb.store import Dataset, OxigraphStore, open_store  # noqa: E402

RESULTS = REPO / "bench" / "results"
EXAMPLES = REPO / "kb" / "sparql_examples"
HK = "https://w3id.org/hemekb/ontology#"

# The endpoint's typical queries: the documented examples, and what /outcomes, /void and
# /resource send.
EXTRA_QUERIES = {
    "results_per_paper_graph": """
SELECT ?g (COUNT(?r) AS ?results) WHERE { GRAPH ?g { ?r a <https://w3id.org/hemekb/ontology#OutcomeResult> } }
GROUP BY ?g ORDER BY DESC(?results) LIMIT 20""",
    "outcomes_filter_cd19_relapsed": """
PREFIX hk: <https://w3id.org/hemekb/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?g ?id ?file ?start WHERE { GRAPH ?g {
  ?r a hk:OutcomeResult ; dcterms:identifier ?id ; hk:reportedIn ?paper ; hk:evidence ?ev .
  ?paper hk:fileName ?file . ?ev hk:charStart ?start .
  ?r hk:antigen ?antigen . ?antigen rdfs:label ?label . FILTER(LCASE(?label) = "cd19")
  ?r hk:lineOfTherapy ?line . FILTER(CONTAINS(LCASE(?line), "relapsed"))
} } ORDER BY ?file ?start ?id LIMIT 50""",
    "describe_a_study": "DESCRIBE <{study}>",
}


# ------------------------------------------------------------------------------------------ data


def synthetic_records(
    papers: int, per_paper: int, seed: int = 7
) -> list[tuple[PaperMeta, list[OutcomeRecord]]]:
    """Papers shaped like the corpus: studies with NCT ids, arms, comparisons, CIs, p-values, mentions."""
    rng = random.Random(seed)
    antigens = ["CD19", "CD22", "CD3", "CD38", "BCMA", "SLAMF7", "PD-1", "CD33", "CD123", "GPRC5D"]
    drugs = [f"drug-{i}" for i in range(60)]
    diseases = [f"disease-{i}" for i in range(25)]
    lines = ["relapsed/refractory", "first line", "maintenance", "consolidation", "first relapse", None]
    endpoints = ["OS", "EFS", "PFS", "CR", "ORR", "MRD_NEG", "RELAPSE", "NRM", "CRS", "AE", "DOR", "LFS"]
    out = []
    for p in range(papers):
        paper = PaperMeta(
            id=f"syn{p:05d}", file=f"syn{p:05d}.txt", sha256=f"{p:064x}", title=f"Paper {p}", language="en"
        )
        studies = [
            StudyRef(
                id=f"study-{rng.randrange(papers * 2)}",
                label=f"TRIAL-{p}-{s}",
                registry_ids=[f"NCT{rng.randrange(10**7, 10**8):08d}"],
                is_primary=s == 0,
                design=rng.choice(["randomized phase III", "phase II", "retrospective cohort"]),
            )
            for s in range(3)
        ]
        studies = list({s.id: s for s in studies}.values())
        records = []
        for r in range(per_paper):
            study = rng.choice(studies)
            drug = rng.choice(drugs)
            start = r * 120
            text = (
                f"Result {r}: {rng.random() * 100:.1f}% (95% CI {rng.random() * 40:.1f}-{rng.random():.2f})"
            )
            low = round(rng.random() * 40, 1)
            records.append(
                OutcomeRecord(
                    id=f"{paper.id}/r{r}",
                    paper=paper.ref(),
                    study=study,
                    arm=rng.choice([None, drug, "control"]),
                    interventions=[ConceptRef(id=drug, label=drug.replace("-", " "))],
                    antigens=rng.sample(antigens, rng.randrange(0, 3)),
                    disease=(lambda d: ConceptRef(id=d, label=d.replace("-", " ")))(rng.choice(diseases)),
                    line_of_therapy=rng.choice(lines),
                    population=rng.choice(["adult", "pediatric", None]),
                    endpoint=rng.choice(endpoints),
                    statistic="rate",
                    time_months=rng.choice([None, 12.0, 24.0, 36.0]),
                    value=round(rng.random() * 100, 1),
                    unit="%",
                    ci_low=low if r % 3 == 0 else None,
                    ci_high=round(low + rng.random() * 50, 1) if r % 3 == 0 else None,
                    ci_level=0.95 if r % 3 == 0 else None,
                    n=rng.randrange(10, 500),
                    count=rng.randrange(0, 10),
                    p_value=round(rng.random() / 10, 4) if r % 2 == 0 else None,
                    p_operator="=" if r % 2 == 0 else None,
                    hazard_ratio=round(rng.random() * 2, 2) if r % 5 == 0 else None,
                    comparison=f"c{r // 2}" if r % 4 < 2 else None,
                    evidence=Span(text=text, char_start=start, char_end=start + len(text)),
                    mentions=[Span(text=text[:20], char_start=start, char_end=start + 20)],
                )
            )
        out.append((paper, records))
    return out


def graphs_of(papers: list[tuple[PaperMeta, list[OutcomeRecord]]], base: str) -> dict[str, list]:
    run = RunInfo("bench", datetime(2026, 1, 1, tzinfo=UTC), "0" * 64)
    return {paper.id: records_to_triples(base, paper, records, run) for paper, records in papers}


def nquads(graphs: dict[str, list], base: str) -> bytes:
    minter = Minter(base)
    quads = (
        Quad(t.subject, t.predicate, t.object, minter.graph(paper_id))
        for paper_id, triples in graphs.items()
        for t in triples
    )
    return serialize(quads, format=RdfFormat.N_QUADS)


# ------------------------------------------------------------------------------------------ timing


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median seconds of `repeat` runs (after one warm-up run), and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def queries_for(graphs: dict[str, list]) -> dict[str, str]:
    queries = {path.stem: path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.glob("*.rq"))}
    study = next(
        t.subject.value
        for triples in graphs.values()
        for t in triples
        if t.predicate.value.endswith("#type") and t.object.value == HK + "Study"
    )
    for name, text in EXTRA_QUERIES.items():
        queries[name] = text.replace("{study}", study)
    return queries


def _rdflib_worker(conn, path: str) -> None:  # type: ignore[no-untyped-def]
    """rdflib's side, in its own process so that a query past the cap can be stopped (killed)."""
    started = time.perf_counter()
    memory = rdflib.Dataset(default_union=True)
    memory.parse(path, format="nquads")
    conn.send(time.perf_counter() - started)
    while True:
        try:
            query = conn.recv()
        except EOFError:
            return
        gc.collect()
        started = time.perf_counter()
        result = memory.query(query)
        if result.type in ("SELECT", "ASK"):
            body: bytes = result.serialize(format="json")
        else:
            body = result.graph.serialize(format="turtle").encode()
        conn.send((time.perf_counter() - started, _count(body)))


class RdflibSide:
    """An rdflib Dataset (default graph = union) in a worker process; `run` gives (seconds, results),
    or None when the query ran past `cap` seconds (the process is then killed and started again)."""

    def __init__(self, path: Path, cap: float) -> None:
        self.path, self.cap = path, cap
        self.load_s = self._start()

    def _start(self) -> float:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_rdflib_worker, args=(child, str(self.path)), daemon=True)
        self.process.start()
        child.close()
        return self.conn.recv()

    def run(self, query: str) -> tuple[float, int] | None:
        self.conn.send(query)
        if self.conn.poll(self.cap):
            return self.conn.recv()
        self.process.kill()
        self.process.join()
        self._start()
        return None

    def close(self) -> None:
        self.process.kill()
        self.process.join()


def run_side_by_side(
    label: str,
    home: Path,
    work: Path,
    data: bytes,
    triples: int,
    queries: dict[str, str],
    repeat: int,
    cap: float,
) -> dict:
    settings = Settings(home=home)
    store = open_store(settings, writable=False)
    assert isinstance(store, OxigraphStore)
    dump = work / f"{label}.nq"
    dump.write_bytes(data)
    rdflib_side = RdflibSide(dump, cap)
    print(f"[{label}] rdflib parsed {triples} quads in {rdflib_side.load_s:.1f} s", flush=True)
    # rdflib takes minutes per query on a large graph: one timed run there, after no warm-up.
    rdflib_repeat = repeat if triples < 100_000 else 1

    rows = []
    for name, query in queries.items():
        job = Job(query=query, dataset=Dataset(), format_param=None, accept=None, max_results=10**9)
        oxi_time, oxi_answer = timed(lambda job=job: answer(store, job), repeat)
        runs = []
        for _ in range(rdflib_repeat):
            outcome = rdflib_side.run(query)
            if outcome is None:
                break
            runs.append(outcome)
        capped = len(runs) < rdflib_repeat
        rdf_time = cap if capped else statistics.median(t for t, _ in runs)
        rdf_rows = runs[-1][1] if runs else None
        rows.append(
            {
                "query": name,
                "oxigraph_s": oxi_time,
                "rdflib_s": rdf_time,
                "rdflib_capped": capped,
                "ratio": rdf_time / oxi_time if oxi_time > 0 else float("inf"),
                "results": oxi_answer.results,
                "rdflib_results": rdf_rows,
            }
        )
        bound = ">=" if capped else "  "
        print(
            f"[{label}] {name:32s} oxigraph {oxi_time * 1000:9.1f} ms"
            f"  rdflib {bound}{rdf_time * 1000:10.1f} ms"
            f"  x{bound}{rdf_time / oxi_time:7.1f}  ({oxi_answer.results} / {rdf_rows} results)",
            flush=True,
        )
    store.close()
    rdflib_side.close()
    ratios = [row["ratio"] for row in rows]
    return {
        "label": label,
        "triples": triples,
        "rdflib_load_s": rdflib_side.load_s,
        "rdflib_load_rate": triples / rdflib_side.load_s,
        "rdflib_cap_s": cap,
        "queries": rows,
        "geometric_mean_ratio": statistics.geometric_mean(ratios),
        "total_ratio": sum(r["rdflib_s"] for r in rows) / sum(r["oxigraph_s"] for r in rows),
        "min_ratio": min(ratios),
        "any_capped": any(r["rdflib_capped"] for r in rows),
    }


def _count(serialized: object) -> int:
    if isinstance(serialized, bytes | str):
        text = serialized.decode() if isinstance(serialized, bytes) else serialized
        if text.lstrip().startswith("{"):
            body = json.loads(text)
            return len(body["results"]["bindings"]) if "results" in body else 1
        return len(rdflib.Graph().parse(data=text, format="turtle"))
    return -1


# ------------------------------------------------------------------------------------------ main


def load_embedded(home: Path, graphs: dict[str, list], data: bytes, via_ingest: bool) -> dict:
    """Load into an Oxigraph store under `home` (so readers see a published snapshot); rates."""
    settings = Settings(home=home)
    triples = sum(len(t) for t in graphs.values())
    out: dict[str, float] = {}
    if via_ingest:
        started = time.perf_counter()
        with open_store(settings, writable=True) as store:
            for paper_id, paper_triples in graphs.items():
                store.replace_paper_graph(paper_id, paper_triples)
        seconds = time.perf_counter() - started
        out["ingest_path_s"] = seconds
        out["ingest_path_rate"] = triples / seconds
    else:
        # The bulk loader, then a published snapshot like the writer makes.
        primary = settings.graph_dir / "primary"
        primary.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        raw = pyoxigraph.Store(str(primary))
        raw.bulk_load(data, format=RdfFormat.N_QUADS)
        raw.flush()
        seconds = time.perf_counter() - started
        del raw
        gc.collect()
        with open_store(settings, writable=True):
            pass  # opening the writer publishes the snapshot readers open
        out["bulk_load_s"] = seconds
        out["bulk_load_rate"] = triples / seconds
    return out


def corpus_graphs(home: Path | None, work: Path) -> tuple[dict[str, list], Path]:
    """The corpus's paper graphs: from an existing KB_HOME, or ingested from data/papers now."""
    if home is None:
        from ingest.ingestion import IngestingKnowledgeBase

        home = work / "corpus"
        report = IngestingKnowledgeBase(Settings(home=home)).ingest_paths([REPO / "data" / "papers"])
        if not report.ok:
            raise SystemExit("corpus ingest failed: " + "; ".join(p.line() for p in report.failed))
    with open_store(Settings(home=home), writable=False) as store:
        view = store.pinned()
        return {paper_id: view.paper_triples(paper_id) for paper_id in view.paper_ids()}, home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--triples", type=int, default=1_000_000, help="size of the synthetic graph (at least)"
    )
    parser.add_argument(
        "--corpus-home", type=Path, default=None, help="an existing KB_HOME holding the corpus"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (median)")
    parser.add_argument(
        "--rdflib-cap", type=float, default=300, help="seconds an rdflib query may run (then: a lower bound)"
    )
    parser.add_argument(
        "--skip-ingest-path", action="store_true", help="do not time the one-update-per-paper load"
    )
    args = parser.parse_args()
    base = Settings().base_iri
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "pyoxigraph": pyoxigraph.__version__,
        "rdflib": rdflib.__version__,
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="hemekb-bench-") as tmp:
        work = Path(tmp)

        graphs, corpus_home = corpus_graphs(args.corpus_home, work)
        corpus_triples = sum(len(t) for t in graphs.values())
        data = nquads(graphs, base)
        print(f"corpus: {len(graphs)} papers, {corpus_triples} triples", flush=True)
        run = run_side_by_side(
            "corpus",
            corpus_home,
            work,
            data,
            corpus_triples,
            queries_for(graphs),
            args.repeat,
            args.rdflib_cap,
        )
        report["runs"].append(run)

        per_paper = 30
        sample = graphs_of(synthetic_records(1, per_paper), base)
        per_triple = sum(len(t) for t in sample.values()) / per_paper
        papers = int(args.triples / (per_triple * per_paper)) + 1
        started = time.perf_counter()
        graphs = graphs_of(synthetic_records(papers, per_paper), base)
        triples = sum(len(t) for t in graphs.values())
        data = nquads(graphs, base)
        print(
            f"synthetic: {papers} papers, {triples} triples, made in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        home = work / "synthetic"
        loads = load_embedded(home, graphs, data, via_ingest=False)
        if not args.skip_ingest_path:
            loads.update(load_embedded(work / "synthetic-ingest", graphs, data, via_ingest=True))
        print(f"synthetic loads: {loads}", flush=True)
        run = run_side_by_side(
            "synthetic", home, work, data, triples, queries_for(graphs), args.repeat, args.rdflib_cap
        )
        run["loads"] = loads
        report["runs"].append(run)

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sparql_bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "sparql_bench.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


def markdown(report: dict) -> str:
    lines = [
        "# SPARQL benchmark: embedded Oxigraph vs rdflib in memory",
        "",
        f"Run {report['date']} on {report['machine']} (2 cores), pyoxigraph {report['pyoxigraph']},"
        f" rdflib {report['rdflib']}, by `bench/sparql_bench.py`. Times are medians of the answer as"
        " /sparql sends it (query + serialization); ratio = rdflib time / Oxigraph time.",
        "",
    ]
    for run in report["runs"]:
        lines += [
            f"## {run['label']}: {run['triples']:,} triples",
            "",
            "| query | results | Oxigraph (ms) | rdflib (ms) | ratio |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for row in run["queries"]:
            bound = "≥ " if row.get("rdflib_capped") else ""
            lines.append(
                f"| {row['query']} | {row['results']} | {row['oxigraph_s'] * 1000:.1f} |"
                f" {bound}{row['rdflib_s'] * 1000:.1f} | {bound}{row['ratio']:.1f}x |"
            )
        lines += [
            "",
            f"Geometric mean ratio **{run['geometric_mean_ratio']:.1f}x**, total time ratio"
            f" {run['total_ratio']:.1f}x, smallest ratio {run['min_ratio']:.1f}x."
            + (
                f" (≥: rdflib was stopped at the {run['rdflib_cap_s']:.0f} s cap;"
                " those ratios are lower bounds.)"
                if run.get("any_capped")
                else ""
            ),
            "",
            f"rdflib loads N-Quads at {run['rdflib_load_rate']:,.0f} triples/s"
            f" ({run['rdflib_load_s']:.1f} s).",
        ]
        loads = run.get("loads", {})
        if "bulk_load_rate" in loads:
            lines.append(
                f"Oxigraph's bulk loader: {loads['bulk_load_rate']:,.0f} triples/s"
                f" ({loads['bulk_load_s']:.1f} s)."
            )
        if "ingest_path_rate" in loads:
            lines.append(
                "The ingest path (one SPARQL update per paper graph, a snapshot published after each):"
                f" {loads['ingest_path_rate']:,.0f} triples/s ({loads['ingest_path_s']:.1f} s)."
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
