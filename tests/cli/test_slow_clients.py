"""A real ``aidmap serve`` against slow and greedy clients (issue 13, finding 3): deadlines
for heads, bodies and unread answers, caps on connections per client and in total, while
other clients, keep-alive connections and event streams are served as before."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.cli.raw_clients import (
    connect,
    is_closed,
    read_answer,
    read_until_closed,
    send_quietly,
    status_of,
)
from tests.cli.serving import free_port, start_serve, stop, wait_healthy

pytestmark = pytest.mark.server
OPEN_FILES = 512
"""The servers' open-files limit: a flood a few hundred strong exhausts it."""
PER_CLIENT = 20
PARTIAL_HEAD = b"GET /livez HTTP/1.1\r\nHost: aidmap.test\r\n"
LIVEZ = b"GET /livez HTTP/1.1\r\nHost: aidmap.test\r\n\r\n"


@dataclass
class Server:
    """A running ``aidmap serve``."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def serve(tmp: Path, **settings: str) -> Iterator[Server]:
    port, log = free_port(), tmp / "serve.log"
    env = {f"AIDMAP_{name.upper()}": value for name, value in settings.items()}
    process = start_serve(tmp / "data", port, log, env=env, open_files=OPEN_FILES)
    try:
        wait_healthy(process, port)
        yield Server(process, port, log)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Caps of 20 connections per client (127.0.0.3 is a trusted proxy); a minute for a
    head, so that only the caps close connections within a test."""
    yield from serve(
        tmp_path_factory.mktemp("capped"), max_connections_per_client=str(PER_CLIENT),
        header_timeout_s="60", trusted_proxies="127.0.0.3",
    )  # fmt: skip


