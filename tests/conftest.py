"""Shared fixtures: temp knowledge bases, a stand-in extractor, a live HTTP server, the corpus KB."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.document import read_paper
from ingest.ingestion import IngestingKnowledgeBase
from kb.model.rdf_mapping import PaperMeta
from kb.model.records import ConceptRef, OutcomeRecord, Span, StudyRef
from kb.service import KnowledgeBase
from kb.settings import Settings
from kb.store.paper_writes import ExtractedPaper

REPO = Path(__file__).resolve().parents[1]
PAPERS = REPO / "data" / "papers"
SHARED = REPO.parent / "shared"

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_ANTIGEN = re.compile(r"\bCD\d+\b|\bBCMA\b")


def line_extractor(path: Path) -> ExtractedPaper:
    """A stand-in for the real extractor: every "NN%" is a CR rate whose evidence is its line.

    It reads papers with the real `ingest.document.read_paper`, so bad input is rejected for real;
    it lets the store, service, CLI and API be tested while the extractor is written elsewhere.
    """
    document = read_paper(path)
    meta = PaperMeta.from_document(document)
    records = []
    offset = 0
    for line in document.text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        for match in _PERCENT.finditer(stripped):
            start = offset + match.start()
            antigens = list(dict.fromkeys(_ANTIGEN.findall(stripped)))
            records.append(
                OutcomeRecord(
                    id=f"{meta.id}/{start}",
                    paper=meta.ref(),
                    study=StudyRef(id=f"{meta.id}/own", label="own cohort", is_primary=True),
                    interventions=[ConceptRef(id=f"{a}-therapy", label=f"{a} therapy") for a in antigens],
                    antigens=antigens,
                    disease=ConceptRef(id="b-all", label="B-cell acute lymphoblastic leukemia"),
                    line_of_therapy="relapsed/refractory" if "relapse" in stripped.lower() else None,
                    endpoint="CR",
                    statistic="rate",
                    value=float(match.group(1)),
                    unit="%",
                    evidence=Span(text=stripped, char_start=offset, char_end=offset + len(stripped)),
                    mentions=[Span(text=match.group(0), char_start=start, char_end=offset + match.end())],
                )
            )
        offset += len(line)
    return ExtractedPaper(meta=meta, records=records)


PAPER_A = "Title A\nCD19 CAR-T in relapsed B-ALL gave CR in 80.7% of patients.\nOS was 45%.\n"
PAPER_B = "Статья Б\nБлинатумомаб (CD19/CD3): ПР — CR 84.4% и MRD-негативность 29.4%.\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "kb")


@pytest.fixture
def kb(settings: Settings) -> Iterator[KnowledgeBase]:
    knowledge_base = IngestingKnowledgeBase(settings, extractor=line_extractor)
    yield knowledge_base
    knowledge_base.close()


@pytest.fixture
def papers(tmp_path: Path) -> Path:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "a.txt").write_text(PAPER_A, encoding="utf-8")
    (folder / "b.txt").write_text(PAPER_B, encoding="utf-8")
    return folder


def extractor_ready() -> bool:
    """Whether the project's real extractor exists yet; in CI its absence is a failure."""
    if importlib.util.find_spec("ingest.extract.assemble") is not None:
        return True
    if os.environ.get("CI") == "true":
        pytest.fail("ingest.extract.assemble is missing: the real extractor is needed in CI")
    pytest.skip("ingest.extract.assemble does not exist yet (the extractor is being written)")
    return False


