"""Anonymous geocoding against a real ``aidmap serve`` on loopback: slow or strict fake
providers must not hold the threads that writes and reads need, one client must not spend
everyone's provider calls, and readiness must fail when the worker threads do not answer."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.geo.geocoders.gate import RATE_LIMIT_PAUSE_S
from tests import event_loop
from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.cli.test_status_concurrency import create_volunteer_token
from tests.geo.fake_providers import DevRow, FakeAmap, FakeNominatim, read_dev_rows

pytestmark = pytest.mark.server

GEOCODES = 150
PROVIDER_DELAY_S = 3.0
TIMEOUT_S = 10.0
"""A write or read slower than this failed; before the fix they took over 100 s."""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A seeded data dir with a volunteer token (made once), and the token's secret."""
    data_dir = tmp_path_factory.mktemp("seeded") / "data"
    return data_dir, create_volunteer_token(data_dir)


@pytest.fixture
def data_dir(seeded: tuple[Path, str], tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(seeded[0], copy)
    return copy


@pytest.fixture(scope="module")
def rows(eval_dir: Path) -> list[DevRow]:
    return read_dev_rows(eval_dir)


@contextmanager
def serving(data_dir: Path, log: Path, env: dict[str, str]) -> Iterator[str]:
    """``aidmap serve`` at --log-level debug with these settings; its base URL. The many
    clients of these tests all ask from 127.0.0.1, so its connection cap is lifted."""
    port = free_port()
    env = {"AIDMAP_MAX_CONNECTIONS_PER_CLIENT": "1000"} | env
    process = start_serve(data_dir, port, log, "--log-level", "debug", env=env)
    try:
        wait_healthy(process, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


async def hospital_version(http: httpx.AsyncClient) -> tuple[str, str, str]:
    """A hospital's URL, one of its services and its ETag."""
    [hospital] = (await http.get("/api/v1/resources", params={"kind": "hospital"})).json()[:1]
    url = f"/api/v1/resources/{hospital['id']}"
    read = await http.get(url)
    return url, hospital["services"][0], read.headers["ETag"]


async def geocodes_beside_a_write(base: str, secret: str, rows: list[DevRow]) -> dict:
    """``GEOCODES`` anonymous geocodes in flight, then a volunteer's PUT and a read."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        url, service, tag = await hospital_version(http)
        queries = [r.district + r.address for r in rows[:GEOCODES]]
        geocodes = [asyncio.create_task(answer) for answer in geocodes_from_many(base, queries)]
        await asyncio.sleep(0.5)  # every request sent and waiting on the server
        headers = {"Authorization": f"Bearer {secret}", "If-Match": tag}
        body = {"state": "limited", "note": "需预约"}
        # On a new connection: setting up 150 clients can outlast the server's keep-alive
        # (5 s) on a slow machine, and httpx does not resend a request cut off by its close.
        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT_S) as writer:
            put = await writer.put(f"{url}/status/{service}", json=body, headers=headers)
            read = await writer.get(url)
        pending = sum(not task.done() for task in geocodes)
        answers = await asyncio.gather(*geocodes)
    return {"put": put, "read": read, "pending": pending, "answers": answers}


def test_a_slow_provider_holds_no_thread_that_writes_and_reads_need(
    data_dir: Path, seeded: tuple[Path, str], rows: list[DevRow], tmp_path: Path
):
    log = tmp_path / "serve.log"
    with FakeNominatim(rows, delay_s=PROVIDER_DELAY_S) as nominatim:
        env = {"AIDMAP_GEOCODERS": "gazetteer,nominatim", "AIDMAP_NOMINATIM_URL": nominatim.url}
        with serving(data_dir, log, env) as base:
            seen = event_loop.run(geocodes_beside_a_write(base, seeded[1], rows))
        asked = len(nominatim.requests)
    assert seen["put"].status_code == 200 and seen["read"].status_code == 200
    assert seen["pending"] >= 1  # the write did not wait for the provider's answer
    assert {a.status_code for a in seen["answers"]} == {200}
    notes = [note for a in seen["answers"] for note in a.json()["notes"]]
    offline = sum(note.startswith("nominatim: not asked (") for note in notes)
    assert 1 <= asked <= 10 and offline >= GEOCODES - asked  # the others answered offline, now
    text = log.read_text()
    assert not any(row.address in text for row in rows[:GEOCODES])  # typed text is never logged


async def writes_stuck_behind_a_lock(base: str, secret: str, database: Path) -> dict:
    """Sixty PUTs waiting on an outside writer's lock (every worker thread held), with
    /readyz and /livez asked meanwhile and after the lock is let go."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        url, service, tag = await hospital_version(http)
        headers = {"Authorization": f"Bearer {secret}", "If-Match": tag}
        outside = sqlite3.connect(database, isolation_level=None)
        outside.execute("BEGIN IMMEDIATE")  # like a long write by another process
        try:
            puts = [
                asyncio.create_task(
                    http.put(f"{url}/status/{service}", json={"state": "open"}, headers=headers)
                )
                for _ in range(60)
            ]
            await asyncio.sleep(1.0)
            live = await http.get("/livez", timeout=TIMEOUT_S)
            stuck = await http.get("/readyz", timeout=TIMEOUT_S)
            health = await http.get("/healthz", timeout=TIMEOUT_S)
        finally:
            outside.execute("ROLLBACK")
            outside.close()
        await asyncio.gather(*puts)
        ready = await http.get("/readyz", timeout=TIMEOUT_S)
    return {"live": live, "stuck": stuck, "health": health, "ready": ready}


def test_readiness_fails_while_every_worker_thread_is_held(
    data_dir: Path, seeded: tuple[Path, str], tmp_path: Path
):
    with serving(data_dir, tmp_path / "serve.log", {}) as base:
        seen = event_loop.run(
            writes_stuck_behind_a_lock(base, seeded[1], data_dir / "aidmap.sqlite3")
        )
    assert seen["live"].status_code == 200
    assert seen["stuck"].status_code == 503
    assert seen["stuck"].json()["error"]["code"] == "not_ready"
    assert seen["health"].status_code == 503
    assert seen["ready"].status_code == 200 and seen["ready"].json() == {"status": "ok"}


def geocode_from(base: str, source: str, q: str, secret: str | None = None) -> dict:
    """``/api/v1/geocode`` sent from the loopback address ``source`` (127.0.0.x)."""
    transport = httpx.HTTPTransport(local_address=source)
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    with httpx.Client(base_url=base, transport=transport, timeout=TIMEOUT_S) as http:
        response = http.get("/api/v1/geocode", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_one_client_cannot_spend_everyones_provider_calls(
    data_dir: Path, seeded: tuple[Path, str], rows: list[DevRow], tmp_path: Path
):
    houses = [r.district + r.address for r in rows if r.address.endswith("号")][:20]
    place = next(r.district + r.address for r in rows if not r.address.endswith("号"))
    with FakeAmap(rows) as amap:
        env = {"AIDMAP_GEOCODERS": "gazetteer,amap", "AIDMAP_AMAP_KEY": "test-key",
               "AIDMAP_AMAP_URL": amap.url, "AIDMAP_AMAP_QPS": "100",
               "AIDMAP_GEOCODE_CLIENT_CALLS": "3"}  # fmt: skip
        with serving(data_dir, tmp_path / "serve.log", env) as base:
            spender = [geocode_from(base, "127.0.0.2", q) for q in [place, *houses[:3]]]
            again = geocode_from(base, "127.0.0.2", place)
            other = geocode_from(base, "127.0.0.3", houses[4])
            signed_in = [geocode_from(base, "127.0.0.2", q, seeded[1]) for q in houses[5:10]]
        asked = len(amap.requests)
    assert [a["provider"] for a in spender] == ["amap", "amap", "amap", "gazetteer"]
    refused = "amap: not asked (this client's share of provider calls is spent for now)"
    assert refused in spender[-1]["notes"]
    assert again["provider"] == "amap"  # a cached place costs nothing
    assert other["provider"] == "amap"  # another address has its own allowance
    assert {a["provider"] for a in signed_in} == {"amap"}  # a token has ten times as many
    assert asked == 3 + 1 + 5


@pytest.mark.parametrize(("allowed", "pace"), [(5, 4), (1, 4)])
def test_a_burst_against_a_strict_provider_leaves_it_usable(
    data_dir: Path, rows: list[DevRow], tmp_path: Path, allowed: int, pace: int
):
    """Paced below the provider's limit, a burst draws no "too frequent"; paced above it
    (a key with less allowance than configured), the refusals pause Amap for seconds."""
    houses = [r.district + r.address for r in rows if r.address.endswith("号")]
    with FakeAmap(rows, per_second=allowed) as amap:
        env = {"AIDMAP_GEOCODERS": "gazetteer,amap", "AIDMAP_AMAP_KEY": "test-key",
               "AIDMAP_AMAP_URL": amap.url, "AIDMAP_AMAP_QPS": str(pace)}  # fmt: skip
        with serving(data_dir, tmp_path / "serve.log", env) as base:
            burst = event_loop.run(burst_of_geocodes(base, houses[:20]))
            time.sleep(RATE_LIMIT_PAUSE_S + 0.2)  # the pace's window, or the pause, passes
            later = geocode_from(base, "127.0.0.1", houses[20])
        refused = amap.refused
    assert later["provider"] == "amap" and later["precision"] == "exact", later["notes"]
    assert {a.status_code for a in burst} == {200}
    assert (refused == 0) is (pace < allowed)


async def burst_of_geocodes(base: str, queries: list[str]) -> list[httpx.Response]:
    """All ``queries`` to /api/v1/geocode at once, each from its own address."""
    return await asyncio.gather(*geocodes_from_many(base, queries))


def geocodes_from_many(base: str, queries: list[str]) -> list[Coroutine[Any, Any, httpx.Response]]:
    """A /api/v1/geocode for each query, each from its own loopback address (127.0.0.2,
    127.0.0.3 …): many phones at once, as one address has only a few lookups under way."""

    async def ask(source: str, q: str) -> httpx.Response:
        transport = httpx.AsyncHTTPTransport(local_address=source)
        async with httpx.AsyncClient(base_url=base, transport=transport, timeout=60) as http:
            return await http.get("/api/v1/geocode", params={"q": q})

    return [ask(f"127.0.{2 + n // 250}.{2 + n % 250}", q) for n, q in enumerate(queries)]
