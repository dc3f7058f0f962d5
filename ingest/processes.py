"""Whether a process still runs, and the priority of the work one starts.

Used by the upload jobs (a job whose server is gone is taken over, ingest/jobs.py; a job's process
whose server is gone exits, ingest/job_process.py) and by the ingest workers (a worker whose `kb ingest`
is gone exits, ingest/workers.py).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

PARENT_CHECK_SECONDS = 1.0
JOB_NICENESS = 10  # upload jobs: below the server's requests, which run at the server's own priority


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


def lower_thread_priority(niceness: int = JOB_NICENESS) -> None:
    """Run the calling thread at `niceness` or lower priority, and so every process it starts from
    its first instruction: on Linux the nice value belongs to a thread, and a new process takes its
    starting thread's. (A process that lowered its own priority only once it ran would start its
    interpreter, at the cost of some 50 ms of CPU, at the server's priority.)"""
    thread = threading.get_native_id()
    if os.getpriority(os.PRIO_PROCESS, thread) < niceness:
        os.setpriority(os.PRIO_PROCESS, thread, niceness)
