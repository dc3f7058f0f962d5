"""A paper as read from disk: its decoded text (the offset space of every record) and identity."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from kb.errors import PaperRejected

SUPPORTED_SUFFIXES = (".txt",)


@dataclass(frozen=True)
class PaperDocument:
    id: str
    file: str
    text: str
    sha256: str
    language: str
    title: str | None = None


def paper_id_for(file_name: str) -> str:
    """A stable id from the file stem: re-ingesting the same file replaces the same paper."""
    stem = Path(file_name).stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "paper"


def read_paper(path: Path) -> PaperDocument:
    """Read and decode one paper file, or raise PaperRejected with a one-line reason."""
    if not path.exists():
        raise PaperRejected(str(path), "no such file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise PaperRejected(str(path), f"unsupported extension {path.suffix!r}; supported: .txt")
    raw = path.read_bytes()
    if not raw.strip():
        raise PaperRejected(str(path), "empty file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PaperRejected(str(path), f"not valid UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if "\x00" in text:
        raise PaperRejected(str(path), "binary content (NUL bytes)")
    from ingest.language import detect_language
    from ingest.metadata import guess_title

    return PaperDocument(
        id=paper_id_for(path.name),
        file=path.name,
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        language=detect_language(text),
        title=guess_title(text),
    )
