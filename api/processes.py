"""`kb serve --workers N`: uvicorn's multi-process supervisor, with a listening socket per process.

One socket per process (SO_REUSEPORT), not uvicorn's one shared socket: on a shared socket,
asyncio's accept loop takes every pending connection (up to 100) in one wake-up, so a burst of
clients' kept-alive connections lands mostly on one process, which then runs at one core (the GIL)
while the others idle. At 1,000 papers under the 100-client load test one process used 86% of a
core and the other 29% (bench/results/load_notes.md). The kernel spreads new connections over
SO_REUSEPORT sockets by their addresses instead. Process i always serves socket i: a process that
dies is replaced on the same socket, whose pending connections wait for it in the backlog.

TCP_NODELAY on each socket: asyncio sets it only on connections of sockets whose protocol is TCP,
and Linux copies the option from the listening socket to the ones it accepts. Without it an answer
written as headers then body waits for the client's delayed ACK: ~40 ms per request on a
kept-alive connection.
"""

from __future__ import annotations

import logging
import socket

from uvicorn import Config
from uvicorn.supervisors.multiprocess import STARTUP_FAILURE, Multiprocess, Process

log = logging.getLogger("uvicorn.error")
BACKLOG = 2048


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on (host, port) that other SO_REUSEPORT sockets may share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


class SocketPerProcess(Multiprocess):
    """uvicorn's supervisor, with process i serving socket i only (and its replacement after it)."""

    def init_processes(self) -> None:
        for sock in self.sockets:
            process = Process(self.config, [sock])
            process.start()
            self.processes.append(process)

    def keep_subprocess_alive(self) -> None:
        # uvicorn's own loop, but the replacement gets the dead process's socket, not all of them
        if self.should_exit.is_set():
            return
        for index, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:  # the app cannot start: it would not on restart
                log.error(f"Child process [{process.pid}] failed to start, stopping the parent process.")
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            log.info(f"Child process [{process.pid}] died")
            replacement = Process(self.config, [self.sockets[index]])
            replacement.start()
            self.processes[index] = replacement

    def restart_all(self) -> None:
        # SIGHUP: replace each process on its own socket (uvicorn's would give each all the sockets)
        for index, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = Process(self.config, [self.sockets[index]])
            new.start()
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                return
            old.terminate()
            old.join()
            self.processes[index] = new


def serve_processes(host: str, port: int, workers: int) -> None:
    """Run `workers` processes of the app on (host, port) until SIGINT or SIGTERM."""
    config = Config("api.main:create_app", factory=True, host=host, port=port, workers=workers)
    first = listening_socket(host, port)
    bound = first.getsockname()[1]  # port 0: the others join the port the first was given
    sockets = [first, *(listening_socket(host, bound) for _ in range(workers - 1))]
    SocketPerProcess(config, sockets).run()
