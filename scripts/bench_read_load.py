"""A volunteer's status writes while anonymous clients hammer the public reads (100k hospitals).

Generates ``--hospitals`` hospitals uniformly over Shanghai's bounding box (dialysis and
emergency; 30 % with a fresh ``open`` dialysis status) in a temporary SQLite store, with
a volunteer token, and serves it with ``aidmap serve`` (one uvicorn worker) on loopback;
with ``--backend postgis`` the same data is first copied into a fresh PostGIS database.
Then, in the same run:

1. baseline: one volunteer alone, PUT /api/v1/resources/{id}/status/dialysis with the
   ETag of its last answer, one write every ``--pause`` seconds, for ``--seconds``;
2. the same volunteer while ``--clients`` anonymous clients (a separate process, each
   sending its next request as soon as the last is answered) loop on the public reads the
   security review used: the hospital list filtered by service (``limit=1``), one
   hospital, a nearest share's text card, and an OGC items page at a random offset.

Printed: the volunteer's p50/p99/max and errors in both phases (and the ratio), each read
kind's rate, p50/p99 and answers by status, and the server's resident memory (VmRSS)
before, at its peak during, and 10 s after the read load. An error is a 5xx, an
unexpected status, a connection failure or a timeout (60 s); a 503 with Retry-After is
counted apart for reads (the server shedding load is a correct answer), never for writes.

With ``--each``, instead of the load: every public GET of the OpenAPI document (and the
share page) once, alone, with its time and answer size, and the server's memory after.

Usage: python scripts/bench_read_load.py [--hospitals 100000] [--clients 20] [--seconds 30]
       [--pause 0.2] [--backend sqlite|postgis] [--postgres URL] [--each]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
from bench_serving import serving
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.domain.enums import Precision, Role
from app.domain.records import NewResource
from app.domain.statuses import State, StatusChange, StatusReport
from app.geo.extent import SHANGHAI_BBOX
from app.services.auth import create_token
from app.services.seeding import ensure_seeded
from app.storage import open_store
from app.storage.copy import copy_store

TIMEOUT_S = 60.0
PEOPLES_SQUARE = (121.4737, 31.2304)


def generate(data_dir: Path, count: int, seed: int) -> tuple[Settings, str, list[int]]:
    """A seeded SQLite store with ``count`` hospitals; its settings, a volunteer's secret
    and the hospitals' ids."""
    settings = Settings(data_dir=data_dir, database_url="")
    store = open_store(settings)
    try:
        ensure_seeded(store, settings.geodata_dir)
        rng = np.random.default_rng(seed)
        west, south, east, north = SHANGHAI_BBOX
        lons, lats = rng.uniform(west, east, count), rng.uniform(south, north, count)
        adds = [
            NewResource(kind="hospital", name=f"医院{n}", lon=float(x), lat=float(y),
                        precision=Precision.approximate, address=f"某某路{n}号",
                        phones=(f"021-6{n:07d}",), services=("dialysis", "emergency"))
            for n, (x, y) in enumerate(zip(lons, lats, strict=True))
        ]  # fmt: skip
        added, _ = store.apply_resource_changes(adds, [])
        chosen = rng.choice(len(added), int(count * 0.3), replace=False)
        report = StatusReport(State.open, "bench")
        store.set_statuses([StatusChange(added[i].id, "dialysis", report, 1) for i in chosen])
        _, secret = create_token(store, "bench", Role.volunteer)
        return settings, secret, [r.id for r in added]
    finally:
        store.close()


def server_pid(port: int) -> int:
    """The pid of the ``aidmap serve`` listening on ``port`` (found by its command line)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in args and str(port).encode() in args:
            return int(proc.name)
    raise SystemExit(f"no aidmap serve process on port {port}")


class RssSampler:
    """A process's VmRSS (MiB), sampled every ``interval_s`` in a thread; peak since
    ``reset``."""

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        self.path = Path(f"/proc/{pid}/status")
        self.interval_s = interval_s
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def now(self) -> float:
        """Resident memory now, in MiB."""
        for row in self.path.read_text().splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) / 1024
        return 0.0

    def reset(self) -> None:
        """Start a new peak."""
        self.peak = self.now()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.peak = max(self.peak, self.now())
            except OSError:
                return

    def close(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()


def volunteer(base: str, secret: str, versions: dict[int, str], seconds: float, pause: float):
    """Status PUTs (one every ``pause`` s) for ``seconds`` on the hospitals of ``versions``
    (their ETags, kept current); latencies and errors."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    headers = {"Authorization": f"Bearer {secret}"}
    rng = random.Random(3)
    ids = sorted(versions)
    end = time.perf_counter() + seconds
    with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT_S) as http:
        while time.perf_counter() < end:
            resource_id = rng.choice(ids)
            body = {"state": rng.choice(("open", "limited", "closed")), "note": "bench"}
            path = f"/api/v1/resources/{resource_id}/status/dialysis"
            start = time.perf_counter()
            try:
                answer = http.put(path, json=body, headers={"If-Match": versions[resource_id]})
            except httpx.TransportError as exc:
                errors[type(exc).__name__] += 1
                continue
            latencies.append(time.perf_counter() - start)
            if answer.status_code != 200:
                errors[f"HTTP {answer.status_code}"] += 1
            versions[resource_id] = answer.headers.get("ETag", versions[resource_id])
            time.sleep(pause)
    return {"latencies": latencies, "errors": dict(errors)}


