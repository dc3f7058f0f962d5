"""No API key or token in clear in the server's access log (api/access_log.py)."""

from __future__ import annotations

import time

from api.access_log import REDACTED, redact
from tests.conftest import LiveServer

KEY = "log-test-key-8d1f0c2b9e"


def test_secret_query_parameters_and_keys_are_redacted():
    assert redact("/papers?api_key=abc&x=1") == f"/papers?api_key={REDACTED}&x=1"
    assert redact("/outcomes?Access_Token=t0k3n") == f"/outcomes?Access_Token={REDACTED}"
    assert redact(f"/papers/{KEY}?q=1", [KEY]) == f"/papers/{REDACTED}?q=1"
    assert redact("/outcomes?antigen=CD19&limit=5") == "/outcomes?antigen=CD19&limit=5"


def test_a_key_sent_in_the_query_string_is_refused_and_not_logged(tmp_path):
    log = tmp_path / "server.log"
    server = LiveServer(tmp_path / "kb", log_path=log, KB_API_KEYS=KEY)
    try:
        refused = server.client.post(
            "/papers", params={"api_key": KEY}, files={"file": ("a.txt", b"OS 45%.")}
        )
        assert refused.status_code == 401
        assert server.client.get("/outcomes", params={"token": KEY, "antigen": "CD19"}).status_code in (
            200,
            400,
        )
        assert server.client.get(f"/papers/{KEY}").status_code == 404
        time.sleep(0.5)  # the access log line is written after the answer
    finally:
        server.stop()
    logged = log.read_text(errors="replace")
    assert "POST /papers?api_key=" in logged and "/outcomes?token=" in logged  # the requests are logged
    assert KEY not in logged
    assert REDACTED in logged
