"""Ingest jobs: papers uploaded over the API (POST /papers), ingested in the background, one job at a time.

Uploads are kept content-addressed, `KB_HOME/uploads/<file SHA-256>/<original name>`: the SHA-256
is the one the paper's graph records (hk:paperSha256), so deleting a paper finds its upload, and
the original name is kept because the paper id is made from it (kb.model.records.paper_id_for).

Jobs are rows of a small SQLite table, `KB_HOME/jobs/jobs.sqlite`, so a restarted server still
answers for finished jobs. Each row names the process that owns it: when that process is gone, a
job it was running is reported `interrupted` (each paper was stored whole or not at all, so the
knowledge base is consistent; upload again to finish) and a job still queued is taken up again.

One worker thread runs the jobs in order, each in a process of its own (ingest/job_process.py: the
server's answers never wait for an extraction), so the server has one writer at a time; a `kb ingest`
holding the store's writer lock makes a job wait (up to STORE_WAIT_SECONDS) and then fail with
that reason. A job's results grow paper by paper, from IngestingKnowledgeBase.ingest_paths' progress events.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal

from sqlite_utils.utils import sqlite3  # the SQLite the index uses: two libraries in one process break locks

from ingest.ingestion import IngestEvent, IngestingKnowledgeBase, IngestReport, crosses_processes
from ingest.job_process import ServerStopping, ingest_in_process
from ingest.processes import lower_thread_priority, process_alive
from ingest.readers import SUFFIXES
from kb.errors import KBError, StoreBusy
from kb.settings import Settings
from kb.store.paper_writes import PaperStatus

log = logging.getLogger(__name__)

JobStatus = Literal["queued", "running", "succeeded", "failed", "interrupted"]
# How long a job waits for a `kb ingest` (another process) to release the store, and how often it looks.
STORE_WAIT_SECONDS = 600.0
STORE_POLL_SECONDS = 1.0
# How long DELETE /papers/{id} waits for a running job before answering 503.
WRITER_WAIT_SECONDS = 30.0
RECENT_JOBS = 50
MAX_NAME_BYTES = 200  # file systems take 255; room for the temporary names beside it
_COPY_CHUNK = 1 << 20


class UploadRefused(KBError):
    """An uploaded file the knowledge base will not take (its name or extension); nothing was kept."""


@dataclass(frozen=True)
class UploadedFile:
    """One uploaded paper file as kept under KB_HOME/uploads."""

    name: str  # the original base name, which the paper id is made from
    sha256: str
    size: int

    def path(self, settings: Settings) -> Path:
        return upload_path(settings, self.sha256, self.name)


@dataclass(frozen=True)
class PaperResult:
    """How one uploaded file fared: kb.service.PaperStatus with the upload's name for its source."""

    file: str
    status: Literal["ingested", "unchanged", "failed"]
    paper_id: str | None = None
    records: int = 0
    reason: str | None = None


@dataclass(frozen=True)
class Job:
    id: str
    status: JobStatus
    files: list[UploadedFile]
    created: str
    results: list[PaperResult] = field(default_factory=list)
    started: str | None = None
    finished: str | None = None
    message: str | None = None  # why it failed or was interrupted, or what a running job waits for
    owner_pid: int = 0
    owner_key: str = ""  # fingerprint of the API key that uploaded the files (api/security.py)

    @property
    def total(self) -> int:
        return len(self.files)

    @property
    def done(self) -> int:
        return len(self.results)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------- uploads


def upload_path(settings: Settings, sha256: str, name: str) -> Path:
    return settings.uploads_dir / sha256 / name


