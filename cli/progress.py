"""What `kb ingest` shows while it runs: a progress bar on a terminal, plain lines otherwise.

Both get the events of `KnowledgeBase.ingest_paths(progress=...)`: IngestStarted, then one
PaperStatus per source as soon as it is decided. Plain output (a pipe, a log, CI) is exactly one
`PaperStatus.line()` per source, plus the details of a refused graph indented below it, so it
can be parsed. On a terminal the same lines scroll above a bar that counts papers, with the rate
and the time left.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ingest.ingestion import IngestEvent, IngestProgress, IngestStarted
from kb.store.paper_writes import PaperStatus


def plain_lines(event: IngestEvent) -> None:
    """One line per source on stderr, as `kb ingest` has always printed them."""
    if isinstance(event, PaperStatus):
        click.echo(event.line(), err=True)
        for detail in event.details or []:
            click.echo(f"  {detail}", err=True)


class ProgressBar:
    """A rich progress bar on a terminal; each paper's line is printed above it as it is decided."""

    def __init__(self, stream: TextIO) -> None:
        self.console = Console(file=stream, highlight=False)
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.task = self.bar.add_task("starting", total=None, rate="")
        self.counts: Counter[str] = Counter()
        self.started = time.perf_counter()

    def __call__(self, event: IngestEvent) -> None:
        if isinstance(event, IngestStarted):
            workers = f" with {event.jobs} workers" if event.jobs > 1 else ""
            self.bar.update(self.task, total=event.total, description=f"ingesting{workers}")
            return
        self.bar.console.print(event.line(), markup=False, soft_wrap=True)
        for detail in event.details or []:
            self.bar.console.print(f"  {detail}", markup=False, soft_wrap=True)
        self.counts[event.status] += 1
        done = sum(self.counts.values())
        minutes = (time.perf_counter() - self.started) / 60
        summary = " · ".join(f"{n} {status}" for status, n in sorted(self.counts.items()))
        self.bar.update(self.task, advance=1, description=summary, rate=f"{done / minutes:.1f} papers/min")


@contextmanager
def ingest_display(stream: TextIO) -> Iterator[IngestProgress]:
    """The progress callback for `stream`: a bar when it is a terminal, plain lines when not."""
    if not stream.isatty():
        yield plain_lines
        return
    display = ProgressBar(stream)
    with display.bar:
        yield display
