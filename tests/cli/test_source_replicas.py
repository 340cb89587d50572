"""Two ``aidmap serve`` replicas on one PostGIS database with one source: exactly one runs
it at a time (the lease), a long run keeps it (renewed), and when its holder is killed the
other takes the source over once the lease expires."""

from __future__ import annotations

import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.config import Settings
from app.domain.sources import RunOutcome, SourceKind
from app.services.sources.manage import add_source, new_source
from app.storage import open_store
from tests import postgres
from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.services.sources.conftest import sheet
from tests.services.sources.sheet_server import Sheet, SheetServer

pytestmark = pytest.mark.server
LEASE_S = 3


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.05)


def test_one_replica_runs_a_source_and_the_other_takes_over_when_it_dies(
    tmp_path: Path, seeded_postgis: str
):
    name = postgres.create_database(template=seeded_postgis)
    url = postgres.database_url(name)
    store = open_store(Settings(database_url=url))
    env = {"AIDMAP_DATABASE_URL": url, "AIDMAP_SOURCE_ALLOW_PRIVATE": "true",
           "AIDMAP_SOURCE_MIN_INTERVAL_S": "1", "AIDMAP_SOURCE_LEASE_S": str(LEASE_S),
           "AIDMAP_SOURCE_TIMEOUT_S": "30"}  # fmt: skip
    servers = []
    try:
        with SheetServer() as documents:
            documents.sheets["/h.csv"] = document = Sheet(sheet(), delay_s=0.4, etag=False)
            new = new_source("huangpu", documents.url("/h.csv"), SourceKind.hospitals,
                             datetime.now(UTC), every_s=1, max_change=1.0)  # fmt: skip
            add_source(store, new, min_interval_s=1, allow_private=True)
            for n in range(2):
                port = free_port()
                servers.append(start_serve(tmp_path / "unused", port, tmp_path / f"s{n}.log",
                                           "--log-level", "warning", env=env))  # fmt: skip
                wait_healthy(servers[-1], port)
            # Both poll every half second; each run takes 0.4 s: without the lease they overlap.
            wait_for(lambda: len(documents.hits("/h.csv")) >= 6, 20, "six runs")
            assert documents.max_active == 1
            assert store.get_source("huangpu").last_outcome is RunOutcome.unchanged

            document.gate = threading.Event()  # the next fetch hangs until the gate opens
            wait_for(lambda: documents.active == 1, 10, "a hanging run")
            holder = store.get_source("huangpu").lease_holder
            pids = {server.pid: server for server in servers}
            running = pids[int(holder.split(":")[1])]
            asked = len(documents.hits("/h.csv"))
            time.sleep(LEASE_S * 1.5)  # past the first lease: renewed, so nobody else runs
            assert len(documents.hits("/h.csv")) == asked and documents.active == 1

            running.send_signal(signal.SIGKILL)
            running.wait(timeout=10)
            killed_at = time.monotonic()
            wait_for(lambda: len(documents.hits("/h.csv")) > asked, LEASE_S + 5, "a handover")
            assert time.monotonic() - killed_at <= LEASE_S + 2
            other = next(server for server in servers if server is not running)
            taker = store.get_source("huangpu").lease_holder
            assert taker is not None and int(taker.split(":")[1]) == other.pid
            document.gate.set()
            document.body = sheet().replace(b"021-64370045", b"021-64370046")
            wait_for(
                lambda: store.get_source("huangpu").last_outcome is RunOutcome.applied,
                10, "the taker's run",
            )  # fmt: skip
            ruijin = next(r for r in store.iter_resources() if r.ref == "ruijin")
            assert ruijin.phones == ("021-64370046",)
            assert documents.max_active <= 2  # the dead replica's hanging fetch, and the taker's
    finally:
        for server in servers:
            stop(server)
        store.close()
        postgres.drop_database(name)
    assert "Traceback" not in (tmp_path / "s0.log").read_text() + (tmp_path / "s1.log").read_text()