def kb_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env["KB_HOME"] = str(home)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_kb(home: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """`kb ARGS` in a fresh process, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=REPO,
        env=kb_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerClient(httpx.Client):
    """The HTTP client of a LiveServer: a request that times out fails with every thread's stack of
    the server (`kb serve` prints them on SIGUSR1), which says what it was waiting for."""

    def __init__(self, server: LiveServer, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.server = server

    def send(self, request: httpx.Request, **options: object) -> httpx.Response:  # type: ignore[override]
        try:
            return super().send(request, **options)  # type: ignore[arg-type]
        except httpx.TimeoutException as exc:
            stacks = self.server.thread_stacks()
            raise AssertionError(f"{request.method} {request.url} timed out; the server:\n{stacks}") from exc


class LiveServer:
    """`kb serve` in its own process on a free loopback port over `home`, with extra KB_* settings;
    its output goes to `log_path` when given (tests read what it logged), else to a temporary file
    (a pipe nobody reads would stop the server once full). `start` again after `stop` restarts it
    on a new port."""

    def __init__(
        self, home: Path, *, timeout: float = 30, log_path: Path | None = None, **settings: str
    ) -> None:
        self.home, self.timeout, self.log_path, self.settings = home, timeout, log_path, settings
        self.start()

    def start(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = kb_env(self.home)
        env.update(self.settings)
        self._log = self.log_path.open("ab") if self.log_path is not None else tempfile.TemporaryFile()  # noqa: SIM115 (open while the server runs)
        self._log_start = self._log.tell()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kb", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.client = ServerClient(self, base_url=self.url, timeout=self.timeout)
        deadline = time.monotonic() + max(30, self.timeout)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kb serve exited: {self._output()}")
            try:
                self.client.get("/health")
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("kb serve did not answer in time")

    def _output(self, last: int = 200_000) -> str:
        """What this run of the server printed (its last `last` bytes)."""
        # pread: the server shares the file's offset, which must stay where it writes
        fd = self._log.fileno()
        end = os.fstat(fd).st_size
        start = max(self._log_start, end - last)
        return os.pread(fd, end - start, start).decode(errors="replace")

    def thread_stacks(self) -> str:
        """The server's log tail after asking it for every thread's stack (SIGUSR1)."""
        if self.process.poll() is not None:
            return f"exited with code {self.process.returncode}:\n{self._output(20_000)}"
        self.process.send_signal(signal.SIGUSR1)
        time.sleep(1)
        return self._output(20_000)

    @property
    def endpoint(self) -> str:
        """The SPARQL endpoint."""
        return self.url + "/sparql"

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(settings.home)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def populated_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server over a knowledge base holding PAPER_A and PAPER_B (stand-in extractor)."""
    root = tmp_path_factory.mktemp("served")
    folder = root / "papers"
    folder.mkdir()
    (folder / "a.txt").write_text(PAPER_A, encoding="utf-8")
    (folder / "b.txt").write_text(PAPER_B, encoding="utf-8")
    knowledge_base = IngestingKnowledgeBase(Settings(home=root / "kb"), extractor=line_extractor)
    assert knowledge_base.ingest_paths([folder]).ok
    server = LiveServer(root / "kb")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def corpus_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A knowledge base built from data/papers with the real extractor, through the real CLI, once."""
    extractor_ready()
    home = tmp_path_factory.mktemp("corpus") / "kb"
    result = run_kb(home, "ingest", str(PAPERS))
    assert result.returncode == 0, result.stderr
    return home


@pytest.fixture(scope="session")
def virtuoso_settings() -> Iterator[dict[str, str]]:
    """KB_STORE* settings of one Virtuoso for the session: scripts/test's, else one started here."""
    from tests.sparql_server import Virtuoso

    shared = os.environ.get("HEMEKB_TEST_VIRTUOSO")
    if shared:
        yield dict(
            line.split("=", 1) for line in shared.splitlines() if "=" in line and line.startswith("KB_")
        )
        return
    server = Virtuoso()
    yield server.settings
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_corpus(
    virtuoso_settings: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """The corpus ingested by `kb ingest` into Virtuoso: (KB_HOME, the KB_STORE* settings)."""
    extractor_ready()
    store = {k: v for k, v in virtuoso_settings.items() if k.startswith("KB_")}
    home = tmp_path_factory.mktemp("virtuoso-corpus") / "kb"
    result = subprocess.run(
        [sys.executable, "-m", "kb", "ingest", str(PAPERS)],
        cwd=REPO,
        env={**kb_env(home), **store},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return home, store


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def corpus_server(request: pytest.FixtureRequest, corpus_home: Path) -> Iterator[LiveServer]:
    """`kb serve` over the corpus, in the embedded store and in Virtuoso: a module that uses it runs
    its tests on both backends."""
    from tests.sparql_server import Server

    if request.param == "oxigraph":
        running = Server(corpus_home)
    else:
        home, store = request.getfixturevalue("virtuoso_corpus")
        running = Server(home, **store)
    yield running
    running.stop()
