"""Help requests: intake with matching, the board at 10,000 open requests, purging 100,000.

1. Through a real ``aidmap serve`` on SQLite (one worker), for ``--seconds`` each,
   sequentially: (a) a plain status PUT (the baseline: a volunteer's write, chained by
   ETag) and (b) ``POST /api/v1/help-requests`` with matching done at intake (a point near a
   hospital, the nearest 3 open for dialysis, the office). Requests/s, p50/p99 and the
   ratio to (a). Intake's per-address limit (30 in 10 minutes) is met by sending from
   many loopback addresses (127.0.0.2 …), its per-phone limit by a new phone each time.
2. The same server, after 10,000 open requests were stored (through the store, before it
   started): the board's first page (50, most urgent first) and the board filtered by
   district (浦东新区), as a volunteer: medians and p90 of ``--reads`` each.
3. In process, on a fresh SQLite file (and, with ``--postgis-server``, on a database made
   for the run on that PostgreSQL server and dropped after it): purging 100,000 requests
   closed 40 days ago, each with a private note: the seconds it takes.

Usage: python scripts/bench_help.py [--seconds 10] [--reads 30] [--open 10000]
       [--purged 100000] [--postgis-server postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from bench_serving import create_token, serving
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.domain.enums import Level, Precision
from app.domain.help import HelpState, NewHelpRequest, Urgency
from app.storage import open_store, schema
from app.storage.sql_support import BATCH

TIMEOUT_S = 30.0
SERVICES = ("dialysis", "oncology", "maternity", "emergency", "pharmacy")
URGENCIES = tuple(Urgency)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def line(label: str, latencies: list[float], elapsed: float, baseline: float | None) -> float:
    """Print a phase's rate, p50/p99 and ratio to the baseline; the rate."""
    rate = len(latencies) / elapsed
    p50, p99 = (percentile(latencies, q) * 1000 for q in (0.5, 0.99))
    ratio = rate / (baseline or rate)
    print(f"{label:46s} {rate:7.1f}/s  p50 {p50:6.1f} ms  p99 {p99:7.1f} ms  {ratio:4.2f}x (a)")
    return rate


def status_puts(base: str, secret: str, seconds: float) -> tuple[list[float], float]:
    """(a) sequential PUTs of one status, each with the ETag the last one returned."""
    headers = {"Authorization": f"Bearer {secret}"}
    latencies = []
    with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT_S) as http:
        tag = http.get("/api/v1/resources/2").headers["ETag"]
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < seconds:
            n += 1
            body = {"state": ("open", "limited")[n % 2], "note": f"bench {n}"}
            began = time.perf_counter()
            answer = http.put("/api/v1/resources/2/status/dialysis", json=body,
                              headers={"If-Match": tag})  # fmt: skip
            latencies.append(time.perf_counter() - began)
            answer.raise_for_status()
            tag = answer.headers["ETag"]
        return latencies, time.perf_counter() - start


def intakes(base: str, points: list[tuple[float, float]], seconds: float):
    """(b) sequential help requests, each from a new phone, 25 from each loopback address."""
    latencies: list[float] = []
    rng = random.Random(18)
    last_session = (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < seconds:
        address = f"127.0.{2 + n // 25 // 250}.{2 + n // 25 % 250}"
        transport = httpx.HTTPTransport(local_address=address)
        with httpx.Client(base_url=base, transport=transport, timeout=TIMEOUT_S) as http:
            for _ in range(25):
                if time.perf_counter() - start >= seconds:
                    break
                lon, lat = rng.choice(points)
                body = {
                    "service": "dialysis", "answers": {"last_session": last_session},
                    "location": {"lon": lon + rng.uniform(-0.002, 0.002),
                                 "lat": lat + rng.uniform(-0.002, 0.002)},
                    "phone": f"139{n:08d}", "text": "父亲需要透析", "consent": True,
                }  # fmt: skip
                began = time.perf_counter()
                answer = http.post("/api/v1/help-requests", json=body)
                latencies.append(time.perf_counter() - began)
                if answer.status_code != 201:
                    raise SystemExit(f"intake answered {answer.status_code}: {answer.text}")
                n += 1
    return latencies, time.perf_counter() - start


def new_request(rng: random.Random, n: int, units: list[tuple[int, int | None]], now: datetime):
    """A plausible request for the board: a district (and street), a service, an urgency."""
    district, street = rng.choice(units)
    return NewHelpRequest(
        service=rng.choice(SERVICES), answers={}, urgency=rng.choice(URGENCIES),
        urgency_why=(), district_id=district, street_id=street, committee_id=None,
        lon=121.47, lat=31.23, precision=Precision.district, phone=f"137{n:08d}",
        name="测试", text="测试", consent_at=now,
    )  # fmt: skip


def fill_board(data_dir: Path, count: int) -> None:
    """``count`` open requests, stored one by one as intake stores them."""
    store = open_store(Settings(data_dir=data_dir, database_url=""))
    try:
        units = [(s.district_id, s.id) for s in store.find_units(level=Level.street, limit=1000)]
        rng, now = random.Random(7), datetime.now(UTC)
        started = time.perf_counter()
        for n in range(count):
            store.add_help_request(new_request(rng, n, units, now), f"{n:064x}", now, now)
        print(f"stored {count} open requests in {time.perf_counter() - started:.1f} s")
    finally:
        store.close()


def board_reads(base: str, secret: str, reads: int) -> None:
    """2. The board's first page and the board of one district, as a volunteer."""
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT_S) as http:
        for label, params in (
            ("first page (50)", {}),
            ("district 浦东新区", {"district": "浦东新区"}),
        ):
            times = []
            for _ in range(reads):
                began = time.perf_counter()
                answer = http.get("/api/v1/help-requests", params=params)
                times.append(time.perf_counter() - began)
                answer.raise_for_status()
            items = len(answer.json())
            print(f"board, {label:20s} median {statistics.median(times) * 1000:6.1f} ms  "
                  f"p90 {percentile(times, 0.9) * 1000:6.1f} ms  ({items} items)")  # fmt: skip