def reads(base: str, code: str, ids: list[int], clients: int, seconds: float, queue) -> None:
    """The anonymous clients (run in a child process); puts per-kind latencies and codes."""

    def request(rng: random.Random) -> tuple[str, str]:
        kind = rng.choice(("list", "one", "card", "items"))
        return kind, {
            "list": "/api/v1/resources?kind=hospital&service=dialysis&limit=1",
            "one": f"/api/v1/resources/{rng.choice(ids)}",
            "card": f"/s/{code}.txt",
            "items": f"/ogc/collections/hospitals/items?limit=100&offset="
            f"{rng.randrange(0, max(1, len(ids) - 100))}",
        }[kind]

    async def client(n: int, end: float, tally: dict) -> None:
        rng = random.Random(n)
        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT_S) as http:
            while time.perf_counter() < end:
                kind, path = request(rng)
                start = time.perf_counter()
                try:
                    answer = await http.get(path)
                    outcome = str(answer.status_code)
                except httpx.TransportError as exc:
                    outcome = type(exc).__name__
                tally.setdefault(kind, []).append((time.perf_counter() - start, outcome))

    async def run() -> dict:
        tally: dict = {}
        end = time.perf_counter() + seconds
        await asyncio.gather(*(client(n, end, tally) for n in range(clients)))
        return tally

    queue.put(asyncio.run(run()))


