"""The code a query worker process runs (see kb/sparql/pool.py), and the same steps in-process.

`answer` is the whole evaluation of one endpoint query: screen it, evaluate it on the store with the
cap, negotiate the format now that the result kind is known, and serialize. The pool runs it in a
worker process for the time limit; tests and the benchmark may call it directly.
"""

from __future__ import annotations

import dataclasses
import gzip
from multiprocessing.connection import Connection

from kb.errors import KBError
from kb.settings import Settings
from kb.sparql.pool import GZIP_MINIMUM, Answer, Job
from kb.sparql.protocol import negotiate, screen_query
from kb.sparql.results import boolean_bytes, graph_bytes, solutions_bytes
from kb.store import GraphStore, Solutions, open_store


def answer(store: GraphStore, job: Job) -> Answer:
    screened = screen_query(job.query)
    result = store.evaluate(
        screened.text,
        kind=screened.kind,
        dataset=job.dataset,
        union_default=not screened.has_from,
        max_results=job.max_results,
    )
    if isinstance(result, bool):
        fmt = negotiate("boolean", job.format_param, job.accept)
        return Answer(fmt.media_type, boolean_bytes(fmt.name, result), 1)
    if isinstance(result, Solutions):
        fmt = negotiate("solutions", job.format_param, job.accept)
        return Answer(
            fmt.media_type, solutions_bytes(fmt.name, result.variables, result.rows), len(result.rows)
        )
    fmt = negotiate("graph", job.format_param, job.accept)
    triples = list(dict.fromkeys(result))  # a graph is a set: no triple twice
    return Answer(fmt.media_type, graph_bytes(fmt.name, triples), len(triples))


def _with_gzip(result: Answer) -> Answer:
    if len(result.body) < GZIP_MINIMUM:
        return result
    return dataclasses.replace(result, gzipped=gzip.compress(result.body, compresslevel=6, mtime=0))


def serve(conn: Connection, settings: Settings) -> None:
    """Worker main loop: open the store read-only once, then answer jobs until the pipe closes."""
    try:
        store = open_store(settings, writable=False)
    except Exception as exc:  # reported to the pool, which refuses the query with it
        conn.send(f"{type(exc).__name__}: {exc}")
        return
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        try:
            conn.send(("ok", _with_gzip(answer(store, job))))
        except KBError as exc:
            conn.send(("error", exc))
        except Exception as exc:  # an unexpected failure must not kill the worker silently
            conn.send(("error", KBError(f"query failed: {type(exc).__name__}: {exc}")))
    store.close()