# Unicode's explicit directional formatting characters (embeddings, overrides, isolates, marks)
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def checked_file_name(raw: str | None) -> str:
    """The base name of an uploaded file, or UploadRefused when it has none or an unsupported extension."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in (".", "..") or any(ord(c) < 32 or c == "\x7f" for c in name):
        raise UploadRefused(f"an uploaded file needs a file name, got {raw!r}")
    if any(c in _BIDI_CONTROLS for c in name):
        # "report\u202efdp.txt" is shown as "reporttxt.pdf": a name that lies about its extension
        shown = name.encode("unicode_escape").decode("ascii")
        raise UploadRefused(f"{shown}: file names with bidirectional control characters are refused")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise UploadRefused(f"{name[:40]}…: file names longer than {MAX_NAME_BYTES} bytes are refused")
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        shown = suffix or "(none)"
        raise UploadRefused(f"{name}: unsupported extension {shown!r}; supported: {', '.join(SUFFIXES)}")
    return name


def keep_upload(settings: Settings, name: str, source: BinaryIO) -> UploadedFile:
    """Copy an uploaded file under KB_HOME/uploads, hashing it on the way; the same bytes are kept once."""
    return _keep(settings, name, source)[0]


def keep_uploads(settings: Settings, files: Sequence[tuple[str, BinaryIO]]) -> list[UploadedFile]:
    """Keep every (checked name, content) or, if one cannot be kept, none of those this call added."""
    kept: list[UploadedFile] = []
    added: list[Path] = []
    try:
        for name, source in files:
            uploaded, new = _keep(settings, name, source)
            kept.append(uploaded)
            if new:
                added.append(uploaded.path(settings))
    except BaseException:
        for path in added:  # files kept before this call may belong to a queued job: left alone
            path.unlink(missing_ok=True)
            with suppress(OSError):  # not empty: the same bytes under another name
                path.parent.rmdir()
        raise
    return kept


# An incoming file untouched this long belongs to no upload still being received.
STALE_INCOMING_SECONDS = 600


def remove_stale_incoming(settings: Settings) -> int:
    """Delete what interrupted uploads left in KB_HOME/uploads/.incoming; how many files went.
    Another server process may be receiving a file there now, so only files untouched for
    STALE_INCOMING_SECONDS go."""
    incoming = settings.uploads_dir / ".incoming"
    if not incoming.is_dir():
        return 0
    removed = 0
    cutoff = time.time() - STALE_INCOMING_SECONDS
    for path in incoming.iterdir():
        with suppress(OSError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed


def _keep(settings: Settings, name: str, source: BinaryIO) -> tuple[UploadedFile, bool]:
    """(the kept file, whether this call added it)."""
    incoming = settings.uploads_dir / ".incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=incoming, prefix="upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_COPY_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        uploaded = UploadedFile(name=name, sha256=digest.hexdigest(), size=size)
        target = uploaded.path(settings)
        if target.exists():  # same name and SHA-256: the same bytes
            Path(tmp).unlink()
            return uploaded, False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        return uploaded, True
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------- the registry


_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    files TEXT NOT NULL,
    results TEXT NOT NULL,
    created TEXT NOT NULL,
    started TEXT,
    finished TEXT,
    message TEXT,
    owner_pid INTEGER NOT NULL,
    owner_key TEXT NOT NULL DEFAULT ''
)
"""
_COLUMNS = (
    "id", "status", "files", "results", "created", "started", "finished", "message", "owner_pid", "owner_key"
)  # fmt: skip


