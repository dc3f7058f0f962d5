"""Bad input through `kb ingest`: each bad file is refused with a one-line reason, nothing of it is
stored, and the good papers next to it are ingested all the same."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest

from kb.settings import Settings
from kb.store import open_store
from tests.conftest import PAPERS, extractor_ready, kb_env, run_kb

GOOD = PAPERS / "003_bc4f08158784ce0d.txt"


def _pdf_bytes(text: str | None = "Overall survival was 45% at 3 years.", **save: object) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    if text:
        page.insert_text((72, 72), text)
    else:
        page.draw_rect(pymupdf.Rect(72, 72, 300, 300), fill=(0.5, 0.5, 0.5))  # a "scan": no text layer
    return doc.tobytes(**save)


def _bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, part of the reason it must be refused with)."""
    ru = (PAPERS / "000_4c4594d802944b47.txt").read_bytes()
    pdf = _pdf_bytes()
    files = {
        "empty.txt": (b"", "empty file"),
        "blank.txt": (b" \n\t\n", "empty file"),
        "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(2000), "binary content"),
        "truncated.txt": (ru[: ru.index("ОЛЛ".encode()) + 1], "truncated"),
        "garbage.txt": (bytes(range(1, 256)) * 8, "no other text encoding fits it"),
        "corrupt.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\n%%EOF\n", "corrupt PDF"),
        "cut.pdf": (pdf[: len(pdf) // 2], "truncated PDF"),
        "locked.pdf": (
            _pdf_bytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner"),
            "encrypted PDF",
        ),
        "scan.pdf": (_pdf_bytes(None), "without a text layer"),
        "fake.pdf": ("Это не PDF".encode(), "not a PDF"),
        "broken.xml": (b"<article><body><p>unclosed</body></article>", "malformed XML"),
        "paper.docx": (b"PK\x03\x04" + bytes(100), "unsupported extension '.docx'"),
    }
    out = {}
    for name, (content, reason) in files.items():
        path = folder / name
        path.write_bytes(content)
        out[name] = (path, reason)
    huge = folder / "huge.txt"  # 50 MB of real text, over the default KB_MAX_PAPER_BYTES
    with huge.open("wb") as f:
        for _ in range(50 * 1024 * 1024 // len(ru) + 1):
            f.write(ru)
    out["huge.txt"] = (huge, "file too large")
    out["missing.txt"] = (folder / "missing.txt", "no such file")
    return out


def _dump(home: Path) -> list[str]:
    with open_store(Settings(home=home), writable=False) as store:
        return sorted(str(t) for pid in store.paper_ids() for t in store.paper_triples(pid))


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[Path, str]], object]:
    extractor_ready()
    root = tmp_path_factory.mktemp("bad-input")
    folder = root / "in"
    folder.mkdir()
    bad = _bad_files(folder)
    good = folder / "good.txt"
    shutil.copy(GOOD, good)
    home = root / "kb"
    result = run_kb(home, "ingest", *(str(p) for p, _ in bad.values()), str(good))
    return home, bad, result


def test_ingest_fails_with_one_line_per_bad_paper(ingested):
    _, bad, result = ingested
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    for name, (path, reason) in bad.items():
        mine = [line for line in lines if line.startswith("failed") and f"{path}:" in line]
        assert len(mine) == 1, (name, result.stderr)
        assert reason in mine[0], (name, mine[0])
    assert any(line.startswith("ingested") and "good.txt -> good" in line for line in lines)
    assert lines[-1].startswith(f"Error: {len(bad)} of {len(bad) + 1} papers failed; first: ")


def test_only_the_good_paper_is_stored(ingested):
    home, bad, _ = ingested
    with open_store(Settings(home=home), writable=False) as store:
        assert store.paper_ids() == ["good"]
    before = _dump(home)
    assert before
    bad_only = run_kb(home, "ingest", *(str(p) for p, _ in bad.values()))
    assert bad_only.returncode != 0 and "ingested" not in bad_only.stderr
    assert _dump(home) == before


