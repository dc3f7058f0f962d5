"""/openapi.json is a valid OpenAPI document whose enumerations are what the server accepts."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from api.main import create_app
from kb.settings import Settings


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return create_app(Settings(home=tmp_path_factory.mktemp("openapi") / "kb")).openapi()


def test_the_document_validates_and_every_reference_resolves(document):
    validate(document)  # openapi-spec-validator: raises on any error
    text = json.dumps(document)
    assert "#/$defs/" not in text
    schemas = document["components"]["schemas"]
    for ref in {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}:
        assert ref in schemas, ref
    ids = [
        op["operationId"] for ops in document["paths"].values() for op in ops.values() if "operationId" in op
    ]
    assert len(ids) == len(set(ids))


def _format_enums(document: dict) -> dict[str, list[str]]:
    found = {}
    for path, operations in document["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["name"] == "format":
                schema = parameter["schema"]
                found[path] = schema["enum"]
    return found


def test_formats_are_enumerated_as_the_server_takes_them(document, populated_server):
    enums = _format_enums(document)
    assert {"/outcomes", "/compare", "/compare/plot", "/sparql"} <= set(enums)
    client = populated_server.client
    for value in enums["/outcomes"]:
        assert client.get("/outcomes", params={"format": value}).status_code == 200, value
    refused = client.get("/outcomes", params={"format": "docx"})
    assert refused.status_code == 400
    assert all(value in refused.text for value in enums["/outcomes"])
    select = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    for value in enums["/sparql"]:  # a graph format for a SELECT is 406, never an unknown format
        status = client.get("/sparql", params={"query": select, "format": value}).status_code
        assert status in (200, 406), (value, status)
    assert client.get("/sparql", params={"query": select, "format": "docx"}).status_code == 400
