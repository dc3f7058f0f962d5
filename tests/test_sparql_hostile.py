"""Hostile SPARQL on a live server: refused, or stopped by the time and size limits, without harming
other requests; and the line, the shared runs and the per-snapshot cache that keep /sparql answering
under load.

The server runs over a small knowledge base (a.txt and b.txt, the stand-in extractor). Outgoing
calls are checked for real: a loopback socket listens where SERVICE and LOAD point, and must see
no connection.
"""

from __future__ import annotations

import concurrent.futures
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.ingestion import IngestingKnowledgeBase
from kb.settings import Settings
from tests.conftest import line_extractor
from tests.sparql_server import Server, make_home

TIMEOUT = 6.0  # KB_SPARQL_TIMEOUT of the hostile server
MAX_RESULTS = 100  # the knowledge base holds a few hundred triples
MAX_REQUEST_BYTES = 8192
ASK_ANY = "ASK { ?s ?p ?o }"
# A cartesian product of every triple with itself five times: runs until the time limit stops it.
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_home(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[Server]:
    running = Server(
        home,
        KB_SPARQL_TIMEOUT=str(TIMEOUT),
        KB_SPARQL_MAX_RESULTS=str(MAX_RESULTS),
        KB_MAX_REQUEST_BYTES=str(MAX_REQUEST_BYTES),
        KB_SPARQL_WORKERS="2",
    )
    yield running
    running.stop()


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback TCP socket that SERVICE / LOAD targets point at; nothing may connect to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.5)
    yield sock
    sock.close()


def assert_nobody_called(sock: socket.socket) -> None:
    try:
        connection, _ = sock.accept()
    except TimeoutError:
        return
    connection.close()
    pytest.fail("the endpoint opened a connection to the SERVICE / LOAD target")


def refused(response: httpx.Response, status: int, code: str, part: str) -> None:
    assert response.status_code == status, response.text[:500]
    error = response.json()["error"]
    assert error["code"] == code, error
    assert part in error["message"], error["message"]


def fresh(query: str) -> str:
    """The same query with a unique comment, so that no cached or shared answer serves it."""
    return f"# {time.monotonic_ns()}\n{query}"


# ------------------------------------------------------------------------------------------ refused


def test_service_to_loopback_and_to_another_host_never_calls_out(server, listener):
    port = listener.getsockname()[1]
    targets = [
        f"http://127.0.0.1:{port}/sparql",
        f"http://localhost:{port}/sparql",
        server.endpoint,  # itself: a request loop
        "http://example.org/sparql",
    ]
    for target in targets:
        for query in (
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SeRvIcE SILENT <{target}> {{ ?s ?q ?r }} }} }}",
            f"ASK {{ {{ SELECT * WHERE {{ service <{target}> {{ ?s ?p ?o }} }} }} }}",
        ):
            response = server.client.get("/sparql", params={"query": query})
            refused(response, 400, "operation_refused", "SERVICE is refused")
        direct = server.client.post(
            "/sparql",
            content=f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            headers={"Content-Type": "application/sparql-query"},
        )
        refused(direct, 400, "operation_refused", "SERVICE is refused")
    # A SERVICE whose endpoint is a variable bound from the data is refused the same way.
    variable = "SELECT * WHERE { BIND(<http://127.0.0.1:9/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }"
    refused(server.client.get("/sparql", params={"query": variable}), 400, "operation_refused", "SERVICE")
    assert_nobody_called(listener)


def test_load_and_updates_are_refused_and_change_nothing(server, listener):
    port = listener.getsockname()[1]
    before = server.client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json()
    attempts = [
        ("GET", {"params": {"query": f"LOAD <http://127.0.0.1:{port}/data.ttl>"}}),
        ("GET", {"params": {"query": f"LOAD SILENT <http://127.0.0.1:{port}/x> INTO GRAPH <urn:x>"}}),
        ("GET", {"params": {"update": f"LOAD <http://127.0.0.1:{port}/data.ttl>"}}),
        ("GET", {"params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}),
        ("GET", {"params": {"query": "DELETE WHERE { ?s ?p ?o }"}}),
        (
            "GET",
            {"params": {"query": "PREFIX x: <urn:x> WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"}},
        ),
        (
            "POST",
            {
                "content": "update=DROP+ALL",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
        ),
        (
            "POST",
            {
                "content": f"LOAD <http://127.0.0.1:{port}/data.ttl>",
                "headers": {"Content-Type": "application/sparql-update"},
            },
        ),
        (
            "POST",
            {"content": "CLEAR ALL", "headers": {"Content-Type": "application/sparql-query"}},
        ),
    ]
    for method, kwargs in attempts:
        response = server.client.request(method, "/sparql", **kwargs)
        refused(response, 400, "operation_refused", "refused")
    after = server.client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json()
    assert after == before
    assert_nobody_called(listener)


def test_deep_optional_nesting_is_refused_before_any_worker(server):
    depth = 5000  # pyoxigraph's parser overflows its stack (SIGSEGV) at a few thousand
    query = "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * depth + "}" * depth + " }"
    response = server.client.post(
        "/sparql",
        content=query[: MAX_REQUEST_BYTES - 1],
        headers={"Content-Type": "application/sparql-query"},
    )
    # Cut to the body cap it no longer closes its groups, but it is still 100s deep: refused as such.
    refused(response, 400, "query_too_complex", "at most 100 are accepted")
    nested_filters = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 500 + "?o" + ")" * 500 + ") }"
    refused(
        server.client.post(
            "/sparql", content=nested_filters, headers={"Content-Type": "application/sparql-query"}
        ),
        400,
        "query_too_complex",
        "nests groups or expressions 502 deep",
    )
    within = "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 20 + "}" * 20 + " } LIMIT 1"
    assert server.client.get("/sparql", params={"query": within}).status_code == 200


