"""Load test of the HTTP API on loopback: N concurrent clients mixing the read endpoints for T seconds.

    .venv/bin/python bench/load_test.py --home KB_HOME [--clients 100] [--duration 60] [--think 0]
    .venv/bin/python bench/load_test.py --url http://127.0.0.1:8000 ...     # a server already running

With --home it starts a real server (`kb serve`: uvicorn, --workers processes, the /sparql worker
pool) on a free loopback port and stops it at the end. Each client is an asyncio task with its own
keep-alive connection (its own httpx client, reconnecting after 4 s idle), sending one request at
a time (a closed loop), optionally waiting an exponentially distributed think time (mean --think
seconds) between requests. The mix, by weight: /outcomes with filters, /search, /sparql (the
documented SELECT examples), /compare, and /studies, /papers, /concepts; an endpoint the server
does not have (not in its OpenAPI paths) is left out with a note.
Every request template is sent once before the clock starts and must answer 200 (a template the
data cannot answer is a harness bug, reported and left out).

An error is any answer other than 200 and any transport failure or time-out. Latency is from
sending the request to the end of the body, per endpoint: p50 / p95 / p99 / max.

Why this driver (and not locust or wrk): it needs nothing beyond httpx (already a test dependency),
the same code runs as the default-suite smoke test and the 60 s test, it reports percentiles per
endpoint (wrk's Lua hooks see one global histogram), and on two cores its asyncio loop costs a
fraction of a core (the client's CPU share is reported, since it competes with the server).

Only loopback addresses are accepted; every loop stops at --duration seconds or --max-requests.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEMEKB_SHARED", REPO.parent / "shared"))
EXAMPLES = REPO / "kb" / "sparql_examples"

# Endpoint -> weight in the mix; the four the load test is about come first.
WEIGHTS = {
    "/outcomes": 35,
    "/search": 25,
    "/sparql": 15,
    "/compare": 15,
    "/studies": 4,
    "/papers": 3,
    "/concepts": 3,
}

OUTCOME_FILTERS: list[dict[str, str]] = [
    {"antigen": "CD22"},
    {"antigen": "CD19", "endpoint": "CR"},
    {"disease": "MM", "endpoint": "PFS"},
    {"intervention": "blinatumomab"},
    {"line": "relapsed", "sort": "endpoint,-value"},
    {"endpoint": "OS", "limit": "20"},
    {"language": "zh"},
    {"drug_class": "CAR-T", "endpoint": "OS"},
]
COMPARE_FILTERS: list[dict[str, str]] = [
    {"antigen": "CD22", "endpoint": "CR"},
    {"disease": "MM", "endpoint": "PFS"},
    {"intervention": "blinatumomab", "endpoint": "OS"},
    {"antigen": "BCMA"},
]
SPARQL_EXAMPLES = ("outcomes_by_antigen", "results_with_ci", "trials_per_drug")
FALLBACK_SEARCHES = [
    "complete remission rate of inotuzumab ozogamicin versus chemotherapy",
    "event-free survival of children with relapsed B-ALL treated with blinatumomab",
    "BCMA CAR-T response in relapsed refractory multiple myeloma",
    "cytokine release syndrome incidence",
    "блинатумомаб общая выживаемость",
    "达雷妥尤单抗 无进展生存",
]


# ---------------------------------------------------------------------------------- the server


def check_loopback(url: str) -> None:
    """Refuse any target that is not this machine's loopback (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"refusing to load-test {url!r}: only loopback addresses (127.0.0.1, ::1) are allowed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`kb serve` over `home` on a free loopback port, in its own process; stopped on exit."""

    def __init__(
        self,
        home: Path,
        env: dict[str, str] | None = None,
        start_timeout: float = 120,
        command: Sequence[str] | None = None,
    ) -> None:
        """`command` replaces `python -m kb serve` (it is given `--host 127.0.0.1 --port N`)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
        environment.update(env or {})
        environment["KB_HOME"] = str(home)
        environment["PYTHONPATH"] = str(REPO) + os.pathsep + environment.get("PYTHONPATH", "")
        argv = [*(command or [sys.executable, "-m", "kb", "serve"]), "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*argv, "--port", str(self.port)],
            cwd=REPO,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + start_timeout
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while True:
                if self.process.poll() is not None:
                    stderr = self.process.stderr.read() if self.process.stderr else ""
                    raise RuntimeError(f"kb serve exited: {stderr[-2000:]}")
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"kb serve did not answer within {start_timeout:.0f} s")
                time.sleep(0.2)

    def _tree(self) -> dict[int, float]:
        """The server and its live descendants (workers, /sparql workers): pid -> CPU seconds so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        stats: dict[int, tuple[int, float]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
        tree = {self.process.pid}
        changed = True
        while changed:
            changed = False
            for pid, (parent, _) in stats.items():
                if parent in tree and pid not in tree:
                    tree.add(pid)
                    changed = True
        return {pid: stats.get(pid, (0, 0.0))[1] for pid in tree}

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the server and its live children (workers included)."""
        return sum(self._tree().values())

    def peak_rss_mib(self) -> float | None:
        """The sum of the peak resident memory (VmHWM) of the server's processes, while they run."""
        total = None
        for pid in self._tree():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    total = (total or 0.0) + int(line.split()[1]) / 1024
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------------------------- the mix


@dataclass(frozen=True)
class Template:
    endpoint: str
    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        shown = "&".join(f"{k}={v[:40]}" for k, v in self.params.items())
        return f"{self.endpoint}?{shown}" if shown else self.endpoint


def search_queries() -> list[str]:
    gold = SHARED / "gold" / "queries.yaml"
    if gold.exists():
        import yaml

        return [item["q"] for item in yaml.safe_load(gold.read_text(encoding="utf-8"))]
    return FALLBACK_SEARCHES


def templates_for(paths: set[str]) -> tuple[dict[str, list[Template]], list[str]]:
    """The request templates of each endpoint the server has, and notes on those it lacks."""
    notes = []
    templates: dict[str, list[Template]] = {}
    for endpoint in WEIGHTS:
        if endpoint not in paths:
            notes.append(f"{endpoint}: not served by this server (not in /openapi.json), left out")
            continue
        if endpoint == "/outcomes":
            templates[endpoint] = [Template(endpoint, f) for f in OUTCOME_FILTERS]
        elif endpoint == "/search":
            templates[endpoint] = [Template(endpoint, {"q": q, "k": "10"}) for q in search_queries()]
        elif endpoint == "/sparql":
            accept = {"Accept": "application/sparql-results+json"}
            templates[endpoint] = [
                Template(endpoint, {"query": (EXAMPLES / f"{name}.rq").read_text(encoding="utf-8")}, accept)
                for name in SPARQL_EXAMPLES
                if (EXAMPLES / f"{name}.rq").exists()
            ]
        elif endpoint == "/compare":
            templates[endpoint] = [Template(endpoint, f) for f in COMPARE_FILTERS]
        elif endpoint == "/studies":
            templates[endpoint] = [Template(endpoint, {"antigen": "CD19"}), Template(endpoint, {})]
        elif endpoint == "/papers":
            templates[endpoint] = [Template(endpoint, {})]
        elif endpoint == "/concepts":
            templates[endpoint] = [Template(endpoint, {"kind": k}) for k in ("antigen", "intervention")]
    return {k: v for k, v in templates.items() if v}, notes


class FreshQuestions:
    """Always-new questions, as users who mostly ask something nobody asked before: /outcomes and
    /compare with filters drawn from the concepts the server holds and a random page, /search with
    words drawn from the search questions, /sparql lookups of one random result or paper by its IRI
    (the "simple lookups" a linked-data client sends). Each request is a combination the run most
    likely has not sent yet, so no cache can answer it; the other endpoints keep their templates."""

    FILTERS = ("antigen", "intervention", "disease", "endpoint", "line")

    def __init__(self, client: httpx.Client) -> None:
        self.values: dict[str, list[str]] = {}
        for kind in self.FILTERS:
            listing = client.get("/concepts", params={"kind": kind, "limit": "500"}).json()
            self.values[kind] = [c["id"] for c in listing.get("concepts", []) if c.get("results")]
        self.values = {k: v for k, v in self.values.items() if v}
        self.words = sorted({w for q in search_queries() for w in q.split() if len(w) > 2})
        listing = {
            "query": "PREFIX hk: <https://w3id.org/hemekb/ontology#>\n"
            "SELECT ?result ?paper WHERE { ?result hk:reportedIn ?paper } LIMIT 5000"
        }
        accept = {"Accept": "application/sparql-results+json"}
        answer = client.get("/sparql", params=listing, headers=accept)
        for _ in range(120):  # 503 while the /sparql workers start
            if answer.status_code != 503:
                break
            time.sleep(1)
            answer = client.get("/sparql", params=listing, headers=accept)
        answer.raise_for_status()
        rows = answer.json()["results"]["bindings"]
        self.results = [row["result"]["value"] for row in rows]
        self.papers = sorted({row["paper"]["value"] for row in rows})

    def _filters(self, rng: random.Random) -> dict[str, str]:
        kinds = rng.sample(sorted(self.values), k=min(len(self.values), rng.choice((1, 1, 2))))
        params = {kind: rng.choice(self.values[kind]) for kind in kinds}
        params["offset"] = str(rng.randrange(0, 200, 10))
        params["limit"] = str(rng.choice((10, 20, 50)))
        return params

    def template(self, endpoint: str, rng: random.Random) -> Template | None:
        """A new question for `endpoint`, or None for an endpoint asked from its templates."""
        if endpoint == "/outcomes" and self.values:
            return Template(endpoint, self._filters(rng))
        if endpoint == "/compare" and "endpoint" in self.values:
            # an endpoint and one other filter: a comparison table a reader asks for (a filter
            # matching over 5,000 results is refused: narrow the filters)
            other = rng.choice(sorted(set(self.values) - {"endpoint"}) or ["endpoint"])
            return Template(
                endpoint,
                {"endpoint": rng.choice(self.values["endpoint"]), other: rng.choice(self.values[other])},
            )
        if endpoint == "/search" and self.words:
            return Template(endpoint, {"q": " ".join(rng.sample(self.words, k=3)), "k": "10"})
        if endpoint == "/sparql" and self.results:
            if rng.random() < 0.5:
                query = f"SELECT ?p ?o WHERE {{ <{rng.choice(self.results)}> ?p ?o }}"
            else:
                query = (
                    "PREFIX hk: <https://w3id.org/hemekb/ontology#>\n"
                    f"SELECT ?result ?endpoint WHERE {{ ?result hk:reportedIn <{rng.choice(self.papers)}> ;"
                    " hk:endpoint ?endpoint }"
                )
            return Template(endpoint, {"query": query}, {"Accept": "application/sparql-results+json"})
        return None


# ---------------------------------------------------------------------------------- the run

WARM_COPIES = 8  # concurrent copies of each template before the clock: new connections, any process


@dataclass
class EndpointStats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    bytes: int = 0
    error_samples: list[str] = field(default_factory=list)

    def row(self, seconds: float) -> dict[str, Any]:
        lat = np.asarray(self.latencies_ms) if self.latencies_ms else np.asarray([float("nan")])
        return {
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "throughput_rps": len(self.latencies_ms) / seconds,
            "p50_ms": float(np.percentile(lat, 50)),
            "p95_ms": float(np.percentile(lat, 95)),
            "p99_ms": float(np.percentile(lat, 99)),
            "max_ms": float(lat.max()),
            "mean_kib": self.bytes / max(1, len(self.latencies_ms)) / 1024,
            "error_samples": self.error_samples[:5],
        }


def client_address(url: str, n: int) -> str | None:
    """The address client `n` connects from: on loopback, one of its own (127.0.0.0/8 is all
    loopback on Linux), as each user has one; the server tells clients apart by address for their
    query-time budgets (api/fair_use.py), and 100 clients from one address would share one budget.
    None (any address) for a server elsewhere."""
    host = httpx.URL(url).host
    return f"127.0.{1 + n // 250}.{2 + n % 250}" if host.startswith("127.") else None


async def _warm(
    client: httpx.AsyncClient, templates: dict[str, list[Template]], ready_within: float = 120.0
) -> list[str]:
    """Send every template once; drop (and report) those that do not answer 200; then send each
    again on WARM_COPIES connections at once, so that every server process (`--workers`) has met
    it: the run measures a warm server, not each process's first query.

    A 503 while the server is still starting (the /sparql workers, the embedding model) is asked
    again, for up to `ready_within` seconds in all.
    """
    dropped = []
    deadline = time.perf_counter() + ready_within
    for endpoint, items in templates.items():
        for template in list(items):
            response = await client.get(endpoint, params=template.params, headers=template.headers)
            while response.status_code == 503 and time.perf_counter() < deadline:
                await asyncio.sleep(1)
                response = await client.get(endpoint, params=template.params, headers=template.headers)
            if response.status_code != 200:
                items.remove(template)
                dropped.append(f"{template.label}: {response.status_code} {response.text[:200]}")
    for endpoint, items in templates.items():
        for template in items:
            await asyncio.gather(
                *(
                    client.get(endpoint, params=template.params, headers=template.headers)
                    for _ in range(WARM_COPIES)
                )
            )
    return dropped


async def _drive(
    url: str,
    templates: dict[str, list[Template]],
    clients: int,
    duration: float,
    think: float,
    max_requests: int,
    seed: int,
    timeout: float,
    server_cpu: Callable[[], float] | None = None,
    fresh: FreshQuestions | None = None,
) -> tuple[dict[str, EndpointStats], float, list[str], float | None]:
    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them: at equal
    # timeouts (httpx's default is 5 s too) a request can go out on a socket the server is closing.
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0)
    # Each client has a connection of its own, as each user's browser or script does: from one
    # shared pool, the few connections in use at any moment carried most requests, and the kernel,
    # which hands each new connection to one server process, gave one process 93% of the work.
    own = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=4.0)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        dropped = await _warm(client, templates)
        endpoints = [e for e in templates if templates[e]]
        weights = [WEIGHTS[e] for e in endpoints]
        stats = {e: EndpointStats() for e in endpoints}
        sent = 0
        cpu_at_start = server_cpu() if server_cpu else None
        started = time.perf_counter()
        deadline = started + duration

        async def one_client(n: int) -> None:
            transport = httpx.AsyncHTTPTransport(limits=own, local_address=client_address(url, n))
            async with httpx.AsyncClient(base_url=url, transport=transport, timeout=timeout) as connection:
                await client_loop(n, connection)

        async def client_loop(n: int, client: httpx.AsyncClient) -> None:
            nonlocal sent
            rng = random.Random(seed * 1000 + n)
            if think:
                await asyncio.sleep(rng.expovariate(1 / think))  # spread the first requests
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                endpoint = rng.choices(endpoints, weights)[0]
                new = fresh.template(endpoint, rng) if fresh is not None else None
                template = new or rng.choice(templates[endpoint])
                record = stats[endpoint]
                begun = time.perf_counter()
                try:
                    response = await client.get(endpoint, params=template.params, headers=template.headers)
                    elapsed = (time.perf_counter() - begun) * 1000
                    record.latencies_ms.append(elapsed)
                    record.bytes += len(response.content)
                    if response.status_code != 200:
                        record.errors += 1
                        record.error_samples.append(
                            f"{template.label}: {response.status_code} {response.text[:200]}"
                        )
                except httpx.HTTPError as exc:
                    record.latencies_ms.append((time.perf_counter() - begun) * 1000)
                    record.errors += 1
                    record.error_samples.append(f"{template.label}: {type(exc).__name__}: {exc}")
                if think:
                    await asyncio.sleep(
                        min(rng.expovariate(1 / think), max(0.0, deadline - time.perf_counter()))
                    )

        await asyncio.gather(*(one_client(n) for n in range(clients)))
        seconds = time.perf_counter() - started
        cpu = server_cpu() - cpu_at_start if server_cpu and cpu_at_start is not None else None
        return stats, seconds, dropped, cpu


