"""Raw TCP clients from chosen loopback addresses, for tests of how ``aidmap serve`` treats
slow, greedy or forwarding clients (Linux routes all of 127.0.0.0/8 to loopback)."""

from __future__ import annotations

import contextlib
import socket
import time


def connect(
    port: int, source: str = "127.0.0.1", receive_buffer: int | None = None
) -> socket.socket:
    """A TCP connection to ``127.0.0.1:port`` from the address ``source``."""
    sock = socket.socket()
    if receive_buffer is not None:  # before connecting, so the window stays small
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.bind((source, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    return sock


def send_quietly(sock: socket.socket, data: bytes) -> None:
    """Send ``data`` unless the server has already closed the connection."""
    with contextlib.suppress(OSError):
        sock.sendall(data)


def read_until_closed(sock: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """Everything the server sends within ``timeout`` seconds, and whether it closed the
    connection (end of stream or reset) by then."""
    received, deadline = bytearray(), time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            return bytes(received), True
        if not chunk:
            return bytes(received), True
        received += chunk
    return bytes(received), False


def read_answer(sock: socket.socket, timeout: float = 10) -> bytes:
    """One HTTP answer with a Content-Length (what has come when the server closes or
    ``timeout`` seconds pass)."""
    received, deadline = bytearray(), time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        head, _, body = bytes(received).partition(b"\r\n\r\n")
        lengths = [line.split(b":")[1] for line in head.lower().split(b"\r\n")
                   if line.startswith(b"content-length:")]  # fmt: skip
        if lengths and len(body) >= int(lengths[0]):
            break
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        received += chunk
    return bytes(received)


def is_closed(sock: socket.socket) -> bool:
    """Whether the server has closed the connection (reading nothing that is waiting)."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    finally:
        sock.setblocking(True)


def status_of(answer: bytes) -> int | None:
    """The status code of the first HTTP answer in ``answer``."""
    line = answer.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[1].isdigit() else None