def test_a_query_that_crashes_its_worker_is_refused_and_the_endpoint_goes_on(home):
    # Flat, but chaining 20,000 UNIONs: the planner recurses once per operator and the worker dies
    # of a stack overflow, which no time limit catches. It is the query's fault: 400, not 500.
    with_room = Server(home, KB_MAX_REQUEST_BYTES=str(2 * 1024 * 1024), KB_SPARQL_WORKERS="1")
    try:
        query = "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 20_000) + " }"
        response = with_room.client.post(
            "/sparql", content=query, headers={"Content-Type": "application/sparql-query"}
        )
        refused(response, 400, "query_too_complex", "crashed the worker")
        assert with_room.client.get("/sparql", params={"query": ASK_ANY}).json()["boolean"] is True
    finally:
        with_room.stop()


def test_huge_result_sets_are_refused_whole(server):
    for query, what in [
        ("SELECT * WHERE { ?s ?p ?o }", "result rows"),
        ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", "result rows"),  # a cartesian product, capped
        ("CONSTRUCT { ?a ?b ?d } WHERE { ?a ?b ?c . ?d ?e ?f }", "result triples"),
        ("DESCRIBE ?s WHERE { ?s ?p ?o }", "result triples"),
        ("SELECT ?x WHERE { VALUES ?x { " + " ".join(map(str, range(150))) + " } }", "result rows"),
    ]:
        started = time.monotonic()
        response = server.client.post(
            "/sparql", content=query, headers={"Content-Type": "application/sparql-query"}
        )
        refused(response, 413, "result_too_large", f"more than {MAX_RESULTS} {what}")
        assert response.headers["x-kb-limit-hit"] == "results"
        assert time.monotonic() - started < TIMEOUT


def test_queries_and_bodies_past_the_request_cap_are_refused(server):
    padding = "# " + "x" * MAX_REQUEST_BYTES + "\n"
    response = server.client.post(
        "/sparql", content=padding + ASK_ANY, headers={"Content-Type": "application/sparql-query"}
    )
    refused(response, 413, "request_too_large", f"larger than {MAX_REQUEST_BYTES} bytes")
    form = server.client.post(
        "/sparql",
        content="query=" + "%20" * MAX_REQUEST_BYTES,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    refused(form, 413, "request_too_large", "KB_MAX_REQUEST_BYTES")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it is read
        for _ in range(20):
            yield b"#" * 1024 + b"\n"
        yield ASK_ANY.encode()

    chunked = server.client.post(
        "/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"}
    )
    refused(chunked, 413, "request_too_large", "KB_MAX_REQUEST_BYTES")
    # In the URL: a query longer than the cap (but within what the HTTP server reads) is refused too.
    long_get = server.client.get(
        "/sparql", params={"query": "#" + "x" * (MAX_REQUEST_BYTES + 10) + "\nASK {}"}
    )
    refused(long_get, 413, "query_too_long", "at most 8192")
    # The endpoint is unharmed.
    assert server.client.get("/sparql", params={"query": fresh(ASK_ANY)}).json()["boolean"] is True


# ------------------------------------------------------------------------------------------ unharmed


def test_while_a_hostile_query_runs_to_its_limit_cheap_requests_answer_fast(server):
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        hostile_started = time.monotonic()
        hostile = pool.submit(
            server.client.get, "/sparql", params={"query": fresh(CARTESIAN_COUNT)}, timeout=60
        )
        time.sleep(0.5)  # the hostile query has its worker now
        timings = {}
        for name, path, params in [
            ("outcomes", "/outcomes", {"limit": "5"}),
            ("sparql", "/sparql", {"query": fresh(ASK_ANY)}),
            ("sparql again", "/sparql", {"query": fresh("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")}),
            ("health", "/health", {}),
        ]:
            started = time.monotonic()
            response = server.client.get(path, params=params)
            timings[name] = time.monotonic() - started
            assert response.status_code == 200, (name, response.text)
        assert not hostile.done(), "the hostile query finished before the cheap ones were timed"
        response = hostile.result()
        hostile_seconds = time.monotonic() - hostile_started
    refused(response, 503, "query_timeout", f"ran longer than {TIMEOUT:g} s")
    assert response.headers["x-kb-limit-hit"] == "timeout"
    assert TIMEOUT <= hostile_seconds < TIMEOUT + 10
    # "Fast": well within the hostile query's time limit, on two cores shared with other work.
    slow = {name: seconds for name, seconds in timings.items() if seconds > TIMEOUT / 2}
    assert not slow, f"cheap requests waited on the hostile query: {timings}"


