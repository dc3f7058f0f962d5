"""The decoded text of every ingested paper, for showing evidence in context (GET /papers/{id}).

Texts are stored content-addressed under KB_HOME/texts/<file SHA-256>.txt, written before the
paper's graph is committed and never changed afterwards. A reader following any snapshot of the
graph therefore finds the text its records' offsets point into: the graph's ingest run names the
file's SHA-256 (hk:paperSha256), and the same SHA-256 names the text. The one exception is
`KnowledgeBase.delete_paper`, which removes a text no remaining paper uses once the paper is gone
from graph and index: a reader still holding an older snapshot then gets no text for it (None, as
for a paper ingested without one), never a wrong one.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from kb.settings import Settings

_SHA256 = re.compile(r"[0-9a-f]{64}")


def text_path(settings: Settings, sha256: str) -> Path:
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"Unexpected SHA-256: {sha256!r}")
    return settings.home / "texts" / f"{sha256}.txt"


def save_text(settings: Settings, sha256: str, text: str) -> None:
    """Store a paper's decoded text once (atomically: a reader never sees half a file)."""
    path = text_path(settings, sha256)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_text(settings: Settings, sha256: str) -> str | None:
    """The stored text, or None when the paper was ingested before texts were kept."""
    path = text_path(settings, sha256)
    if not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as fh:
        return fh.read()
