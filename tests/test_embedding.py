"""The default embedding model called directly gives the sentence-transformers wrapper's vectors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from kb.embedding import BATCH_SIZE, DEFAULT_MODEL, embedder, load_model
from tests.conftest import PAPERS, REPO


def _corpus_lines(count: int) -> list[str]:
    lines = [
        line
        for path in sorted(PAPERS.glob("*.txt"))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    return lines[:count]


def test_the_direct_encoder_gives_the_sentence_transformers_vectors_bit_for_bit():
    # more texts than one batch, in five languages, of every length, and an empty one
    texts = [*_corpus_lines(BATCH_SIZE + 150), "", "CD19 CAR-T"]
    wrapped = np.asarray(load_model(DEFAULT_MODEL).encode_document(texts, batch_size=BATCH_SIZE))
    direct = embedder(DEFAULT_MODEL).model.encode_document(texts, batch_size=BATCH_SIZE)
    assert direct.shape == (len(texts), 512)
    assert np.array_equal(direct, wrapped)
    query = ["blinatumomab overall survival in Ph-negative ALL"]
    assert np.array_equal(embedder().model.encode_query(query), np.asarray(load_model().encode_query(query)))


def test_texts_only():
    with pytest.raises(TypeError, match="text only"):
        embedder().documents(["fine", 3])  # type: ignore[list-item]


def test_embedding_with_the_default_model_does_not_import_torch():
    script = (
        "import sys; from kb.embedding import embedder; "
        "v = embedder().documents(['Overall survival at 2 years was 68.5%.']); "
        "print(v.shape, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["(1,", "512)", "False", "False"]
