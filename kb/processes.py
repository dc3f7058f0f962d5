"""Whether a process still runs: for work that another process left behind or started.

Used by the upload jobs (a job whose server is gone is taken over, kb/jobs.py; a job's process
whose server is gone exits, kb/job_process.py) and by the ingest workers (a worker whose `kb ingest`
is gone exits, kb/ingest_workers.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PARENT_CHECK_SECONDS = 1.0


def process_alive(pid: int) -> bool:
    """Whether `pid` is a running process. Another user's process is taken as running (it cannot
    be signalled, so it exists); a process killed but not yet reaped by its parent is a zombie and
    counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc: the signal test is all there is
    return state not in ("Z", "X")


def exit_with_parent(parent: int) -> None:
    """Run in a thread of a worker process: end the process once `parent` (the process that wanted
    its work) is gone, checking every PARENT_CHECK_SECONDS, so that no worker outlives a killed
    `kb ingest` or server, idle and holding memory, or still writing for nobody."""
    while process_alive(parent):
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)