@pytest.fixture(scope="module")
def hasty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One second for a head, a stalled body (plus one per 128 bytes) and an unread answer."""
    yield from serve(
        tmp_path_factory.mktemp("hasty"), header_timeout_s="1", body_timeout_s="1",
        body_min_rate="128", send_timeout_s="1",
    )  # fmt: skip


def test_one_client_flooding_slow_heads_leaves_the_server_to_others(capped: Server):
    """The review's attack at this machine's scale: more slow connections from one address
    than the server has open files. Over the cap they are closed at once, and /livez
    answers another client."""
    flood = [connect(capped.port, "127.0.0.2") for _ in range(OPEN_FILES + 100)]
    try:
        for sock in flood:
            send_quietly(sock, PARTIAL_HEAD)
        livez = httpx.get(f"{capped.base}/livez", timeout=10)
        deadline = time.monotonic() + 20
        while (held := sum(not is_closed(s) for s in flood)) > PER_CLIENT:
            assert time.monotonic() < deadline, f"{held} connections of one client still open"
            time.sleep(0.2)
    finally:
        for sock in flood:
            sock.close()
    assert livez.status_code == 200
    assert held == PER_CLIENT  # the first 20 wait for their heads (a minute here)


def test_a_trusted_proxy_counts_only_in_the_total(capped: Server):
    proxied = [connect(capped.port, "127.0.0.3") for _ in range(PER_CLIENT + 10)]
    try:
        for sock in proxied:
            sock.sendall(LIVEZ)
        answers = [read_answer(sock) for sock in proxied]
    finally:
        for sock in proxied:
            sock.close()
    assert [status_of(answer) for answer in answers] == [200] * len(proxied)


def test_connections_stop_below_the_open_files_limit(capped: Server):
    """Many clients together: past the total cap (the open-files limit less room for the
    database and logs) new connections are refused, and the server keeps its files."""
    watcher = connect(capped.port)  # opened first: a keep-alive client reads the metrics
    crowd = [
        connect(capped.port, f"127.0.1.{client}")
        for client in range(1, 31)
        for _ in range(PER_CLIENT)
    ]
    try:
        deadline = time.monotonic() + 20
        while SERVER_CAP_CUT not in (metrics := read_metrics(watcher)):
            assert time.monotonic() < deadline, "no connection refused for the total cap"
            time.sleep(0.2)
    finally:
        for sock in [*crowd, watcher]:
            sock.close()
    open_now = next(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("aidmap_connections_open ")
    )
    assert open_now <= OPEN_FILES - 256  # 30 × 20 were asked for
    assert httpx.get(f"{capped.base}/livez", timeout=10).status_code == 200


SERVER_CAP_CUT = 'aidmap_connections_cut_total{reason="server_cap"}'


def read_metrics(sock: socket.socket) -> str:
    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: aidmap.test\r\n\r\n")
    return read_answer(sock).decode()


def test_a_head_sent_slowly_is_cut_however_it_trickles(hasty: Server):
    trickling, silent = connect(hasty.port, "127.0.0.4"), connect(hasty.port, "127.0.0.4")
    try:
        trickling.sendall(b"GET /livez HTTP/1.1\r\n")
        for _ in range(8):  # a header byte every 0.3 s: never idle, never done
            time.sleep(0.3)
            send_quietly(trickling, b"X")
        answer, closed = read_until_closed(trickling, 10)
        nothing, silent_closed = read_until_closed(silent, 10)
    finally:
        trickling.close()
        silent.close()
    assert closed and status_of(answer) == 408 and b'"request_timeout"' in answer
    assert silent_closed and nothing == b""  # a connection that never spoke: no answer


def test_a_head_larger_than_32_kib_is_refused(hasty: Server):
    sock = connect(hasty.port, "127.0.0.4")
    try:
        send_quietly(sock, b"GET /livez HTTP/1.1\r\nX-Pad: " + b"a" * 1_000_000)
        answer, closed = read_until_closed(sock, 10)
    finally:
        sock.close()
    assert closed and status_of(answer) == 431 and b'"headers_too_large"' in answer


def share_request(body: bytes) -> bytes:
    return (
        b"POST /api/v1/share HTTP/1.1\r\nHost: aidmap.test\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )


def test_a_stalled_body_is_cut_and_a_slow_steady_one_is_not(hasty: Server):
    view = b'{"center": [121.47, 31.23], "zoom": 12}'
    stalled, steady = connect(hasty.port, "127.0.0.5"), connect(hasty.port, "127.0.0.5")
    body = view.ljust(600)  # JSON allows the trailing spaces
    try:
        stalled.sendall(share_request(body) + body[:10])
        steady.sendall(share_request(body))
        for start in range(0, len(body), 30):  # 300 bytes a second for 2 s
            steady.sendall(body[start : start + 30])
            time.sleep(0.1)
        cut, cut_closed = read_until_closed(stalled, 10)
        created = read_answer(steady)
    finally:
        stalled.close()
        steady.close()
    assert cut_closed and status_of(cut) == 408 and b"body came too slowly" in cut
    assert status_of(created) == 201


def test_an_answer_left_unread_is_dropped(hasty: Server):
    """Pipelined requests for 13 MB, read by no one: the server gives up on the connection
    instead of keeping its answers (and the connection) for ever."""
    asset = "/static/vendor/leaflet-1.9.3/leaflet.js.map"
    size = len(httpx.get(hasty.base + asset, timeout=10).content)
    sock = connect(hasty.port, "127.0.0.6", receive_buffer=4096)
    request = f"GET {asset} HTTP/1.1\r\nHost: aidmap.test\r\n\r\n".encode()
    try:
        sock.sendall(request * 60)
        time.sleep(4)  # the answers fill the buffers; then a second with nothing read
        received, closed = read_until_closed(sock, 20)
    finally:
        sock.close()
    assert closed and len(received) < 60 * size


def test_keep_alive_clients_and_event_streams_outlive_the_deadlines(hasty: Server):
    """Requests on one connection, each within a second of the last answer, are all served;
    an event stream, open longer than every deadline, stays open."""
    stream = connect(hasty.port, "127.0.0.7")
    stream.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: aidmap.test\r\n\r\n")
    opened = read_answer(stream, 1)  # the stream's first lines, within its first second
    keep_alive = connect(hasty.port, "127.0.0.7")
    try:
        answers = []
        for _ in range(6):
            keep_alive.sendall(LIVEZ)
            answers.append(status_of(read_answer(keep_alive)))
            time.sleep(0.15)
        time.sleep(1)  # the stream is now older than two deadlines
        stream_closed = is_closed(stream)
    finally:
        keep_alive.close()
        stream.close()
    assert status_of(opened) == 200 and b"retry: 2000" in opened
    assert answers == [200] * 6
    assert not stream_closed


def test_websocket_upgrades_are_plain_requests_and_log_nothing(hasty: Server):
    """No route speaks WebSocket: an upgrade request is answered as HTTP, and it is no way
    to write warnings into the log."""
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}  # fmt: skip
    answers = [httpx.get(f"{hasty.base}/livez", headers=upgrade, timeout=10) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200] * 3
    assert "upgrade" not in hasty.log.read_text().lower()


def test_a_large_body_sent_at_once_is_read_whole(hasty: Server):
    """A body's last chunks are body, not the next request's head (which may hold 32 KiB)."""
    rows = "".join(f"测试医院{n},黄浦区,人民大道{n}号\n" for n in range(6000))
    csv = f"名称,区,地址\n{rows}".encode()
    sock = connect(hasty.port, "127.0.0.8")
    boundary = "aidmapboundary"
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="h.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + csv
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST /api/v1/imports?kind=hospitals&dry_run=true HTTP/1.1\r\nHost: aidmap.test\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(form)}\r\n\r\n"
    ).encode()
    try:
        sock.sendall(head + form)
        answer = read_answer(sock, 60)
    finally:
        sock.close()
    assert len(form) > 200_000
    assert status_of(answer) in (200, 413, 422)  # a plan, or a limit of the import's own
