"""The pipeline that writes paper files into the knowledge base: read, extract, store.

`IngestingKnowledgeBase` is kb's KnowledgeBase with file ingestion on top: it expands folders into
paper files, runs the extractor on each (in worker processes with `jobs` > 1, ingest/workers.py)
and hands each ExtractedPaper to the knowledge base's PaperWriter (kb/store/paper_writes.py), which
stores it whole or not at all. `kb ingest`, the upload jobs (ingest/jobs.py) and the tests ingest
through it; kb/ itself never reads a file.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from ingest.readers import SUFFIXES, read_text
from kb.errors import KBError, PaperRejected
from kb.model.rdf_mapping import PaperMeta
from kb.service import KnowledgeBase
from kb.settings import Settings
from kb.store.paper_writes import ExtractedPaper, PaperStatus, PaperWork, PaperWriter, one_line

# Paper files a folder is expanded to: every format ingest/readers/ reads (.txt, .html, .xml, .pdf, ...).
PAPER_SUFFIXES = SUFFIXES
# `kb ingest` uses the cores it may, with at most this many workers: each holds a copy of the model.
MAX_AUTO_JOBS = 4

Extractor = Callable[[Path], ExtractedPaper]


def default_extractor(path: Path) -> ExtractedPaper:
    """The project's extraction pipeline (ingest/pipeline.py), imported only when a paper is ingested."""
    from ingest.pipeline import extract_paper

    extraction = extract_paper(path)
    return ExtractedPaper(
        meta=PaperMeta.from_document(extraction.document),
        records=extraction.records,
        text=extraction.document.text,
    )


def crosses_processes(extractor: Extractor) -> bool:
    """Whether another process can run this extractor (ingest workers, upload jobs): the project's
    own always can; a stand-in defined inside a test (a closure) cannot be sent to another one."""
    try:
        pickle.dumps(extractor)
    except Exception:
        return False
    return True


@dataclass
class IngestReport:
    papers: list[PaperStatus] = field(default_factory=list)

    @property
    def failed(self) -> list[PaperStatus]:
        return [p for p in self.papers if p.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class IngestStarted:
    """The first progress event of an ingest: the number of sources it will report on, one each."""

    total: int
    jobs: int = 1


IngestEvent = IngestStarted | PaperStatus
IngestProgress = Callable[[IngestEvent], None]


def extract_source(extractor: Extractor, path: Path) -> PaperWork:
    """Run the extractor on one file; a rejection or a crash is the paper's one-line failure."""
    try:
        paper = extractor(path)
        if paper.text is None:
            paper = replace(paper, text=read_text(path).text)  # decoded as ingest/ does
        return PaperWork(str(path), paper=paper)
    except PaperRejected as exc:
        return PaperWork(str(path), failure=one_line(exc.reason))
    except Exception as exc:  # one paper's extraction bug must not stop the others
        return PaperWork(str(path), failure=one_line(f"extraction failed: {type(exc).__name__}: {exc}"))


def expand_sources(paths: Iterable[Path | str]) -> list[tuple[Path, str | None]]:
    """Files as given, folders as their paper files (PAPER_SUFFIXES) in name order; a reason for sources
    with none."""
    sources: list[tuple[Path, str | None]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in PAPER_SUFFIXES and p.is_file())
            if not files:
                sources.append((path, f"no paper files ({', '.join(PAPER_SUFFIXES)}) in this folder"))
            sources.extend((file, None) for file in files)
        elif not path.exists():
            sources.append((path, "no such file or folder"))
        else:
            sources.append((path, None))
    return sources


class IngestingKnowledgeBase(KnowledgeBase):
    """A knowledge base that also ingests paper files, with `extractor` (the project's by default)."""

    def __init__(self, settings: Settings | None = None, *, extractor: Extractor | None = None) -> None:
        super().__init__(settings)
        self._extractor = extractor or default_extractor

    @property
    def extractor(self) -> Extractor:
        """The extractor this knowledge base ingests papers with."""
        return self._extractor

    # ------------------------------------------------------------------ writing

    def ingest_paths(
        self,
        paths: Iterable[Path | str],
        jobs: int | Literal["auto"] = 1,
        progress: IngestProgress | None = None,
    ) -> IngestReport:
        """Ingest files and folders; each paper is stored whole or not at all, failures are reported.

        `progress` gets an IngestStarted event with the number of sources, then each source's
        PaperStatus as soon as it is decided, in source order (the report's order too).
        `jobs` > 1 extracts and prepares the search entries (embeddings) of papers in that many
        worker processes (ingest/workers.py) while this process writes them, one at a time and
        in order. The writer lock is taken once the first paper is extracted (with jobs > 1: at
        the start, since the workers skip papers the store already holds) and held to the end.
        """
        sources = expand_sources(paths)
        files = [path for path, problem in sources if problem is None]
        if jobs == "auto":
            jobs = self._auto_jobs(len(files))
        if jobs < 1:
            raise KBError(f"jobs must be 1 or more, got {jobs}")
        report = IngestReport()

        def decided(status: PaperStatus) -> None:
            report.papers.append(status)
            if progress is not None:
                progress(status)

        if progress is not None:
            progress(IngestStarted(total=len(sources), jobs=jobs))
        with ExitStack() as stack:
            writer: PaperWriter | None = None
            if jobs > 1 and files:
                from ingest.workers import ParallelIngest

                writer = stack.enter_context(self.writer())
                known = writer.unchanged_digests()
                parallel = stack.enter_context(ParallelIngest(self.settings, self._extractor, jobs, known))
                writer.ensure_schema(parallel.dimension)
                works: Iterator[PaperWork] = parallel.run(files)
            else:
                works = (extract_source(self._extractor, path) for path in files)
            seen: dict[str, str] = {}
            for path, problem in sources:
                if problem is not None:
                    decided(PaperStatus(str(path), "failed", reason=problem))
                    continue
                work = next(works)
                if work.paper is None:
                    decided(PaperStatus(work.source, "failed", reason=work.failure))
                    continue
                if writer is None:
                    writer = stack.enter_context(self.writer())
                    writer.ensure_schema(lambda: self._embedder().dimension)
                decided(writer.store_paper(work, seen))
        return report

    def _auto_jobs(self, files: int) -> int:
        """As many worker processes as this process may use cores (at most MAX_AUTO_JOBS), and no
        more than there are files; one process (no workers) for one file or an extractor that
        worker processes cannot import (a test's stand-in)."""
        if not crosses_processes(self._extractor):
            return 1
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return max(1, min(cores, MAX_AUTO_JOBS, files))
