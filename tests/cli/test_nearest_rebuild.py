"""The first nearest query after an import rebuilds the layer's index off the event loop:
a real ``aidmap serve`` with a large layer keeps answering /livez meanwhile (issue 13,
finding 16)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from app.core.config import Settings
from app.domain.enums import Precision
from app.domain.records import NewResource
from app.storage import open_store
from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.seeded import copy_seeded

pytestmark = pytest.mark.server
HOSPITALS = 40_000
NEAR = {"lon": 121.47, "lat": 31.23, "k": 5}


def add_hospitals(data_dir: Path, count: int, seed: int) -> None:
    """``count`` hospitals at random points of Shanghai, in one import-like transaction."""
    if not data_dir.exists():
        copy_seeded(data_dir)
    store = open_store(Settings(data_dir=data_dir, database_url=""))
    try:
        rng = np.random.default_rng(seed)
        points = rng.uniform([120.9, 30.7], [122.1, 31.8], (count, 2))
        store.apply_resource_changes([
            NewResource(kind="hospital", name=f"医院{seed}-{n}", lon=float(x), lat=float(y),
                        precision=Precision.approximate)
            for n, (x, y) in enumerate(points)
        ], [])  # fmt: skip
    finally:
        store.close()


def livez_while(base: str, busy: threading.Event, latencies: list[float]) -> None:
    """Time /livez again and again until ``busy`` is cleared."""
    with httpx.Client(base_url=base, timeout=30) as http:
        while busy.is_set():
            start = time.perf_counter()
            http.get("/livez").raise_for_status()
            latencies.append(time.perf_counter() - start)
            time.sleep(0.01)


def test_livez_answers_while_the_first_nearest_after_an_import_rebuilds(tmp_path: Path):
    data_dir = tmp_path / "data"
    add_hospitals(data_dir, HOSPITALS, seed=1)
    port, base = free_port(), ""
    server = start_serve(data_dir, port, tmp_path / "serve.log", "--log-level", "warning")
    try:
        wait_healthy(server, port)
        base = f"http://127.0.0.1:{port}"
        httpx.get(f"{base}/api/v1/nearest", params=NEAR, timeout=60).raise_for_status()
        add_hospitals(data_dir, 1, seed=2)  # an import: the next query rebuilds the index

        busy, latencies = threading.Event(), []
        busy.set()
        poller = threading.Thread(target=livez_while, args=(base, busy, latencies))
        poller.start()
        time.sleep(0.2)  # the poller is going
        start = time.perf_counter()
        answer = httpx.get(f"{base}/api/v1/nearest", params=NEAR, timeout=60)
        rebuild_s = time.perf_counter() - start
        busy.clear()
        poller.join()
    finally:
        stop(server)
    assert answer.status_code == 200 and answer.json()["numberReturned"] == 5
    assert len(latencies) >= 10
    # On the event loop the rebuild stalled /livez for as long as it took.
    assert max(latencies) < rebuild_s / 4, (max(latencies), rebuild_s)
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
