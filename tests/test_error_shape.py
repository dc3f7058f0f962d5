"""Every error of every route has one shape: {"error": {"code", "message", "detail"}}, never a 200."""

from __future__ import annotations

import pytest


def assert_canonical_error(response, status: int, code: str, message_part: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code
    assert message_part in body["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "message_part"),
    [
        (
            "GET",
            "/outcomes?endpoint=SURVIVAL",
            400,
            "invalid_query",
            "unknown endpoint 'SURVIVAL'; allowed: OS,",
        ),
        ("GET", "/outcomes?antigen=CD91", 400, "invalid_query", "unknown antigen 'CD91'; known: CD19, CD3"),
        ("GET", "/outcomes?intervention=aspirin", 400, "invalid_query", "unknown intervention 'aspirin'"),
        ("GET", "/outcomes?disease=CML", 400, "invalid_query", "unknown disease 'CML'; known: B-cell"),
        ("GET", "/outcomes?paper=x.txt", 400, "invalid_query", "unknown paper 'x.txt'; known: a.txt, b.txt"),
        (
            "GET",
            "/outcomes?antgen=CD22",
            400,
            "unknown_parameter",
            "unknown parameter 'antgen'; allowed: antigen,",
        ),
        ("GET", "/outcomes?limit=0", 422, "invalid_parameter", "limit:"),
        ("GET", "/outcomes?limit=501", 422, "invalid_parameter", "limit:"),
        ("GET", "/outcomes?offset=-1", 422, "invalid_parameter", "offset:"),
        ("GET", "/outcomes?limit=ten", 422, "invalid_parameter", "limit:"),
        ("POST", "/outcomes", 405, "method_not_allowed", "Method Not Allowed"),
        ("POST", "/health", 405, "method_not_allowed", "Method Not Allowed"),
        ("GET", "/nowhere", 404, "not_found", "Not Found"),
        ("GET", "/sparql?query=ASK%20%7B", 400, "invalid_query", "error at 1:6"),
        ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", 400, "invalid_request", "2 'query' parameters"),
        ("GET", "/sparql?update=CLEAR%20ALL", 400, "operation_refused", "SPARQL Update is refused"),
        ("GET", "/sparql?query=ASK%7B%7D&format=yaml", 400, "invalid_request", "unknown format 'yaml'"),
        ("POST", "/sparql", 400, "invalid_request", "a POST needs a Content-Type"),
        ("PUT", "/sparql", 405, "method_not_allowed", "Method Not Allowed"),
        ("GET", "/void?x=1", 400, "invalid_request", "unknown parameter 'x'"),
        (
            "GET",
            "/resource/paper/nowhere",
            404,
            "not_found",
            "no resource https://w3id.org/hemekb/id/paper/nowhere",
        ),
    ],
)
def test_error_shape(populated_server, method, path, status, code, message_part):
    response = populated_server.client.request(method, path)
    assert_canonical_error(response, status, code, message_part)


def test_validation_errors_name_the_parameter(populated_server):
    detail = populated_server.client.get("/outcomes?limit=0").json()["error"]["detail"]
    assert detail[0]["parameter"] == "limit"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("TRACE", "/outcomes", {"GET"}), ("POST", "/health", {"GET"}), ("PUT", "/sparql", {"GET", "POST"})],
)
def test_a_405_says_which_methods_are_allowed(populated_server, method, path, allowed):
    response = populated_server.client.request(method, path)
    assert_canonical_error(response, 405, "method_not_allowed", "Method Not Allowed")
    assert allowed <= {m.strip() for m in response.headers["allow"].split(",")}
