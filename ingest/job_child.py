"""The entry point of an upload job's process (ingest/job_process.py).

The process starts at the job thread's low priority (ingest.processes.lower_thread_priority) and makes
sure of it before it imports anything of the knowledge base: the modules it needs (the extractor,
the stores, the models) take a second or two to load, and at the server's own priority that
start-up would delay the server's answers. Hence only the standard library at the top of this
module (and ingest.processes, which has no other), and the job's settings, extractor and paths
arrive pickled.
"""

from __future__ import annotations

import pickle
import resource
import threading
from multiprocessing.connection import Connection

from ingest.processes import exit_with_parent, lower_thread_priority  # the standard library only


def main(payload: bytes, sending: Connection, parent: int) -> None:
    """Ingest the job's papers, sending ("status", PaperStatus) for each, then ("done", None), or
    ("busy" | "error", reason)."""
    lower_thread_priority()  # started from another thread than the job runner's: now, before the imports

    threading.Thread(target=exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    settings, extractor, paths = pickle.loads(payload)
    limit = settings.job_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from ingest.ingestion import IngestingKnowledgeBase
    from kb.errors import KBError, StoreBusy
    from kb.store.paper_writes import PaperStatus

    knowledge_base = IngestingKnowledgeBase(settings, extractor=extractor)

    def progress(event: object) -> None:
        if isinstance(event, PaperStatus):
            sending.send(("status", event))

    try:
        knowledge_base.ingest_paths(paths, progress=progress)
        sending.send(("done", None))
    except StoreBusy as exc:
        sending.send(("busy", str(exc)))
    except KBError as exc:
        sending.send(("error", " ".join(str(exc).split())))
    except MemoryError:
        sending.send(("error", f"the ingest ran out of memory (KB_JOB_MEMORY_BYTES = {limit})"))
    except Exception as exc:  # reported as the job's reason rather than a traceback on the server's log
        sending.send(("error", f"failed: {type(exc).__name__}: {' '.join(str(exc).split())}"))
    finally:
        knowledge_base.close()
        sending.close()
