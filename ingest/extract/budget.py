"""A paper's CPU budget (KB_PAPER_CPU_SECONDS): extraction stops, with the reason, once one paper
has used it, so that no file below the size caps can hold an ingest for long.

Extraction is linear in the text (bench/results/ingest_scaling.md), so the budget only refuses
what no paper needs: text far denser in results than any paper, or a pathological input the
caps let through. The budget is CPU time of the extracting process, checked sentence by sentence
(the unit of work, bounded in length by the sentence splitter); nothing of a refused paper is
stored, since the knowledge base writes a paper only once its extraction has finished.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from kb.errors import PaperRejected

# (the CPU time the budget runs out at, the budget in seconds, the paper's file name)
_BUDGET: ContextVar[tuple[float, float, str] | None] = ContextVar("paper_cpu_budget", default=None)


@contextmanager
def cpu_budget(source: str, seconds: float) -> Iterator[None]:
    """Give the extraction of `source` inside the block `seconds` of CPU time."""
    token = _BUDGET.set((time.process_time() + seconds, seconds, source))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def charge(done: int, total: int) -> None:
    """Raise PaperRejected once the paper being extracted has used its budget; `done` of `total`
    sentences were read so far (for the reason). Without a budget (training, tests): nothing."""
    budget = _BUDGET.get()
    if budget is None or time.process_time() < budget[0]:
        return
    _, seconds, source = budget
    raise PaperRejected(
        source,
        f"extraction used its CPU budget of {seconds:g} s (KB_PAPER_CPU_SECONDS) after {done:,} of"
        f" {total:,} sentences; nothing of it was stored",
    )