def run_load(
    url: str,
    *,
    clients: int = 100,
    duration: float = 60.0,
    think: float = 0.0,
    max_requests: int = 1_000_000,
    seed: int = 7,
    timeout: float = 60.0,
    server_cpu: Callable[[], float] | None = None,
    fresh: bool = False,
) -> dict[str, Any]:
    """Drive the server at `url` (loopback only); per-endpoint and total figures as a dict.

    `fresh`: always-new questions (FreshQuestions) instead of the fixed templates where it has them.

    `server_cpu` (the server's CPU seconds so far) is read when the clock starts and stops: the
    result's `server_cpu_s` is then the timed run's, without start-up and warm-up."""
    check_loopback(url)
    with httpx.Client(base_url=url, timeout=30) as client:
        paths = set(client.get("/openapi.json").json().get("paths", {}))
        health = client.get("/health").json()
        questions = FreshQuestions(client) if fresh else None
    templates, notes = templates_for(paths)
    cpu_start = time.process_time()
    stats, seconds, dropped, server_cpu_s = asyncio.run(
        _drive(url, templates, clients, duration, think, max_requests, seed, timeout, server_cpu, questions)
    )
    client_cpu = time.process_time() - cpu_start
    endpoints = {e: s.row(seconds) for e, s in stats.items()}
    everything = EndpointStats(
        latencies_ms=[v for s in stats.values() for v in s.latencies_ms],
        errors=sum(s.errors for s in stats.values()),
        bytes=sum(s.bytes for s in stats.values()),
    )
    return {
        "url": url,
        "papers": health.get("papers"),
        "records": health.get("records"),
        "clients": clients,
        "duration_s": seconds,
        "think_s": think,
        "endpoints": endpoints,
        "total": everything.row(seconds),
        "client_cpu_share": client_cpu / seconds,
        "notes": notes,
        "dropped_templates": dropped,
        "server_cpu_s": server_cpu_s,
        "fresh": fresh,
    }