def each_public_read(base: str, code: str, ids: list[int]) -> None:
    """Every public GET of the OpenAPI document once (the event stream aside), alone: how
    long it took and how big its answer was, at this many hospitals."""
    one, last = ids[len(ids) // 2], ids[-1]
    with httpx.Client(base_url=base, timeout=TIMEOUT_S) as http:
        committee = http.get("/api/v1/units", params={"name": "光明村村委会"}).json()[0]["id"]
        city = http.post("/api/v1/share", json={"center": list(PEOPLES_SQUARE), "zoom": 9})
        paths = [
            "/healthz", "/api/v1/services", "/api/v1/units?level=committee&limit=1000",
            "/api/v1/units?name=光明村村委会", f"/api/v1/units/{committee}",
            "/api/v1/resources?kind=hospital&limit=500",
            "/api/v1/resources?kind=hospital&service=dialysis&limit=1",
            "/api/v1/resources?kind=hospital&service=dialysis&state=closed&limit=500",
            f"/api/v1/resources/{one}", f"/api/v1/resources/{one}/history?offset=10000000",
            "/api/v1/nearest?lon=121.47&lat=31.23&service=dialysis&k=50",
            "/api/v1/geocode?q=黄浦区人民大道200号", "/ogc", "/ogc/conformance",
            "/ogc/collections", "/ogc/collections/hospitals",
            "/ogc/collections/hospitals/items?limit=1000",
            f"/ogc/collections/hospitals/items?limit=100&offset={len(ids) - 100}",
            "/ogc/collections/hospitals/items?service=dialysis&fresh=true&limit=1000",
            f"/ogc/collections/hospitals/items/{last}", "/ogc/collections/streets/items",
            "/api/v1/layers/hospitals/clusters?zoom=22",
            "/api/v1/layers/hospitals/clusters?zoom=9&bbox=120.85,30.67,122.2,31.88",
            f"/s/{code}.txt", f"/s/{code}/qr.png", f"/s/{code}/qr.svg", f"/s/{code}",
            f"/s/{city.json()['code']}/preview.png", "/api/v1/exports/hospitals.csv",
        ]  # fmt: skip
        print("each public GET alone:")
        for path in paths:
            start = time.perf_counter()
            answer = http.get(path, headers={"Accept-Encoding": "identity"})
            took = time.perf_counter() - start
            print(f"  {took * 1000:8.1f} ms {len(answer.content) / 1024:9.1f} KiB "
                  f"{answer.status_code} {path}")  # fmt: skip


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p99 and max in milliseconds."""
    if not latencies:
        return (float("nan"),) * 3
    if len(latencies) == 1:
        return (latencies[0] * 1000,) * 3
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000, max(latencies) * 1000


def measure(base: str, secret: str, ids: list[int], args: argparse.Namespace) -> None:
    """Both phases against ``base``; prints the figures."""
    rng = random.Random(5)
    with httpx.Client(base_url=base, timeout=TIMEOUT_S) as http:
        mine = {n: http.get(f"/api/v1/resources/{n}").headers["ETag"] for n in rng.sample(ids, 20)}
        near = {"lon": PEOPLES_SQUARE[0], "lat": PEOPLES_SQUARE[1], "service": "dialysis", "k": 5}
        share = http.post("/api/v1/share", json={"center": list(PEOPLES_SQUARE), "zoom": 13,
                                                 "nearest": near})  # fmt: skip
        share.raise_for_status()
        code = share.json()["code"]
        http.get(f"/s/{code}.txt").raise_for_status()  # builds the nearest index
    port = int(base.rsplit(":", 1)[1])
    rss = RssSampler(server_pid(port))
    if args.each:  # instead of the load
        each_public_read(base, code, ids)
        print(f"server RSS after them: {rss.now():.0f} MiB, peak {rss.peak:.0f} MiB")
        return rss.close()
    alone = volunteer(base, secret, mine, args.seconds, args.pause)
    idle_mib = rss.now()
    rss.reset()
    queue = multiprocessing.get_context("spawn").Queue()
    readers = multiprocessing.get_context("spawn").Process(
        target=reads, args=(base, code, ids, args.clients, args.seconds, queue)
    )
    readers.start()
    time.sleep(1.0)  # the readers' process starts its clients
    loaded = volunteer(base, secret, mine, args.seconds - 1.0, args.pause)
    tally = queue.get()
    readers.join()
    peak_mib = rss.peak
    time.sleep(10)
    after_mib = rss.now()
    rss.close()
    a50, a99, amax = percentiles(alone["latencies"])
    l50, l99, lmax = percentiles(loaded["latencies"])
    print(
        f"volunteer alone      {len(alone['latencies']):5d} writes  p50 {a50:8.1f} ms  "
        f"p99 {a99:8.1f} ms  max {amax:8.1f} ms  errors {alone['errors'] or 0}"
    )
    print(
        f"volunteer under load {len(loaded['latencies']):5d} writes  p50 {l50:8.1f} ms  "
        f"p99 {l99:8.1f} ms  max {lmax:8.1f} ms  errors {loaded['errors'] or 0}"
    )
    print(f"  under load / alone: p50 {l50 / a50:.1f}x, p99 {l99 / a99:.1f}x")
    print(f"{args.clients} anonymous readers, {args.seconds - 1:g} s:")
    for kind, rows in sorted(tally.items()):
        outcomes = Counter(outcome for _, outcome in rows)
        ok = [s for s, outcome in rows if outcome == "200"]
        p50, p99, pmax = percentiles(ok)
        print(
            f"  {kind:6s} {len(rows) / (args.seconds - 1):7.1f}/s  200s: p50 {p50:8.1f} ms  "
            f"p99 {p99:8.1f} ms  max {pmax:8.1f} ms  answers {dict(outcomes)}"
        )
    print(f"server RSS: {idle_mib:.0f} MiB before the reads, peak {peak_mib:.0f} MiB during, "
          f"{after_mib:.0f} MiB 10 s after")  # fmt: skip


def postgis_copy(settings: Settings, server: str) -> tuple[str, str]:
    """A fresh PostGIS database holding a copy of the SQLite store; its name and URL."""
    name = f"aidmap_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    source, target = open_store(settings), open_store(Settings(database_url=url))
    try:
        copy_store(source, target)
    finally:
        source.close(), target.close()
    return name, url


def drop(server: str, name: str) -> None:
    """Drop the benchmark's PostGIS database."""
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    """Generate, serve, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20, help="anonymous readers")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--pause", type=float, default=0.2, help="between the volunteer's writes")
    parser.add_argument("--each", action="store_true", help="time each public GET, no load")
    parser.add_argument("--backend", choices=("sqlite", "postgis"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        start = time.perf_counter()
        settings, secret, ids = generate(data_dir, args.hospitals, seed=7)
        print(f"generated {len(ids):,} hospitals in {time.perf_counter() - start:.0f} s "
              f"({args.backend})")  # fmt: skip
        env, name = {}, None
        if args.backend == "postgis":
            name, url = postgis_copy(settings, args.postgres)
            env = {"AIDMAP_DATABASE_URL": url}
        try:
            with serving(data_dir, data_dir / "serve.log", env) as base:
                measure(base, secret, ids, args)
        finally:
            if name is not None:
                drop(args.postgres, name)


if __name__ == "__main__":
    main()
