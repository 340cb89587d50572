"""The listening sockets of several workers: on Linux one per worker, all on the same port.

With one socket shared by every worker, the worker whose event loop wakes first accepts
every connection waiting, so an idle worker takes a burst while a busy one sits out; each
worker's own ``SO_REUSEPORT`` socket lets the kernel spread new connections over the
workers by a hash of the client's address and port instead. The supervisor binds the
port first without the option, so a port in use is refused as before (and a second
aidmap started on the same port is refused too), then sets it so that its workers may
bind beside it; its own socket never listens.
"""

from __future__ import annotations

import socket
import sys

import uvicorn

SPREADS = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")
"""Whether the kernel spreads connections over a port's sockets (Linux; elsewhere the
option lets sockets share a port without balancing between them)."""


def worker_sockets(config: uvicorn.Config) -> list[socket.socket]:
    """Bind ``config``'s host and port in the supervisor (uvicorn's one error line and
    exit code 3 if it is in use); what to hand each worker: its own socket on Linux,
    else the supervisor's, which every worker then accepts from."""
    held = config.bind_socket()
    if not SPREADS:
        return [held]
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # after the bind: see above
    return OwnSocket(held)


class OwnSocket(list[socket.socket]):
    """Empty in the supervisor; unpickled in a worker (uvicorn pickles the sockets it hands
    each one), a list of one new socket bound to the supervisor's address with
    ``SO_REUSEPORT``, which the worker listens on."""

    def __init__(self, held: socket.socket) -> None:
        super().__init__()
        self.held = held  # open as long as the supervisor runs: the port stays ours

    def __reduce__(self) -> tuple:
        return bind_own_socket, (self.held.family, self.held.getsockname())


def bind_own_socket(family: socket.AddressFamily, address: tuple) -> list[socket.socket]:
    """A worker's socket on the supervisor's port, bound beside the others."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return [sock]