def markdown_table(result: dict[str, Any]) -> str:
    lines = [
        "| endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [*result["endpoints"].items(), ("**all**", result["total"])]
    for name, row in rows:
        lines.append(
            f"| {name} | {row['requests']} | {row['errors']} | {row['throughput_rps']:.1f} |"
            f" {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['max_ms']:.1f} |"
        )
    return "\n".join(lines)


def describe(result: dict[str, Any]) -> str:
    head = (
        f"{result['clients']} clients, {result['duration_s']:.0f} s, think time {result['think_s']:g} s,"
        f" {result['papers']} papers / {result['records']} records;"
        f" load generator used {result['client_cpu_share']:.0%} of a core"
    )
    if result.get("fresh"):
        head += "; always-new questions (/outcomes, /compare, /search, /sparql lookups)"
    if result.get("server_peak_rss_mib"):
        head += f"; server peak RSS {result['server_peak_rss_mib']:.0f} MiB (its processes' peaks added)"
    if result.get("server_cpu_ms_per_request"):
        head += (
            f"; server CPU {result['server_cpu_s']:.0f} s"
            f" ({result['server_cpu_ms_per_request']:.1f} ms per request, workers included)"
        )
    notes = [f"- {n}" for n in [*result["notes"], *result["dropped_templates"]]]
    errors = [
        f"- {' '.join(s.split())}" for row in result["endpoints"].values() for s in row["error_samples"]
    ]
    parts = [head + ".", "", markdown_table(result)]
    if notes:
        parts += ["", "Notes:", *notes]
    if errors:
        parts += ["", "Error samples:", *errors]
    return "\n".join(parts)


def load_test_home(
    home: Path, workers: int = 1, settings: dict[str, str] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Start `kb serve` over `home` (`workers` processes, extra KB_* `settings`), run the load, stop it."""
    with Server(home, env={"KB_WORKERS": str(workers), **(settings or {})}) as server:
        result = run_load(server.url, server_cpu=server.cpu_seconds, **kwargs)
        cpu = result["server_cpu_s"]
        result["server_peak_rss_mib"] = server.peak_rss_mib()
        requests = result["total"]["requests"]
        result["server_cpu_ms_per_request"] = 1000 * cpu / requests if requests else None
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--home", type=Path, help="KB_HOME to serve with `kb serve` on loopback")
    target.add_argument("--url", help="a running server on loopback, e.g. http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--think", type=float, default=0.0, help="mean think time between requests, s")
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="always-new questions (FreshQuestions)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--workers", type=int, default=1, help="server processes (KB_WORKERS), with --home")
    parser.add_argument(
        "--setting", action="append", default=[], metavar="KB_NAME=VALUE", help="server setting (--home)"
    )
    args = parser.parse_args(argv)
    settings = dict(item.split("=", 1) for item in args.setting)
    options = {
        "clients": args.clients,
        "duration": args.duration,
        "think": args.think,
        "max_requests": args.max_requests,
        "fresh": args.fresh,
    }
    if args.home:
        result = load_test_home(args.home, workers=args.workers, settings=settings, **options)
    else:
        result = run_load(args.url, **options)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(describe(result))
    if result["total"]["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