def purge_bench(settings: Settings, count: int, label: str) -> None:
    """3. Purge ``count`` requests closed 40 days ago, each with a private note."""
    store = open_store(settings)
    try:
        now = datetime.now(UTC)
        closed = now - timedelta(days=40)
        rows = [{
            "service": "dialysis", "answers": {"last_session": "2022-04-20"},
            "urgency": "high", "urgency_why": ["dialysis_2_days"], "lon": 121.47, "lat": 31.23,
            "precision": "exact", "phone": f"136{n:08d}", "name": "测试", "text": "测试文字",
            "consent_at": closed, "state": HelpState.closed.value, "close_reason": "admitted",
            "state_at": closed, "created_at": closed, "updated_at": closed, "closed_at": closed,
        } for n in range(count)]  # fmt: skip
        insert = schema.help_requests.insert()
        with store._write() as conn:  # a benchmark's shortcut: rows in bulk
            for first in range(0, count, BATCH):
                conn.execute(insert, rows[first : first + BATCH])
            ids = [row.id for row in conn.execute(schema.help_requests.select())]
            notes = [{"request_id": i, "kind": "note", "text": "私下记录", "public": False,
                      "by_name": "x", "by_key": "token:1", "at": closed} for i in ids]  # fmt: skip
            for first in range(0, len(notes), BATCH):
                conn.execute(schema.help_events.insert(), notes[first : first + BATCH])
        started = time.perf_counter()
        erased = store.purge_help_requests(now - timedelta(days=30), now)
        seconds = time.perf_counter() - started
        print(f"purge, {label:8s} {erased} requests erased in {seconds:.2f} s "
              f"({erased / seconds:,.0f}/s)")  # fmt: skip
    finally:
        store.close()


def main() -> None:
    """Run the three parts and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--reads", type=int, default=30)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--purged", type=int, default=100_000)
    parser.add_argument(
        "--postgis-server", default="", help="a PostgreSQL server's URL (its maintenance database)"
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="aidmap-bench-help-"))
    try:
        data = root / "data"
        secret = create_token(data)
        points = hospital_points(data)
        with serving(data, root / "serve.log") as base:
            puts, elapsed = status_puts(base, secret, args.seconds)
            baseline = line("a. PUT status, sequential", puts, elapsed, None)
            taken, elapsed = intakes(base, points, args.seconds)
            line("b. POST help request with matching", taken, elapsed, baseline)
        fill_board(data, args.open)
        with serving(data, root / "serve2.log") as base:
            board_reads(base, secret, args.reads)
        purge_bench(Settings(data_dir=root / "purge", database_url=""), args.purged, "sqlite")
        if args.postgis_server:
            with scratch_database(args.postgis_server) as url:
                purge_bench(Settings(database_url=url), args.purged, "postgis")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def scratch_database(server: str) -> Iterator[str]:
    """A new database on ``server`` for the run, dropped after it; its URL."""
    address = make_url(server).set(drivername="postgresql+psycopg")
    name = f"aidmap_bench_help_{uuid.uuid4().hex[:12]}"
    engine = create_engine(address, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield address.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def hospital_points(data_dir: Path) -> list[tuple[float, float]]:
    """Where the bundled hospitals are: requests come from near them (inside the city)."""
    store = open_store(Settings(data_dir=data_dir, database_url=""))
    try:
        return [(r.lon, r.lat) for r in store.list_resources(kind="hospital", limit=1000)]
    finally:
        store.close()


if __name__ == "__main__":
    main()
