"""``aidmap serve`` as a real uvicorn process on loopback: first start, restart, persistence."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.domain.statuses import State, StatusReport
from app.storage import open_store
from tests.cli.serving import free_port, start_serve, stop, wait_healthy

pytestmark = pytest.mark.server


def stop_cleanly(process, log: Path) -> None:
    """SIGTERM, then check uvicorn shut the app down cleanly (it re-raises the signal)."""
    assert stop(process) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in log.read_text()


def seeded_at(data_dir: Path) -> str:
    con = sqlite3.connect(data_dir / "aidmap.sqlite3")
    try:
        return con.execute("SELECT value FROM meta WHERE key = 'seeded_at'").fetchone()[0]
    finally:
        con.close()


def test_serve_creates_loads_and_reuses_the_database(tmp_path: Path):
    data_dir = tmp_path / "data"
    port = free_port()
    first = start_serve(data_dir, port, tmp_path / "first.log")
    try:
        health = wait_healthy(first, port)
    finally:
        stop_cleanly(first, tmp_path / "first.log")
    first_log = (tmp_path / "first.log").read_text()
    assert "loading units" in first_log
    counts = health["counts"]
    assert (counts["districts"], counts["streets"], counts["committees"]) == (16, 234, 6509)
    assert counts["hospitals"] >= 60 and health["storage"] == "sqlite"
    loaded_at = seeded_at(data_dir)
    # Write through the store while the server is down; the next run must serve it.
    store = open_store(Settings(data_dir=data_dir, database_url=""))
    try:
        hospital = store.list_resources(kind="hospital", limit=1)[0]
        report = StatusReport(State.limited, "restart-test", note="需预约")
        store.set_status(hospital.id, hospital.services[0], report, hospital.version)
    finally:
        store.close()

    second = start_serve(data_dir, port, tmp_path / "second.log")
    try:
        again = wait_healthy(second, port)
        docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5)
        served = httpx.get(f"http://127.0.0.1:{port}/api/v1/resources/{hospital.id}", timeout=5)
    finally:
        stop_cleanly(second, tmp_path / "second.log")
    assert again["counts"] == counts and again["seed_version"] == health["seed_version"]
    assert docs.status_code == 200
    assert "loading units" not in (tmp_path / "second.log").read_text()
    assert seeded_at(data_dir) == loaded_at
    status = next(s for s in served.json()["statuses"] if s["service"] == hospital.services[0])
    assert (status["state"], status["note"], status["stale"]) == ("limited", "需预约", False)