def test_size_cap_is_a_setting(tmp_path):
    from ingest.readers import read_text
    from kb.errors import PaperRejected

    path = tmp_path / "small.txt"
    path.write_bytes(GOOD.read_bytes())
    assert read_text(path, max_bytes=None).text
    with pytest.raises(PaperRejected, match="raise KB_MAX_PAPER_BYTES"):
        read_text(path, max_bytes=1000)
    assert Settings(max_paper_bytes=1000).max_paper_bytes == 1000


def test_page_and_text_limits_refuse_a_paper_before_extraction_and_store_nothing(tmp_path, monkeypatch):
    from ingest.ingestion import IngestingKnowledgeBase
    from tests.conftest import line_extractor

    doc = pymupdf.open()
    for i in range(5):
        doc.new_page().insert_text((72, 72), f"Page {i + 1}: overall survival was {40 + i}% at 3 years.")
    (tmp_path / "pages.pdf").write_bytes(doc.tobytes())
    sentence = "Overall response rate was 45%. "
    (tmp_path / "chars.txt").write_text(sentence * 100, encoding="utf-8")  # 3,100 characters
    monkeypatch.setenv("KB_MAX_PDF_PAGES", "3")
    monkeypatch.setenv("KB_MAX_TEXT_CHARS", "2000")
    knowledge_base = IngestingKnowledgeBase(Settings(home=tmp_path / "kb"), extractor=line_extractor)
    report = knowledge_base.ingest_paths([tmp_path / "pages.pdf", tmp_path / "chars.txt"])
    reasons = {Path(p.source).name: (p.status, p.reason) for p in report.papers}
    assert reasons["pages.pdf"] == (
        "failed",
        "PDF too long: 5 pages, over the 3-page limit (KB_MAX_PDF_PAGES)",
    )
    assert reasons["chars.txt"] == (
        "failed",
        "text too long: 3,100 characters, over the 2,000-character limit (KB_MAX_TEXT_CHARS)",
    )
    assert list(knowledge_base.export_outcomes()) == []
    monkeypatch.setenv("KB_MAX_PDF_PAGES", "5")
    monkeypatch.setenv("KB_MAX_TEXT_CHARS", "3100")  # at the limit: read
    again = knowledge_base.ingest_paths([tmp_path / "pages.pdf", tmp_path / "chars.txt"])
    assert [p.status for p in again.papers] == ["ingested", "ingested"]
    knowledge_base.close()


def test_a_paper_past_its_cpu_budget_is_refused_with_the_reason_and_nothing_stored(tmp_path):
    """Text far denser in results than any paper, below the size caps: `kb ingest` refuses it once
    its extraction has used KB_PAPER_CPU_SECONDS, says so, and stores nothing of it; a paper within
    the budget in the same run is ingested."""
    assert extractor_ready()
    sentence = (
        "In the blinatumomab arm the overall response rate was 45% (95% CI, 38% to 52%) versus 28%"
        " with chemotherapy (p = 0.003), and median overall survival was 7.7 versus 4.0 months. "
    )
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "dense.txt").write_text("Dense\n\n" + sentence * 2000, encoding="utf-8")
    (folder / "short.txt").write_text("Short\n\n" + sentence, encoding="utf-8")
    home = tmp_path / "kb"
    done = subprocess.run(
        [sys.executable, "-m", "kb", "ingest", str(folder), "--jobs", "1"],
        env={**kb_env(home), "KB_PAPER_CPU_SECONDS": "3"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "dense.txt: extraction used its CPU budget of 3 s (KB_PAPER_CPU_SECONDS) after" in said
    assert "nothing of it was stored" in said
    exported = run_kb(home, "export", "outcomes", "--format", "jsonl")
    papers = {json.loads(line)["paper"]["file"] for line in exported.stdout.splitlines()}
    assert papers == {"short.txt"}