class JobRegistry:
    """The jobs table; every call opens its own connection, so any thread may call it.

    The file is created by the first job saved: a server nobody uploads to writes nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._created = threading.Lock()
        self._current = False  # the table has every column of _COLUMNS

    @classmethod
    def open(cls, settings: Settings) -> JobRegistry:
        return cls(settings.home / "jobs" / "jobs.sqlite")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def _migrated(self, db: sqlite3.Connection) -> None:
        """A registry written before jobs had owners gets the column (its jobs: no owner)."""
        if self._current:
            return
        columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
        if columns and "owner_key" not in columns:
            db.execute("ALTER TABLE jobs ADD COLUMN owner_key TEXT NOT NULL DEFAULT ''")
        self._current = True

    def _select(self, where: str, params: Sequence[object]) -> list[Job]:
        if not self.path.exists():
            return []
        with self._connect() as db:
            self._migrated(db)
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM jobs {where}", params).fetchall()
        return [_job(row) for row in rows]

    def save(self, job: Job) -> None:
        with self._created:
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self._connect() as db:
                    db.execute("PRAGMA journal_mode = WAL")
                    db.execute(_SCHEMA)
        row = (
            job.id,
            job.status,
            json.dumps([asdict(f) for f in job.files], ensure_ascii=False),
            json.dumps([asdict(r) for r in job.results], ensure_ascii=False),
            job.created,
            job.started,
            job.finished,
            job.message,
            job.owner_pid,
            job.owner_key,
        )
        with self._connect() as db:
            self._migrated(db)
            columns, marks = ", ".join(_COLUMNS), ", ".join("?" * len(_COLUMNS))
            db.execute(f"INSERT OR REPLACE INTO jobs ({columns}) VALUES ({marks})", row)

    def get(self, job_id: str) -> Job | None:
        found = self._select("WHERE id = ?", [job_id])
        return found[0] if found else None

    def recent(self, limit: int = RECENT_JOBS) -> list[Job]:
        """The newest jobs first."""
        return self._select("ORDER BY created DESC, rowid DESC LIMIT ?", [limit])

    def needed_uploads(self, besides: str) -> set[UploadedFile]:
        """Files that jobs other than `besides` still need: queued or running with them, or having
        made papers of them (ingested or unchanged)."""
        needed: set[UploadedFile] = set()
        for job in self._select("WHERE id != ?", [besides]):
            needed.update(job.files if job.status in ("queued", "running") else made_papers(job))
        return needed

    def upload_bytes(self, settings: Settings, owner_key: str | None = None) -> int:
        """Bytes of the uploads on disk that jobs of `owner_key` (None: any job) brought, each file once."""
        files = {f for job in self._select("", []) if owner_key in (None, job.owner_key) for f in job.files}
        return sum(f.size for f in files if f.path(settings).exists())

    def orphans(self) -> list[Job]:
        """Queued or running jobs whose server process is gone, oldest first."""
        jobs = self._select("WHERE status IN ('queued', 'running') ORDER BY created, rowid", [])
        return [job for job in jobs if job.owner_pid != os.getpid() and not process_alive(job.owner_pid)]


def made_papers(job: Job) -> list[UploadedFile]:
    """The job's files that became papers (results come in the order of the files)."""
    return [f for f, r in zip(job.files, job.results, strict=False) if r.status in ("ingested", "unchanged")]


def _job(row: Sequence[object]) -> Job:
    values = dict(zip(_COLUMNS, row, strict=True))
    return Job(
        id=str(values["id"]),
        status=values["status"],  # type: ignore[arg-type]
        files=[UploadedFile(**f) for f in json.loads(str(values["files"]))],
        results=[PaperResult(**r) for r in json.loads(str(values["results"]))],
        created=str(values["created"]),
        started=values["started"],  # type: ignore[arg-type]
        finished=values["finished"],  # type: ignore[arg-type]
        message=values["message"],  # type: ignore[arg-type]
        owner_pid=int(values["owner_pid"]),  # type: ignore[arg-type]
        owner_key=str(values["owner_key"] or ""),
    )


# ---------------------------------------------------------------------- the worker


def _result(status: PaperStatus, names: dict[str, str]) -> PaperResult:
    return PaperResult(
        file=names.get(status.source, Path(status.source).name),
        status=status.status,
        paper_id=status.paper_id,
        records=status.records,
        reason=status.reason,
    )


