"""Settings are declared once, each documented, and the README lists them all."""

from __future__ import annotations

import pytest

from kb.settings import Settings, setting_env_names
from tests.conftest import REPO


def test_every_setting_has_a_description():
    for name, field in Settings.model_fields.items():
        assert field.description and field.description.startswith(f"KB_{name.upper()}:"), name


def test_readme_documents_every_setting():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name in setting_env_names() if f"`{name}`" not in readme]
    assert not missing, f"README.md does not document {missing}"


def test_settings_come_from_kb_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_HOME", str(tmp_path))
    monkeypatch.setenv("KB_PORT", "8123")
    settings = Settings()
    assert (settings.home, settings.port, settings.graph_dir) == (tmp_path, 8123, tmp_path / "graph")


@pytest.mark.parametrize("iri", ["urn:hemekb:", "https://example.org/id", "ftp://example.org/"])
def test_base_iri_must_be_a_namespace(iri):
    with pytest.raises(ValueError, match="KB_BASE_IRI must be an http"):
        Settings(base_iri=iri)
