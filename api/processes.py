"""`kb serve --workers N`: uvicorn's multi-process supervisor, with a listening socket per process.

One socket per process (SO_REUSEPORT), not uvicorn's one shared socket: on a shared socket,
asyncio's accept loop takes every pending connection (up to 100) in one wake-up, so a burst of new
kept-alive connections can land on whichever process woke first, which then runs at one core (the
GIL) while the others idle. The kernel spreads connections over SO_REUSEPORT sockets by their
addresses instead. (The worst skew measured, 26 s of CPU against 2 s over 30 s, came from the load
generator sharing one pool among its clients, not from the socket: bench/results/load_notes.md.
With a connection per client and a socket per process the two processes used 15.6 and 12.6 s;
the shared socket was not measured again under that load.)

TCP_NODELAY on each socket: asyncio sets it only on connections of sockets whose protocol is TCP,
and Linux copies the option from the listening socket to the ones it accepts. Without it an answer
written as headers then body waits for the client's delayed ACK: ~40 ms per request on a
kept-alive connection.
"""

from __future__ import annotations

import socket

from uvicorn import Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

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
    """uvicorn's supervisor, starting process i on socket i.

    Everything else is uvicorn's: a process that dies (or is replaced on SIGHUP) is replaced by
    one serving all the sockets, which is correct and only less even until the next start."""

    def init_processes(self) -> None:
        for sock in self.sockets:
            process = Process(self.config, [sock])
            process.start()
            self.processes.append(process)


def serve_processes(host: str, port: int, workers: int) -> None:
    """Run `workers` processes of the app on (host, port) until SIGINT or SIGTERM."""
    config = Config("api.main:create_app", factory=True, host=host, port=port, workers=workers)
    first = listening_socket(host, port)
    bound = first.getsockname()[1]  # port 0: the others join the port the first was given
    sockets = [first, *(listening_socket(host, bound) for _ in range(workers - 1))]
    SocketPerProcess(config, sockets).run()