class JobRunner:
    """Runs ingest jobs in order in one thread; `writing()` lets other writes (deletes) take turns with it."""

    def __init__(
        self,
        knowledge_base: IngestingKnowledgeBase,
        registry: JobRegistry | None = None,
        *,
        store_wait: float = STORE_WAIT_SECONDS,
    ) -> None:
        self.knowledge_base = knowledge_base
        self.settings = knowledge_base.settings
        self.registry = registry or JobRegistry.open(self.settings)
        self.store_wait = store_wait
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._writer = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Take over the jobs of a server that is gone, then start the worker."""
        for job in self.registry.orphans():
            if job.status == "running":
                message = (
                    "interrupted: the server stopped while this job was running; papers already"
                    " reported were stored, the others were not: upload them again"
                )
                self._end(job, "interrupted", message)
            else:
                self.registry.save(replace(job, owner_pid=os.getpid()))
                self._queue.put(job.id)
        remove_stale_incoming(self.settings)
        self._thread = threading.Thread(target=self._work, name="kb-ingest-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking jobs; a job still running when the process ends is reported interrupted next time."""
        self._stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def submit(self, files: Sequence[UploadedFile], owner_key: str = "") -> Job:
        job = Job(
            id=uuid.uuid4().hex,
            status="queued",
            files=list(files),
            created=_now(),
            owner_pid=os.getpid(),
            owner_key=owner_key,
        )
        self.registry.save(job)
        self._queue.put(job.id)
        return job

    @contextmanager
    def writing(self, timeout: float = WRITER_WAIT_SECONDS) -> Iterator[None]:
        """Hold the server's one writer slot, or StoreBusy when a job keeps it longer than `timeout`."""
        if not self._writer.acquire(timeout=timeout):
            raise StoreBusy("an upload job is writing to the knowledge base; try again when it has finished")
        try:
            yield
        finally:
            self._writer.release()

    def _work(self) -> None:
        lower_thread_priority()  # this thread's job processes start at low priority
        while not self._stopping.is_set():
            job_id = self._queue.get()
            if job_id is None:
                return
            job = self.registry.get(job_id)
            if job is None or job.status != "queued":
                continue
            try:
                self._run(job)
            except Exception as exc:  # the worker must outlive any one job
                log.exception("ingest job %s failed", job.id)
                failed = self.registry.get(job.id) or job
                message = f"failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
                self._end(failed, "failed", message)

    def _run(self, job: Job) -> None:
        job = replace(job, status="running", started=_now(), message=None)
        self.registry.save(job)
        names = {str(f.path(self.settings)): f.name for f in job.files}
        paths = [f.path(self.settings) for f in job.files]
        deadline = time.monotonic() + self.store_wait

        def progress(event: IngestEvent) -> None:  # each paper's result as soon as it is decided
            nonlocal job
            if isinstance(event, PaperStatus):
                job = replace(job, results=[*job.results, _result(event, names)], message=None)
                self.registry.save(job)

        while True:
            try:
                with self.writing(timeout=self.store_wait):
                    report = self._ingest(paths, progress)
                break
            except ServerStopping:  # the job stays running: the next server reports it interrupted
                return
            except StoreBusy as exc:
                reason = " ".join(str(exc).split())
                job = replace(job, results=[])  # the next attempt reports every paper again
                if self._stopping.is_set():  # nothing was written: the next server takes it up
                    self.registry.save(replace(job, status="queued", started=None, message=None))
                    return
                if time.monotonic() >= deadline:
                    self._end(job, "failed", reason)
                    return
                job = replace(job, message=f"waiting: {reason}")
                self.registry.save(job)
                self._stopping.wait(STORE_POLL_SECONDS)
            except KBError as exc:
                self._end(job, "failed", " ".join(str(exc).split()))
                return
        results = [_result(status, names) for status in report.papers]
        failed = [r for r in results if r.status == "failed"]
        message = None
        if failed:
            first = failed[0]
            message = f"{len(failed)} of {len(results)} papers failed; first: {first.file}: {first.reason}"
        status: JobStatus = "failed" if failed else "succeeded"
        self._end(replace(job, results=results), status, message)

    def _ingest(self, paths: list[Path], progress: Callable[[IngestEvent], None]) -> IngestReport:
        """The job's papers ingested in a process of its own (ingest/job_process.py), or in this thread
        for an extractor that cannot be sent to another process (a test's stand-in)."""
        extractor = self.knowledge_base.extractor
        if not crosses_processes(extractor):
            return self.knowledge_base.ingest_paths(paths, progress=progress)
        return ingest_in_process(self.settings, extractor, paths, progress, self._stopping)

    def _end(self, job: Job, status: JobStatus, message: str | None) -> None:
        """Record how the job ended, then delete its files that did not become papers and that no
        other job needs: a refused or failed upload must not stay on disk."""
        ended = replace(job, status=status, finished=_now(), message=message)
        self.registry.save(ended)
        papers, needed = made_papers(ended), self.registry.needed_uploads(besides=ended.id)
        for upload in ended.files:
            if upload in papers or upload in needed:
                continue
            path = upload.path(self.settings)
            path.unlink(missing_ok=True)
            with suppress(OSError):  # the digest's folder, once empty
                path.parent.rmdir()
