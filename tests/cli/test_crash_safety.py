"""SIGKILL a real ``aidmap serve`` in the middle of a large import and of a stream of status
updates, start it again on the same files, and check what survived.

An import is all there or not there at all; every status update that was answered 200 is in
the history, and nothing else is but the requests that were still unanswered at the kill.
"""

from __future__ import annotations

import csv
import io
import random
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.cli.status_stream import SERVICE, Outcomes, StatusStream, stream_targets
from tests.cli.test_cli import run_aidmap
from tests.cli.test_status_concurrency import create_volunteer_token, read_history

pytestmark = pytest.mark.server

IMPORT_ROWS = 4_000  # its apply holds the write lock for a fifth of a second on an idle machine
CLIENTS = 8
KILL_AFTER_UPDATES = 150
DISTRICTS = ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区"]


class Server:
    """``aidmap serve`` on one data directory, started again after each kill."""

    def __init__(self, data_dir: Path, logs: Path) -> None:
        self.data_dir, self.logs = data_dir, logs
        self.process: subprocess.Popen | None = None
        self.base = ""
        self.starts = 0

    def start(self) -> None:
        """Start on a fresh port and wait until it answers."""
        port = free_port()
        self.starts += 1
        log = self.logs / f"serve-{self.starts}.log"
        self.process = start_serve(self.data_dir, port, log, "--log-level", "warning")
        wait_healthy(self.process, port)
        self.base = f"http://127.0.0.1:{port}"

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback, no checkpoint."""
        assert self.process is not None and self.process.poll() is None, "server died early"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop it gracefully, if running."""
        if self.process is not None:
            stop(self.process)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A server on a data directory that ``aidmap token create`` has seeded (not started)."""
    server = Server(tmp_path / "data", tmp_path)
    yield server
    server.stop()
    logs = "".join(log.read_text() for log in tmp_path.glob("serve-*.log"))
    assert "Traceback" not in logs


def database_ok(data_dir: Path) -> None:
    """The database file passes SQLite's full integrity check."""
    con = sqlite3.connect(f"{(data_dir / 'aidmap.sqlite3').as_uri()}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        con.close()


def import_csv(batch: int, rows: int) -> bytes:
    """``rows`` new hospitals with refs ``crash-{batch}-{n}`` and coordinates in Shanghai."""
    rng = random.Random(batch)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ref", "医院名称", "所属区", "地址", "经度", "纬度"])
    for n in range(rows):
        writer.writerow([f"crash-{batch}-{n}", f"压测医院{batch}-{n:05d}", DISTRICTS[n % 8],
                         f"测试路{n}号", f"{121.40 + rng.random() * 0.1:.6f}",
                         f"{31.20 + rng.random() * 0.05:.6f}"])  # fmt: skip
    return out.getvalue().encode()


def imported(data_dir: Path, batch: int) -> int:
    """How many hospitals of ``batch`` the database holds."""
    con = sqlite3.connect(f"{(data_dir / 'aidmap.sqlite3').as_uri()}?mode=ro", uri=True)
    try:
        query = "SELECT count(*) FROM resources WHERE ref LIKE ?"
        return con.execute(query, (f"crash-{batch}-%",)).fetchone()[0]
    finally:
        con.close()


@contextmanager
def posting_import(server: Server, secret: str, body: bytes) -> Iterator[dict]:
    """POST the import (applied) in a thread; the dict gets its ``status`` code, or
    ``None`` when the connection broke first."""
    answer: dict = {}

    def post() -> None:
        try:
            response = httpx.post(
                f"{server.base}/api/v1/imports", params={"kind": "hospitals", "dry_run": "false"},
                files={"file": ("big.csv", body, "text/csv")},
                headers={"Authorization": f"Bearer {secret}"}, timeout=300,
            )  # fmt: skip
            answer["status"] = response.status_code
        except httpx.TransportError:
            answer["status"] = None

    thread = threading.Thread(target=post, name="import")
    thread.start()
    try:
        yield answer
    finally:
        thread.join(timeout=300)
        assert not thread.is_alive()


def wait_for_write_transaction(data_dir: Path, timeout: float = 120) -> None:
    """Wait until a transaction holds the write lock (for 20 ms at least: the apply's, not
    a passing one). Probing takes the lock for an instant when it is free."""
    probe = sqlite3.connect(data_dir / "aidmap.sqlite3", timeout=0, isolation_level=None)
    deadline = time.monotonic() + timeout
    locked_since = None
    try:
        while time.monotonic() < deadline:
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                locked_since = None
            except sqlite3.OperationalError as exc:
                assert "locked" in str(exc)
                locked_since = locked_since or time.monotonic()
                if time.monotonic() - locked_since >= 0.02:
                    return
            time.sleep(0.005)
    finally:
        probe.close()
    raise AssertionError(f"no write transaction within {timeout} s")


def test_import_killed_mid_apply_is_all_or_nothing(server: Server):
    created = run_aidmap("token", "create", "--create-db", "--name", "导入",
                         "--role", "coordinator", "--data-dir", str(server.data_dir))  # fmt: skip
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    server.start()
    hospitals = httpx.get(f"{server.base}/healthz").json()["counts"]["hospitals"]
    rng = random.Random()
    # Batch 0: killed as soon as the apply holds the write lock, long before it can end.
    # Batch 1: killed at a random moment of the apply or after it.
    # Batch 2: killed right after its 200, which promises the rows are stored.
    outcomes = []
    wal = server.data_dir / "aidmap.sqlite3-wal"
    for batch, delay in enumerate((0.0, rng.uniform(0, 1.0), None)):
        wal_before = wal.stat().st_size
        with posting_import(server, secret, import_csv(batch, IMPORT_ROWS)) as answer:
            if delay is None:
                while "status" not in answer:
                    time.sleep(0.01)
            else:
                wait_for_write_transaction(server.data_dir)
                time.sleep(delay)
            server.kill()
        wal_growth = f"{(wal.stat().st_size - wal_before) / 2**20:+.1f} MiB"
        database_ok(server.data_dir)
        server.start()
        count = imported(server.data_dir, batch)
        outcomes.append((batch, delay, wal_growth, answer["status"], count))
        assert count in (0, IMPORT_ROWS), outcomes
        if answer["status"] == 200:
            assert count == IMPORT_ROWS, outcomes
        else:
            assert answer["status"] is None, outcomes
        hospitals += count
        assert httpx.get(f"{server.base}/healthz").json()["counts"]["hospitals"] == hospitals
    print(f"\n(batch, kill delay after the lock, WAL growth, answer, rows after restart): "
          f"{outcomes}")  # fmt: skip
    assert outcomes[0][3:] == (None, 0), "the first kill did not land inside the apply"
    assert outcomes[2][3:] == (200, IMPORT_ROWS)


def check_history(server: Server, ids: tuple[int, ...], outcomes: Outcomes) -> int:
    """Every acknowledged update is in the history with its version, nothing refused is,
    versions run without gaps; how many unanswered updates were written after all."""
    with httpx.Client(base_url=server.base) as http:
        rows = [(rid, row) for rid in ids for row in read_history(http, rid, SERVICE)]
        finals = {rid: http.get(f"/api/v1/resources/{rid}").json()["version"] for rid in ids}
    written = {row["status"]["note"]: (rid, row["resource_version"]) for rid, row in rows}
    assert len(written) == len(rows)
    assert {note: written.get(note) for note in outcomes.acknowledged} == outcomes.acknowledged
    extra = set(written) - set(outcomes.acknowledged)
    assert extra <= outcomes.unanswered, extra & outcomes.not_written
    for rid in ids:
        versions = sorted(version for r, version in written.values() if r == rid)
        assert versions == list(range(2, finals[rid] + 1))
    return len(extra)


def test_status_stream_killed_keeps_exactly_the_answered_updates(server: Server):
    secret = create_volunteer_token(server.data_dir)
    server.start()
    ids = stream_targets(server.base)
    outcomes = Outcomes()
    for round_ in range(2):
        with StatusStream(server.base, secret, ids, CLIENTS, f"round {round_}") as stream:
            stream.wait_acknowledged(KILL_AFTER_UPDATES)
            server.kill()
        assert stream.outcomes.unexpected == []
        for name in ("acknowledged", "not_written", "unanswered"):
            getattr(outcomes, name).update(getattr(stream.outcomes, name))
        database_ok(server.data_dir)
        server.start()
    late = check_history(server, ids, outcomes)
    print(
        f"\n{len(outcomes.acknowledged)} updates answered 200, {len(outcomes.not_written)} "
        f"refused, {len(outcomes.unanswered)} unanswered at the kills ({late} of them stored)"
    )
    assert 0 < len(outcomes.unanswered) <= 2 * CLIENTS
