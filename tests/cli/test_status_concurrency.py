"""32 clients × 25 status updates of four hospitals against a real ``aidmap serve`` on loopback

Every client retries on 412 with the ETag the 412 carries. Checks: no 5xx, and no update lost:
the history holds exactly the successful PUTs, one per version, in an unbroken run.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.cli.serving import child_env, free_port, start_serve, stop, wait_healthy
from tests.seeded import copy_seeded

pytestmark = [pytest.mark.server, pytest.mark.bench]

THREADS = 32
UPDATES = 25
HOSPITALS = 4  # 8 clients on each row: all the contention of one row, a quarter of the wait
DEADLINE_S = 240.0
REQUEST_TIMEOUT_S = 30.0
PAGE = 500


def create_volunteer_token(data_dir: Path, env: dict[str, str] | None = None) -> str:
    """``aidmap token create`` on ``data_dir``, made a copy of the seeded database first
    when it does not exist (``--create-db`` would seed it, in seconds); the secret it
    prints."""
    if not data_dir.exists() and "AIDMAP_DATABASE_URL" not in (env or {}):
        copy_seeded(data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "app", "token", "create", "--create-db", "--name", "load",
         "--role", "volunteer", "--data-dir", str(data_dir)],
        env=child_env() | (env or {}), capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@dataclass
class Tally:
    """One client's answers: status codes, the notes and versions it wrote, the odd ones out."""

    reads: Counter[int] = field(default_factory=Counter)
    puts: Counter[int] = field(default_factory=Counter)
    written: dict[str, tuple[int, int]] = field(default_factory=dict)  # note → (resource, version)
    unexpected: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """Where the clients write: base URLs (client n uses the n-th, round robin), token,
    resources and service, updates per client, and the time limit."""

    bases: tuple[str, ...]
    secret: str
    resource_ids: tuple[int, ...]
    service: str
    updates: int
    deadline: float
    stop: threading.Event


def client(n: int, target: Target) -> Tally:
    """Make ``target.updates`` successful PUTs: GET the ETag, PUT, on 412 retry with its
    ETag."""
    tally = Tally()
    resource_id = target.resource_ids[n % len(target.resource_ids)]
    url = f"/api/v1/resources/{resource_id}"
    headers = {"Authorization": f"Bearer {target.secret}"}
    base = target.bases[n % len(target.bases)]
    with httpx.Client(base_url=base, headers=headers, timeout=REQUEST_TIMEOUT_S) as http:
        for i in range(target.updates):
            note = f"client {n} update {i}"
            body = {"state": ("open", "limited", "closed")[i % 3], "note": note}
            read = http.get(url)
            tally.reads[read.status_code] += 1
            assert read.status_code == 200, read.text
            tag = read.headers["ETag"]
            while True:
                if target.stop.is_set():
                    return tally
                if time.monotonic() > target.deadline:
                    raise TimeoutError(f"client {n}: {i} updates by the deadline")
                put = http.put(f"{url}/status/{target.service}", json=body,
                               headers={"If-Match": tag})  # fmt: skip
                tally.puts[put.status_code] += 1
                if put.status_code == 200:
                    tally.written[note] = (resource_id, put.json()["version"])
                    assert put.headers["ETag"] == f'"{tally.written[note][1]}"'
                    break
                if put.status_code == 412:
                    assert put.json()["error"]["code"] == "version_conflict"
                    tag = put.headers["ETag"]
                    continue
                tally.unexpected.append(f"{put.status_code}: {put.text[:300]}")
                assert len(tally.unexpected) < 10, f"client {n}: {tally.unexpected}"
                tag = http.get(url).headers["ETag"]
    return tally


def run_clients(target: Target) -> list[Tally]:
    """All clients at once; the first failure stops the rest."""
    with ThreadPoolExecutor(THREADS, thread_name_prefix="load") as pool:
        futures = [pool.submit(client, n, target) for n in range(THREADS)]
        _, pending = wait(futures, timeout=DEADLINE_S + 2 * REQUEST_TIMEOUT_S,
                          return_when=FIRST_EXCEPTION)  # fmt: skip
        target.stop.set()
        failed = [f.exception() for f in futures if f.done() and f.exception()]
        if failed:
            raise failed[0]
        assert not pending, "clients still running after the deadline"
        return [f.result() for f in futures]


def read_history(http: httpx.Client, resource_id: int, service: str) -> list[dict]:
    rows: list[dict] = []
    while True:
        params = {"service": service, "limit": PAGE, "offset": len(rows)}
        page = http.get(f"/api/v1/resources/{resource_id}/history", params=params)
        assert page.status_code == 200, page.text
        rows += page.json()
        if len(page.json()) < PAGE:
            return rows


def write_concurrently(bases: tuple[str, ...], secret: str, updates: int) -> None:
    """``THREADS`` clients spread over ``bases`` make ``updates`` each on ``HOSPITALS``
    rows; then check that no update was lost (history = successful PUTs, versions
    contiguous) and that no answer was a 5xx."""
    signed_in = {"Authorization": f"Bearer {secret}"}  # the history names the volunteers
    with httpx.Client(base_url=bases[0], headers=signed_in, timeout=REQUEST_TIMEOUT_S) as http:
        hospitals = http.get("/api/v1/resources", params={"kind": "hospital", "limit": 50}).json()
        service = "emergency"
        chosen = [h for h in hospitals if service in h["services"]][:HOSPITALS]
        assert len(chosen) == HOSPITALS and all(h["version"] == 1 for h in chosen)
        ids = tuple(h["id"] for h in chosen)
        target = Target(bases, secret, ids, service, updates, time.monotonic() + DEADLINE_S,
                        threading.Event())  # fmt: skip
        started = time.monotonic()
        tallies = run_clients(target)
        elapsed = time.monotonic() - started
        histories = {rid: read_history(http, rid, service) for rid in ids}
        finals = {rid: http.get(f"/api/v1/resources/{rid}").json()["version"] for rid in ids}

    reads = sum((t.reads for t in tallies), Counter())
    puts = sum((t.puts for t in tallies), Counter())
    written = {note: where for t in tallies for note, where in t.written.items()}
    print(f"\n{THREADS} clients × {updates} updates through {len(bases)} server(s) in "
          f"{elapsed:.1f} s; PUT answers {dict(puts)}")  # fmt: skip
    assert [u for t in tallies for u in t.unexpected] == []
    assert not any(code >= 500 for code in (*reads, *puts))
    assert puts[200] == len(written) == THREADS * updates
    per_row = THREADS * updates // HOSPITALS
    for rid in ids:
        versions = sorted(v for r, v in written.values() if r == rid)
        # Each success got its own version, with no gaps: nothing was overwritten unseen.
        assert versions == list(range(2, 2 + per_row)) and finals[rid] == 1 + per_row
        rows = {row["status"]["note"]: (rid, row["resource_version"]) for row in histories[rid]}
        assert rows == {note: where for note, where in written.items() if where[0] == rid}
        assert {row["status"]["reported_by"] for row in histories[rid]} == {"load"}


def test_concurrent_updates_lose_nothing(tmp_path: Path):
    data_dir, log = tmp_path / "data", tmp_path / "serve.log"
    secret = create_volunteer_token(data_dir)
    port = free_port()
    server = start_serve(data_dir, port, log, "--log-level", "warning")
    try:
        wait_healthy(server, port)
        write_concurrently((f"http://127.0.0.1:{port}",), secret, UPDATES)
    finally:
        stop(server)
    assert "Traceback" not in log.read_text()
