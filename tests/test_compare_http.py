"""HTTP quality of the evidence routes: OpenAPI with examples, one error envelope, validation
messages naming the parameter and the allowed values, ETag/Cache-Control, gzip, CORS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from kb.settings import Settings
from tests import evidence_kb
from tests.conftest import LiveServer
from tests.test_error_shape import assert_canonical_error

EVIDENCE_PATHS = (
    "/outcomes",
    "/compare",
    "/compare/plot",
    "/studies",
    "/studies/{study_id}",
    "/papers",
    "/papers/{paper_id}",
    "/concepts",
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    return evidence_kb.build(tmp_path_factory.mktemp("http")).home


@pytest.fixture(scope="module")
def server(home) -> Iterator[LiveServer]:
    live = LiveServer(home)
    yield live
    live.stop()


def test_openapi_documents_every_parameter_and_answer_with_examples(server):
    spec = server.client.get("/openapi.json").json()
    assert set(EVIDENCE_PATHS) <= set(spec["paths"])
    assert "/" not in spec["paths"]  # the web page is not part of the API
    for path in EVIDENCE_PATHS:
        operation = spec["paths"][path]["get"]
        assert operation.get("description") or operation.get("summary"), path
        for parameter in operation["parameters"]:
            where = f"{path} {parameter['name']}"
            assert parameter.get("description"), where
            assert parameter.get("examples") or parameter["schema"].get("examples"), where
        ok = operation["responses"]["200"]["content"]
        for media_type, content in ok.items():
            documented = "example" in content or content.get("schema", {}).get("format") == "binary"
            documented = documented or "examples" in content
            assert documented, f"{path} {media_type}"
        for status in ("400", "404", "422", "500"):
            assert operation["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith(
                "ErrorEnvelope"
            ), f"{path} {status}"


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "message_part"),
    [
        (
            "GET",
            "/compare?antgen=CD22",
            400,
            "unknown_parameter",
            "unknown parameter 'antgen'; allowed: antigen,",
        ),
        (
            "GET",
            "/compare?format=yaml",
            400,
            "invalid_query",
            "unknown format 'yaml'; allowed: json, csv, xlsx",
        ),
        (
            "GET",
            "/compare?drug_class=statin",
            400,
            "invalid_query",
            "unknown drug_class 'statin'; allowed: BiTE",
        ),
        (
            "GET",
            "/compare?min_n=-1",
            422,
            "invalid_parameter",
            "min_n: Input should be greater than or equal to 0",
        ),
        (
            "GET",
            "/compare?study_role=mine",
            422,
            "invalid_parameter",
            "study_role: Input should be 'own' or 'cited'",
        ),
        (
            "GET",
            "/outcomes?sort=size",
            400,
            "invalid_query",
            "unknown sort key 'size'; allowed: paper, study",
        ),
        (
            "GET",
            "/outcomes?disease=CML",
            400,
            "invalid_query",
            "unknown disease 'CML'; known: acute lymphoblastic",
        ),
        ("GET", "/compare/plot?disease=MM", 400, "invalid_query", "endpoint is required for a plot"),
        (
            "GET",
            "/compare/plot?endpoint=OS&statistic=mode",
            422,
            "invalid_parameter",
            "statistic: Input should be",
        ),
        (
            "GET",
            "/concepts?kind=drug",
            422,
            "invalid_parameter",
            "kind: Input should be 'antigen', 'intervention'",
        ),
        ("GET", "/studies?limit=0", 422, "invalid_parameter", "limit:"),
        ("GET", "/studies/nope", 404, "not_found", "no study 'nope'; GET /studies lists the studies"),
        ("GET", "/papers/nope", 404, "not_found", "no paper 'nope'; GET /papers lists the papers"),
        ("GET", "/papers?language=de", 400, "invalid_query", "unknown language 'de'; known: ru, zh"),
        (
            "GET",
            "/papers/ru?format=csv",
            400,
            "invalid_query",
            "unknown format 'csv'; allowed: json, html, ris",
        ),
        ("POST", "/compare", 405, "method_not_allowed", "Method Not Allowed"),
    ],
)
def test_errors_have_one_shape(server, method, path, status, code, message_part):
    assert_canonical_error(server.client.request(method, path), status, code, message_part)


def test_nothing_acceptable_is_406_in_the_envelope(server):
    response = server.client.get("/compare", headers={"Accept": "image/gif"})
    assert_canonical_error(
        response, 406, "not_acceptable", "none of the accepted types (image/gif) is offered"
    )


def test_read_answers_carry_an_etag_and_revalidate_to_304(server):
    first = server.client.get("/compare", params={"disease": "ALL"})
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "no-cache"
    assert "Accept" in first.headers["vary"]
    again = server.client.get("/compare", params={"disease": "ALL"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = server.client.get(
        "/compare", params={"disease": "ALL", "format": "csv"}, headers={"If-None-Match": etag}
    )
    assert other.status_code == 200 and other.headers["etag"] != etag
    assert server.client.get("/health").headers["cache-control"] == "no-store"
    errors = server.client.get("/outcomes", params={"sort": "size"})
    assert "etag" not in errors.headers


def test_large_answers_are_gzipped(server):
    response = server.client.get("/outcomes", params={"limit": 500}, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["total"] == 8  # httpx decodes it


def test_cors_is_off_by_default_and_configurable(home):
    closed = TestClient(create_app(Settings(home=home)))
    preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    assert (
        "access-control-allow-origin"
        not in closed.get("/papers", headers={"Origin": "https://example.org"}).headers
    )
    app = create_app(Settings(home=home, cors_origins="https://example.org, https://other.example"))
    open_ = TestClient(app)
    answer = open_.options("/compare", headers=preflight)
    assert (
        answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "https://example.org"
    )
    simple = open_.get("/papers", headers={"Origin": "https://other.example"})
    assert simple.headers["access-control-allow-origin"] == "https://other.example"
    assert "ETag" in simple.headers["access-control-expose-headers"]
    elsewhere = open_.get("/papers", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in elsewhere.headers