# ------------------------------------------------------------------------------------------ load


@pytest.fixture(scope="module")
def narrow_server(home: Path) -> Iterator[Server]:
    """One worker, a line of one, waiting at most 1.5 s: the bounds of the line, made easy to hit."""
    running = Server(
        home,
        KB_SPARQL_WORKERS="1",
        KB_SPARQL_TIMEOUT="4",
        KB_SPARQL_QUEUE_LENGTH="1",
        KB_SPARQL_QUEUE_TIMEOUT="1.5",
    )
    yield running
    running.stop()


def test_the_line_for_a_worker_is_bounded_in_length_and_time(narrow_server):
    client = narrow_server.client
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        hostile = pool.submit(client.get, "/sparql", params={"query": fresh(CARTESIAN_COUNT)})
        time.sleep(0.5)
        waiting = pool.submit(client.get, "/sparql", params={"query": fresh(ASK_ANY)})
        time.sleep(0.3)
        started = time.monotonic()
        turned_away = client.get("/sparql", params={"query": fresh(ASK_ANY)})
        assert time.monotonic() - started < 1.0  # refused at once: the line is full
        refused(turned_away, 503, "endpoint_busy", "KB_SPARQL_QUEUE_LENGTH")
        refused(waiting.result(), 503, "endpoint_busy", "no SPARQL worker came free within 1.5 s")
        assert waiting.result().headers["retry-after"] == "1"
        refused(hostile.result(), 503, "query_timeout", "ran longer than 4 s")


def test_queries_beyond_the_workers_wait_their_turn_instead_of_being_refused(home):
    # One worker, 8 different queries at once, each taking a while: all answered, none turned away.
    values = " ".join(map(str, range(1000)))
    slowish = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} }}"
    queued = Server(home, KB_SPARQL_WORKERS="1", KB_SPARQL_QUEUE_TIMEOUT="60")
    try:
        queued.client.get("/sparql", params={"query": ASK_ANY})  # the worker has started
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(
                pool.map(
                    lambda n: queued.client.get("/sparql", params={"query": f"# {n}\n{slowish}"}), range(8)
                )
            )
        assert [a.status_code for a in answers] == [200] * 8, [
            a.text for a in answers if a.status_code != 200
        ]
        assert {a.json()["results"]["bindings"][0]["n"]["value"] for a in answers} == {str(1000 * 1000)}
        assert {a.headers["x-kb-cache"] for a in answers} == {"miss"}
    finally:
        queued.stop()


def test_identical_queries_at_once_share_one_run(server):
    values = " ".join(map(str, range(200)))
    query = fresh(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} }}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: server.client.get("/sparql", params={"query": query}), range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    sources = sorted(a.headers["x-kb-cache"] for a in answers)
    assert sources.count("miss") == 1, sources  # one run; the others joined it or found it kept
    assert set(sources) <= {"miss", "joined", "hit"}
    assert len({a.content for a in answers}) == 1


def test_cached_answers_never_outlive_a_new_snapshot(tmp_path):
    home = make_home(tmp_path)
    running = Server(home)
    try:
        query = (
            "SELECT (COUNT(DISTINCT ?g) AS ?papers)"
            " WHERE { GRAPH ?g { ?s a <https://w3id.org/hemekb/ontology#Paper> } }"
        )

        def papers() -> tuple[str, str]:
            response = running.client.get(
                "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
            )
            assert response.status_code == 200, response.text
            return response.json()["results"]["bindings"][0]["papers"]["value"], response.headers[
                "x-kb-cache"
            ]

        assert papers() == ("2", "miss")
        assert papers() == ("2", "hit")
        # Another format is another answer, cached on its own.
        csv = running.client.get("/sparql", params={"query": query, "format": "csv"})
        assert csv.headers["x-kb-cache"] == "miss" and csv.text.splitlines()[1] == "2"
        # `kb ingest` of a third paper publishes a new snapshot: the next answer counts it.
        folder = tmp_path / "more"
        folder.mkdir()
        (folder / "c.txt").write_text("Paper C\nBCMA CAR-T: ORR 73% in myeloma.\n", encoding="utf-8")
        writer = IngestingKnowledgeBase(Settings(home=home), extractor=line_extractor)
        try:
            assert writer.ingest_paths([folder]).ok
        finally:
            writer.close()
        assert papers() == ("3", "miss")
        assert papers() == ("3", "hit")
    finally:
        running.stop()


def test_large_answers_are_sent_compressed_once(server):
    query = "SELECT ?x WHERE { VALUES ?x { " + " ".join(map(str, range(90))) + " } }"  # 8 kB of JSON
    plain = server.client.get("/sparql", params={"query": query}, headers={"Accept-Encoding": "identity"})
    zipped = server.client.get("/sparql", params={"query": query}, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["x-kb-cache"] == "hit"
    assert zipped.json() == plain.json()  # httpx decodes the gzip body
    assert "Accept-Encoding" in zipped.headers["vary"]
