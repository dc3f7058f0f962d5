"""Every setting of the knowledge base, declared once; read from `KB_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Configuration shared by the CLI, the HTTP API and the tests (which point `home` at a temp dir)."""

    model_config = SettingsConfigDict(env_prefix="KB_", extra="forbid")

    home: Path = Field(
        default=REPO_ROOT / "data" / "kb",
        description="KB_HOME: folder holding the knowledge base (graph store and its snapshots).",
    )
    base_iri: str = Field(
        default="https://w3id.org/hemekb/id/",
        description="KB_BASE_IRI: namespace under which paper, study, result and concept IRIs are minted.",
    )
    host: str = Field(default="127.0.0.1", description="KB_HOST: interface `kb serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="KB_PORT: TCP port `kb serve` listens on.")
    store: str = Field(
        default="oxigraph",
        description="KB_STORE: graph store backend, by name (see kb.store.BACKENDS).",
    )

    @field_validator("base_iri")
    @classmethod
    def _namespace_iri(cls, value: str) -> str:
        # Minted IRIs are base + local part, so the base must end where a local part can start.
        if not value.startswith(("http://", "https://")) or not value.endswith(("/", "#")):
            raise ValueError(f"KB_BASE_IRI must be an http(s) IRI ending in '/' or '#', got {value!r}")
        return value

    @property
    def graph_dir(self) -> Path:
        """Where the graph store keeps its files."""
        return self.home / "graph"


def setting_env_names() -> list[str]:
    """The environment variable of every setting, for docs and the test that checks them."""
    return [f"KB_{name.upper()}" for name in Settings.model_fields]
