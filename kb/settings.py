"""Every setting of the knowledge base, declared once; read from `KB_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
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
    workers: int = Field(
        default=1,
        ge=1,
        le=16,
        description=(
            "KB_WORKERS: server processes `kb serve` runs (one per core: a request's Python work holds one"
            " core, so one process saturates at one core's worth of requests)."
        ),
    )
    store: str = Field(
        default="oxigraph",
        description="KB_STORE: graph store backend, by name (see kb.store.BACKENDS).",
    )
    store_query_url: str | None = Field(
        default=None,
        description="KB_STORE_QUERY_URL: SPARQL 1.1 query endpoint of the server store (KB_STORE=sparql).",
    )
    store_update_url: str | None = Field(
        default=None,
        description="KB_STORE_UPDATE_URL: SPARQL 1.1 update endpoint of the server store (KB_STORE=sparql).",
    )
    store_user: str | None = Field(
        default=None, description="KB_STORE_USER: user for the server store's updates."
    )
    store_password: SecretStr | None = Field(
        default=None, description="KB_STORE_PASSWORD: password for the server store's updates."
    )
    store_auth: Literal["digest", "basic"] = Field(
        default="digest",
        description="KB_STORE_AUTH: HTTP authentication of the server store, digest (Virtuoso) or basic.",
    )
    sparql_timeout: float = Field(
        default=10.0,
        gt=0,
        description="KB_SPARQL_TIMEOUT: seconds a /sparql query may run before its worker is killed (503).",
    )
    sparql_max_results: int = Field(
        default=10000,
        ge=1,
        description="KB_SPARQL_MAX_RESULTS: rows or triples a /sparql answer may hold; more: refused (413).",
    )
    sparql_workers: int = Field(
        default=2, ge=1, le=32, description="KB_SPARQL_WORKERS: worker processes answering /sparql queries."
    )
    client_query_seconds: float = Field(
        default=30.0,
        ge=0,
        description=(
            "KB_CLIENT_QUERY_SECONDS: query time per minute each client (API key, else address) may use"
            " on /sparql and /search; past it: 429 with Retry-After. 0: no budget (api/fair_use.py)."
        ),
    )
    sparql_queue_timeout: float = Field(
        default=30.0,
        gt=0,
        description=(
            "KB_SPARQL_QUEUE_TIMEOUT: seconds a /sparql query may wait for a free worker;"
            " longer: refused (503 endpoint_busy)."
        ),
    )
    sparql_queue_length: int = Field(
        default=200,
        ge=0,
        description=(
            "KB_SPARQL_QUEUE_LENGTH: /sparql queries that may wait for a free worker at once;"
            " one more is refused at once (503 endpoint_busy)."
        ),
    )
    response_cache_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description=(
            "KB_RESPONSE_CACHE_BYTES: memory for whole GET answers kept per version of the data (graph"
            " snapshot and search index); any ingest or delete drops them all. 0: no cache."
        ),
    )
    sparql_cache_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description=(
            "KB_SPARQL_CACHE_BYTES: memory for /sparql answers kept per (query, format, graph snapshot);"
            " a new ingest publishes a new snapshot, so no answer outlives its data. 0: no cache."
        ),
    )
    max_request_bytes: int = Field(
        default=1024 * 1024,
        ge=1,
        description=(
            "KB_MAX_REQUEST_BYTES: largest request body (and /sparql query) the API reads, paper uploads"
            " excepted (KB_MAX_PAPER_BYTES); larger: refused (413)."
        ),
    )
    max_paper_bytes: int = Field(
        default=20_000_000,
        ge=1,
        description="KB_MAX_PAPER_BYTES: largest paper file (bytes) `kb ingest` reads; larger are refused.",
    )
    max_pdf_pages: int = Field(
        default=2000,
        ge=1,
        description="KB_MAX_PDF_PAGES: most pages a PDF paper may have; more are refused before any is read.",
    )
    max_text_chars: int = Field(
        default=3_000_000,
        ge=1,
        description=(
            "KB_MAX_TEXT_CHARS: most characters of decoded text a paper may have (a long thesis has under"
            " a million); more are refused before extraction."
        ),
    )
    paper_cpu_seconds: float = Field(
        default=300.0,
        gt=0,
        description=(
            "KB_PAPER_CPU_SECONDS: CPU time the extraction of one paper may take (a paper of 40,000"
            " characters takes about 2 s); past it the paper is refused with that reason and nothing"
            " of it stored."
        ),
    )
    api_keys: SecretStr | None = Field(
        default=None,
        description=(
            "KB_API_KEYS: keys that allow writes over the API (POST /papers, DELETE /papers/{id}),"
            " comma-separated so a key can be rotated; unset: writes over the API are disabled."
        ),
    )
    max_upload_bytes: int = Field(
        default=100_000_000,
        ge=1,
        description="KB_MAX_UPLOAD_BYTES: largest POST /papers request body (bytes); larger: refused (413).",
    )
    upload_quota_bytes: int = Field(
        default=2_000_000_000,
        ge=1,
        description=(
            "KB_UPLOAD_QUOTA_BYTES: disk an API key's uploads may hold under KB_HOME/uploads (files that"
            " failed are deleted and do not count); past it, POST /papers is refused (507)."
        ),
    )
    uploads_total_bytes: int = Field(
        default=20_000_000_000,
        ge=1,
        description="KB_UPLOADS_TOTAL_BYTES: disk all uploads together may hold; past it: 507.",
    )
    job_memory_bytes: int = Field(
        default=4_000_000_000,
        ge=500_000_000,
        description=(
            "KB_JOB_MEMORY_BYTES: address space the process of one upload job (POST /papers) may"
            " use; past it the job fails with that reason and the server is untouched."
        ),
    )
    embedding_model: str = Field(
        default="use-multilingual-v3",
        min_length=1,
        description=(
            "KB_EMBEDDING_MODEL: sentence-transformers model name or local path for search embeddings;"
            " the default is the multilingual Universal Sentence Encoder packaged with hemekb."
        ),
    )

    cors_origins: str = Field(
        default="",
        description=(
            "KB_CORS_ORIGINS: comma-separated origins allowed to call the API from a browser"
            " (e.g. https://example.org; * for any); empty: no CORS headers."
        ),
    )
    cache_max_age: int = Field(
        default=0,
        ge=0,
        description=(
            "KB_CACHE_MAX_AGE: seconds caches may reuse a read answer without asking again;"
            " 0: always revalidate (cheap, with the ETag)."
        ),
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

    @property
    def uploads_dir(self) -> Path:
        """Where papers uploaded over the API are kept: uploads/<file SHA-256>/<original name>."""
        return self.home / "uploads"

    def api_key_list(self) -> list[str]:
        """The configured API keys (KB_API_KEYS split at commas, blanks dropped)."""
        if self.api_keys is None:
            return []
        return [key.strip() for key in self.api_keys.get_secret_value().split(",") if key.strip()]


def setting_env_names() -> list[str]:
    """The environment variable of every setting, for docs and the test that checks them."""
    return [f"KB_{name.upper()}" for name in Settings.model_fields]
