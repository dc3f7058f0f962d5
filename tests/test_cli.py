"""The `kb` command: status lines and one-line failures on stderr, records on stdout."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import main
from kb.model.records import OutcomeRecord
from kb.store import open_store
from tests.conftest import line_extractor, run_kb

CONTRACT_FIELDS = set(OutcomeRecord.model_fields)


@pytest.fixture
def invoke(settings):
    runner = CliRunner()

    def run(*args: str, **env: str):
        return runner.invoke(
            main, list(args), obj={"extractor": line_extractor}, env={"KB_HOME": str(settings.home), **env}
        )

    return run


def test_ingest_reports_each_paper_on_stderr(invoke, papers):
    result = invoke("ingest", str(papers))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("ingested") and lines[0].endswith("a.txt -> a (2 records)")
    assert lines[1].startswith("ingested") and "b.txt -> b" in lines[1]
    again = invoke("ingest", str(papers))
    assert [line.split()[0] for line in again.stderr.splitlines()] == ["unchanged", "unchanged"]


def test_a_failed_paper_makes_ingest_fail_with_one_line(invoke, papers, tmp_path):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    result = invoke("ingest", str(tmp_path / "empty.txt"), str(papers))
    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[-1]
        == f"Error: 1 of 3 papers failed; first: {tmp_path / 'empty.txt'}: empty file"
    )
    assert "ingested" in result.stderr  # the good papers went in regardless


def test_export_prints_every_contract_field_as_jsonl(invoke, papers):
    invoke("ingest", str(papers))
    result = invoke("export", "outcomes", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    rows = [json.loads(line) for line in lines]
    assert all(set(row) == CONTRACT_FIELDS for row in rows)
    assert rows[0]["arm"] is None and rows[0]["p_value"] is None  # None stays, as null
    assert "Блинатумомаб" in result.stdout  # ensure_ascii=False
    assert [OutcomeRecord.model_validate(row).value for row in rows] == [80.7, 45.0, 84.4, 29.4]


def test_unknown_export_format_is_refused(invoke):
    result = invoke("export", "outcomes", "--format", "yaml")
    assert result.exit_code == 2 and "Invalid value for '--format'" in result.stderr


def test_store_errors_are_one_line(invoke, papers, settings):
    result = invoke("ingest", str(papers), KB_STORE="fuseki")
    assert result.exit_code == 1
    assert result.stderr == "Error: unknown store backend 'fuseki' (KB_STORE); available: oxigraph, sparql\n"
    with open_store(settings, writable=True):
        busy = invoke("ingest", str(papers))
    assert busy.exit_code == 1 and "being written by another process" in busy.stderr
    assert len(busy.stderr.strip().splitlines()) == 1


def test_bad_settings_are_one_line(invoke):
    result = invoke("export", "outcomes", KB_BASE_IRI="urn:x")
    assert result.exit_code == 1 and result.stderr.startswith("Error: invalid KB_* setting")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_installed_command_runs_in_its_own_process(settings, tmp_path):
    empty = run_kb(settings.home, "export", "outcomes")
    assert (empty.returncode, empty.stdout) == (0, "")
    missing = run_kb(settings.home, "ingest", str(tmp_path / "nope.txt"))
    assert missing.returncode == 1
    assert missing.stderr.splitlines()[-1].endswith(f"{tmp_path / 'nope.txt'}: no such file or folder")


def test_readme_documents_every_command():
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    top = [name for name in main.commands if name != "export"]
    commands = [*top, *(f"export {name}" for name in main.commands["export"].commands)]
    assert {"export", "import", "ingest", "serve", "validate"} <= set(main.commands)
    missing = [name for name in commands if f"kb {name}" not in readme]
    assert not missing, f"README.md does not show {missing}"
