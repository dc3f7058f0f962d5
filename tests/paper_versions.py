"""Two versions of the corpus papers, for tests in which an ingest replaces papers.

A paper's id is its file stem (kb.model.records.paper_id_for), so a shortened copy of a paper under
the same file name is an earlier version of the same paper: ingesting data/papers over it replaces
the paper's graph and index rows with different content and a different number of records.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import PAPERS

KEPT_SHARE = 0.6  # of a paper's lines, from the start, in its shortened version


def shortened_copy(source: Path, folder: Path) -> Path:
    """`source` cut to its first KEPT_SHARE of lines, saved under the same name in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    target = folder / source.name
    target.write_text("".join(lines[: max(1, int(len(lines) * KEPT_SHARE))]), encoding="utf-8")
    return target


def corpus_files() -> list[Path]:
    return sorted(PAPERS.glob("*.txt"))


def shortened_corpus(folder: Path, names: list[str] | None = None, *, full: list[str] = ()) -> Path:
    """A corpus folder holding the shortened version of the papers `names` (default all) and an
    unchanged copy of the papers `full`."""
    for source in corpus_files():
        if source.name in full:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / source.name)
        elif names is None or source.name in names:
            shortened_copy(source, folder)
    return folder
