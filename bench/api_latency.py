"""Latency of each read endpoint, one client at a time, against named baselines measured in the same run.

    .venv/bin/python bench/api_latency.py --home KB_HOME [--rounds 20] [--json OUT.json]

Serves KB_HOME with `kb serve` on loopback (bench/load_test.py's Server) and sends the load test's
request templates one after another: the first answer of each endpoint after the server starts
(cold: nothing converted or cached yet), then `--rounds` warm rounds: p50 / p95 per endpoint. The
server runs with the answer cache off (KB_RESPONSE_CACHE_BYTES=0), so a warm answer is computed
from loaded data, not replayed; /sparql keeps its answers per snapshot whatever that setting. GET
/health is the floor of any answer (HTTP, routing, counts kept per data version).

Baselines, in this process, on the same data:

- records (/outcomes, /compare, /studies, /papers, /concepts): a plain `json.loads` of every record
  (the JSON Lines `kb export outcomes` writes, held in memory), a Python predicate for the filters,
  a sort and a page of 50: what the endpoint would cost with no store at all;
- /search: the same query embedding plus a brute-force numpy scan of every stored vector and a
  top-k: vector search with no index, no BM25, no fusion and no record look-up;
- /sparql: rdflib's in-memory Dataset answering the same SELECT (bench/sparql_bench.py's
  side-by-side run, called on this knowledge base), ratio against Oxigraph as a /sparql worker runs it.

ratio = endpoint time / baseline time (below 1: the endpoint is faster than the baseline).
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from load_test import OUTCOME_FILTERS, SPARQL_EXAMPLES, Server, Template, templates_for  # noqa: E402

RDFLIB_CAP_S = 60.0  # an rdflib query running longer is stopped and counted at this time
RECORD_ENDPOINTS = ("/outcomes", "/compare", "/studies", "/papers", "/concepts")


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# ---------------------------------------------------------------------------------- HTTP


def http_latencies(url: str, rounds: int) -> dict[str, dict[str, Any]]:
    """Per endpoint: cold (first answer) ms, warm p50 / p95 ms, requests; any non-200 is an error."""
    with httpx.Client(base_url=url, timeout=120) as client:
        paths = set(client.get("/openapi.json").json().get("paths", {}))
        templates, notes = templates_for(paths)
        templates = {"/health": [Template("/health", {})], **templates}
        out: dict[str, dict[str, Any]] = {}
        errors: list[str] = []

        def send(template: Template) -> float:
            started = time.perf_counter()
            response = client.get(template.endpoint, params=template.params, headers=template.headers)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                errors.append(f"{template.label}: {response.status_code} {response.text[:150]}")
            return elapsed

        for endpoint, items in templates.items():
            out[endpoint] = {"cold_ms": max(send(t) for t in items), "warm": []}
        for _ in range(rounds):
            for endpoint, items in templates.items():
                out[endpoint]["warm"].extend(send(t) for t in items)
        for row in out.values():
            warm = row.pop("warm")
            row.update(requests=len(warm), p50_ms=percentile(warm, 50), p95_ms=percentile(warm, 95))
        out["_notes"] = {"notes": notes, "errors": errors}
        return out


# ---------------------------------------------------------------------------------- baselines


def _matches(record: dict[str, Any], filters: dict[str, str]) -> bool:
    """A plain-Python reading of the /outcomes filters over one parsed record."""
    for name, value in filters.items():
        wanted = value.lower()
        if name in ("sort", "limit", "offset"):
            continue
        if name == "antigen":
            ok = wanted in (a.lower() for a in record["antigens"])
        elif name == "endpoint":
            ok = record["endpoint"].lower() == wanted
        elif name == "language":
            ok = (record["paper"].get("language") or "").lower() == wanted
        elif name == "disease":
            disease = record.get("disease") or {}
            ok = wanted in (disease.get("id", "").lower(), disease.get("label", "").lower())
        elif name == "intervention":
            ok = any(wanted in (c["id"].lower(), c["label"].lower()) for c in record["interventions"])
        elif name == "line":
            ok = wanted in (record.get("line_of_therapy") or "").lower()
        else:  # drug_class and the rest: the value anywhere in the record
            ok = wanted in json.dumps(record, ensure_ascii=False).lower()
        if not ok:
            return False
    return True


def record_baseline(lines: list[str], repeat: int) -> float:
    """Median ms of json.loads of every record + filter + sort + page, over the /outcomes filters."""

    def one(filters: dict[str, str]) -> list[dict[str, Any]]:
        records = [json.loads(line) for line in lines]
        found = [r for r in records if _matches(r, filters)]
        found.sort(key=lambda r: (r["paper"]["file"], r["evidence"]["char_start"], r["id"]))
        return found[: int(filters.get("limit", 50))]

    return statistics.median(median_ms(lambda f=f: one(f), repeat) for f in OUTCOME_FILTERS)


def search_baseline(home: Path, queries: Sequence[str], repeat: int) -> dict[str, float]:
    """Median ms of query embedding + numpy brute force over every stored vector, and its parts."""
    from kb.embedding import embedder
    from kb.search.index import SearchIndex, index_path
    from kb.settings import Settings

    settings = Settings(home=home)
    model = embedder(settings.embedding_model)
    index = SearchIndex(index_path(settings), writable=False)
    with index.reading() as db:
        assert db is not None, f"no search index under {home}"
        rows = db.execute("SELECT doc_id, embedding FROM docs_vec").fetchall()
    index.close()
    owners = np.array([r[0] for r in rows])
    matrix = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])

    def brute(vector: np.ndarray, k: int = 10) -> list[int]:
        scores = matrix @ vector
        top = np.argpartition(-scores, min(len(scores) - 1, 20 * k))[: 20 * k]
        top = top[np.argsort(-scores[top])]
        return list(dict.fromkeys(owners[top].tolist()))[:k]

    vectors = model.queries(list(queries))
    embed = statistics.median(median_ms(lambda q=q: model.queries([q]), repeat) for q in queries)
    scan = statistics.median(median_ms(lambda v=v: brute(v), repeat) for v in vectors)
    return {"embed_ms": embed, "scan_ms": scan, "total_ms": embed + scan, "vectors": len(matrix)}


def sparql_baseline(home: Path, queries: dict[str, str], repeat: int) -> dict[str, Any] | None:
    """bench/sparql_bench.py's Oxigraph-vs-rdflib run on this knowledge base, for the load test's queries."""
    import sparql_bench

    from kb.settings import Settings
    from kb.store import open_store

    with open_store(Settings(home=home), writable=False) as store:
        view = store.pinned()
        graphs = {paper_id: view.paper_triples(paper_id) for paper_id in view.paper_ids()}
    triples = sum(len(t) for t in graphs.values())
    data = sparql_bench.nquads(graphs, Settings().base_iri)
    del graphs
    with tempfile.TemporaryDirectory(prefix="hemekb-api-latency-") as work:
        given = {
            "label": home.name,
            "home": home,
            "work": Path(work),
            "data": data,
            "triples": triples,
            "queries": queries,
            "repeat": repeat,
            "cap": RDFLIB_CAP_S,
        }
        # Its signature is its author's: pass what it asks for, by name; its progress goes to stderr.
        wanted = inspect.signature(sparql_bench.run_side_by_side).parameters
        with contextlib.redirect_stdout(sys.stderr):
            return sparql_bench.run_side_by_side(**{k: v for k, v in given.items() if k in wanted})


# ---------------------------------------------------------------------------------- all of it


def measure(home: Path, rounds: int = 20, log: Callable[[str], None] = print) -> dict[str, Any]:
    from kb.service import KnowledgeBase
    from kb.settings import Settings

    result: dict[str, Any] = {"home": str(home)}
    # The answer cache off: a warm request is computed (data and model loaded), not a kept answer.
    with Server(home, env={"KB_RESPONSE_CACHE_BYTES": "0"}) as server:
        result["http"] = http_latencies(server.url, rounds)
    log(f"api latency: HTTP done on {home.name}")

    knowledge_base = KnowledgeBase(Settings(home=home))
    lines = [record.model_dump_json() for record in knowledge_base.export_outcomes()]
    stats = knowledge_base.stats()
    knowledge_base.close()
    result["size"] = {"papers": stats.papers, "records": stats.records, "triples": stats.triples}
    result["baselines"] = {"records_ms": record_baseline(lines, max(3, rounds // 4))}
    searches = [t.params["q"] for t in templates_for({"/search"})[0].get("/search", [])]
    try:
        result["baselines"]["search"] = search_baseline(home, searches, max(3, rounds // 4))
    except Exception as exc:  # the search index belongs to another module: report, do not stop
        result["baselines"]["search_error"] = f"{type(exc).__name__}: {exc}"
    log(f"api latency: record and search baselines done on {home.name}")
    sparql = {
        name: (REPO / "kb" / "sparql_examples" / f"{name}.rq").read_text(encoding="utf-8")
        for name in SPARQL_EXAMPLES
        if (REPO / "kb" / "sparql_examples" / f"{name}.rq").exists()
    }
    try:
        result["baselines"]["sparql"] = sparql_baseline(home, sparql, max(3, rounds // 4))
    except Exception as exc:  # sparql_bench.py belongs to another engineer: report, do not stop
        result["baselines"]["sparql_error"] = f"{type(exc).__name__}: {exc}"
    log(f"api latency: SPARQL baseline done on {home.name}")
    return result


def markdown(result: dict[str, Any]) -> str:
    http, base = result["http"], result["baselines"]
    records_ms = base["records_ms"]
    search = base.get("search")
    lines = [
        "| endpoint | cold ms | warm p50 ms | warm p95 ms | baseline | baseline ms | ratio p50/baseline |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for endpoint, row in http.items():
        if endpoint.startswith("_"):
            continue
        name, ms = "—", None
        if endpoint in RECORD_ENDPOINTS:
            name, ms = "json.loads of all records + filter", records_ms
        elif endpoint == "/search" and search:
            name, ms = f"embed + numpy scan of {search['vectors']:,} vectors", search["total_ms"]
        elif endpoint == "/sparql" and base.get("sparql"):
            rows = base["sparql"]["queries"]
            name, ms = (
                "rdflib in memory (same SELECTs)",
                statistics.median(r["rdflib_s"] * 1000 for r in rows),
            )
        ratio = f"{row['p50_ms'] / ms:.2f}" if ms else "—"
        shown = f"{ms:.1f}" if ms else "—"
        lines.append(
            f"| {endpoint} | {row['cold_ms']:.1f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {name} |"
            f" {shown} | {ratio} |"
        )
    sparql = base.get("sparql")
    if sparql:
        lines += [
            "",
            "SPARQL engine alone (bench/sparql_bench.py `run_side_by_side` on this knowledge base):",
            "",
            "| query | results | Oxigraph ms | rdflib ms | rdflib / Oxigraph |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for row in sparql["queries"]:
            lines.append(
                f"| {row['query']} | {row['results']} | {row['oxigraph_s'] * 1000:.1f} |"
                f" {row['rdflib_s'] * 1000:.1f} | {row['ratio']:.1f}x |"
            )
    if search:
        lines += [
            "",
            f"Search baseline parts: query embedding {search['embed_ms']:.1f} ms, numpy scan"
            f" {search['scan_ms']:.2f} ms.",
        ]
    problems = [*http["_notes"]["notes"], *http["_notes"]["errors"]]
    problems += [f"{k}: {v}" for k, v in base.items() if k.endswith("_error")]
    if problems:
        lines += ["", "Notes:", *[f"- {p}" for p in problems]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = measure(args.home, args.rounds, log=lambda m: print(m, file=sys.stderr))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
