"""Helpers for the SPARQL tests: a `kb serve` with chosen KB_* settings, and a Virtuoso server."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ingest.ingestion import IngestingKnowledgeBase
from kb.settings import Settings
from tests.conftest import PAPER_A, PAPER_B, REPO, LiveServer, line_extractor


def make_home(root: Path) -> Path:
    """A knowledge base holding PAPER_A (a.txt) and PAPER_B (b.txt), read by the stand-in extractor."""
    folder = root / "papers"
    folder.mkdir()
    (folder / "a.txt").write_text(PAPER_A, encoding="utf-8")
    (folder / "b.txt").write_text(PAPER_B, encoding="utf-8")
    knowledge_base = IngestingKnowledgeBase(Settings(home=root / "kb"), extractor=line_extractor)
    assert knowledge_base.ingest_paths([folder]).ok
    knowledge_base.close()
    return root / "kb"


class Server(LiveServer):
    """`kb serve` over `home` with extra KB_* settings, waiting longer: SPARQL answers may be slow."""

    def __init__(self, home: Path, **settings: str) -> None:
        super().__init__(home, timeout=60, **settings)


class Virtuoso:
    """A Virtuoso open source server started by scripts/virtuoso-start, stopped by scripts/virtuoso-stop."""

    def __init__(self) -> None:
        result = subprocess.run(
            [str(REPO / "scripts" / "virtuoso-start")],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if result.returncode == 3 and os.environ.get("CI") != "true":
            pytest.skip(f"Virtuoso is not installed and cannot be installed here: {result.stderr.strip()}")
        if result.returncode != 0:
            raise RuntimeError(f"scripts/virtuoso-start failed ({result.returncode}): {result.stderr}")
        self.settings = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
        self.directory = self.settings.pop("VIRTUOSO_DIR")
        self.settings.pop("VIRTUOSO_PID")

    def stop(self) -> None:
        if shutil.which("bash"):
            subprocess.run([str(REPO / "scripts" / "virtuoso-stop"), self.directory], check=False, timeout=60)
