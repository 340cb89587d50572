"""A bounded mixed load on one ``aidmap serve`` (embedded SQLite, bundled Shanghai data).

Starts ``aidmap serve`` (one uvicorn worker) on a free loopback port with a temporary data
dir (a volunteer token is made with ``aidmap token create`` first), then, with ``--clients``
concurrent clients, each sending its next request as soon as the last one is answered:

1. baseline: GET /livez for ``--baseline-seconds``. It measures this client and the server
   on a route that does nothing, so it is also the ceiling of the client on this machine;
2. the mixed load for ``--seconds``: 80 % reads — /api/v1/nearest at a random Shanghai
   point with a random service (40 %), /ogc/collections/hospitals/items in a random bbox
   (20 %), /api/v1/layers/committees/clusters at a random zoom and bbox (20 %) — and 20 %
   writes: PUT /api/v1/resources/{id}/status/{service} of a random hospital, with the
   If-Match ETag this run last saw for it (every answer, 200 or 412, carries the current one).

A 412 (another client wrote first) is a correct answer, counted apart. Errors are 5xx,
other unexpected statuses, connection failures and timeouts (30 s). Printed: requests/s,
p50/p99/max per kind and overall, each as a ratio to the baseline, the client's CPU use
(near 100 % of one core: the client, not the server, set the pace), and the errors.
Afterwards the status history is counted: it must hold one new row per 200 PUT.

The clients are asyncio tasks with httpx in this process: they measure themselves, which
is why the baseline is printed beside every figure. Exits 1 on any error or a history
mismatch. ``--json FILE`` also writes the figures (for tests/cli/test_load.py).

Usage: python scripts/bench_load.py [--seconds 60] [--clients 32] [--baseline-seconds 10]
       [--seed 8] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bench_serving import create_token, serving

from app.geo.extent import SHANGHAI_BBOX

TIMEOUT_S = 30.0
HISTORY_PAGE = 500


@dataclass
class Tally:
    """What the clients saw: latencies (s) per kind, statuses, conflicts, writes, errors."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    codes: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    written: int = 0
    errors: Counter[str] = field(default_factory=Counter)


@dataclass
class World:
    """What requests are made of: hospitals with their services, service codes, and the
    resource versions last seen (shared by all clients)."""

    hospitals: list[tuple[int, list[str]]]
    services: list[str]
    versions: dict[int, int]


def nearest(rng: random.Random, world: World) -> tuple[str, str, dict]:
    """GET /api/v1/nearest at a random point of Shanghai's bounding box."""
    west, south, east, north = SHANGHAI_BBOX
    params = {"lon": f"{rng.uniform(west, east):.5f}", "lat": f"{rng.uniform(south, north):.5f}",
              "service": rng.choice(world.services), "k": "5"}  # fmt: skip
    return "GET", "/api/v1/nearest", {"params": params}


def random_bbox(rng: random.Random, size: float) -> str:
    """``west,south,east,north`` of a ``size``-degree box inside Shanghai's bounding box."""
    west, south, east, north = SHANGHAI_BBOX
    lon, lat = rng.uniform(west, east - size), rng.uniform(south, north - size)
    return f"{lon:.4f},{lat:.4f},{lon + size:.4f},{lat + size:.4f}"


def items(rng: random.Random, _world: World) -> tuple[str, str, dict]:
    """One page of hospitals in a town-sized bbox, as QGIS or the page asks."""
    params = {"bbox": random_bbox(rng, 0.2), "limit": "100"}
    return "GET", "/ogc/collections/hospitals/items", {"params": params}


def clusters(rng: random.Random, _world: World) -> tuple[str, str, dict]:
    """Committee clusters for a map view at zoom 10–13."""
    zoom = rng.randint(10, 13)
    params = {"zoom": str(zoom), "bbox": random_bbox(rng, 0.6 / 2 ** (zoom - 10))}
    return "GET", "/api/v1/layers/committees/clusters", {"params": params}


def write(rng: random.Random, world: World) -> tuple[str, str, dict]:
    """A status report for a random hospital and service, at the version last seen."""
    resource_id, services = rng.choice(world.hospitals)
    body = {"state": rng.choice(("open", "limited", "closed")), "note": "load"}
    headers = {"If-Match": f'"{world.versions[resource_id]}"'}
    path = f"/api/v1/resources/{resource_id}/status/{rng.choice(services)}"
    return "PUT", path, {"json": body, "headers": headers}


def livez(_rng: random.Random, _world: World) -> tuple[str, str, dict]:
    """The baseline: a route that touches nothing."""
    return "GET", "/livez", {}


Maker = Callable[[random.Random, World], tuple[str, str, dict]]
MIXED: dict[str, tuple[Maker, float]] = {
    "nearest": (nearest, 0.4), "items": (items, 0.2), "clusters": (clusters, 0.2),
    "write": (write, 0.2),
}  # fmt: skip
BASELINE: dict[str, tuple[Maker, float]] = {"livez": (livez, 1.0)}


async def one_client(
    base: str, secret: str, mix: dict[str, tuple[Maker, float]], world: World,
    rng: random.Random, end: float, tally: Tally,
) -> None:  # fmt: skip
    """Send requests drawn from ``mix`` one after another until ``end``."""
    kinds, weights = list(mix), [weight for _, weight in mix.values()]
    headers = {"Authorization": f"Bearer {secret}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=TIMEOUT_S) as http:
        while time.perf_counter() < end:
            [kind] = rng.choices(kinds, weights)
            method, path, options = mix[kind][0](rng, world)
            start = time.perf_counter()
            try:
                response = await http.request(method, path, **options)
            except httpx.TimeoutException:
                tally.errors[f"{kind}: timeout"] += 1
                continue
            except httpx.TransportError as exc:
                tally.errors[f"{kind}: {type(exc).__name__}"] += 1
                continue
            tally.latencies.setdefault(kind, []).append(time.perf_counter() - start)
            tally.codes[f"{kind} {response.status_code}"] += 1
            judge(kind, path, response, world, tally)


def judge(kind: str, path: str, response: httpx.Response, world: World, tally: Tally) -> None:
    """Count the answer: a write's 200 or 412 (and the version it names), else an error."""
    status = response.status_code
    if kind == "write" and status in (200, 412):
        world.versions[int(path.split("/")[4])] = int(response.headers["ETag"].strip('"'))
        tally.written += status == 200
        tally.conflicts += status == 412
    elif status != 200:
        tally.errors[f"{kind}: HTTP {status}"] += 1


async def load(
    base: str, secret: str, mix: dict[str, tuple[Maker, float]], world: World,
    clients: int, seconds: float, seed: int,
) -> tuple[Tally, float, float]:  # fmt: skip
    """``clients`` clients on ``mix`` for ``seconds``; the tally, wall and CPU seconds."""
    tally = Tally()
    end = time.perf_counter() + seconds
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(
        one_client(base, secret, mix, world, random.Random(seed * 1000 + i), end, tally)
        for i in range(clients)
    ))  # fmt: skip
    return tally, time.perf_counter() - wall, time.process_time() - cpu


def figures(latencies: list[float], wall: float) -> dict[str, float]:
    """Requests/s, p50, p99 and max (ms) of one kind of request."""
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else []
    ms = [cuts[49] * 1000, cuts[98] * 1000] if cuts else [latencies[0] * 1000] * 2
    return {"rps": len(latencies) / wall, "p50_ms": ms[0], "p99_ms": ms[1],
            "max_ms": max(latencies) * 1000, "count": len(latencies)}  # fmt: skip


def line(label: str, f: dict[str, float], base: dict[str, float]) -> str:
    """One printed row: the figures and their ratios to the baseline."""
    return (f"{label:10s} {f['count']:8d} {f['rps']:8.1f}/s ({f['rps'] / base['rps']:4.2f}x)  "
            f"p50 {f['p50_ms']:7.2f} ms ({f['p50_ms'] / base['p50_ms']:5.1f}x)  "
            f"p99 {f['p99_ms']:7.2f} ms ({f['p99_ms'] / base['p99_ms']:5.1f}x)  "
            f"max {f['max_ms']:7.1f} ms")  # fmt: skip


def world_of(base: str) -> World:
    """The hospitals, services and resource versions the load starts from."""
    with httpx.Client(base_url=base, timeout=TIMEOUT_S) as http:
        found = http.get("/api/v1/resources", params={"kind": "hospital", "limit": 500}).json()
        services = [s["code"] for s in http.get("/api/v1/services").json()]
    hospitals = [(h["id"], h["services"]) for h in found if h["services"]]
    return World(hospitals, services, {h["id"]: h["version"] for h in found})


def history_rows(base: str, hospitals: list[tuple[int, list[str]]]) -> int:
    """Every status-history row of these hospitals, paged through."""
    total = 0
    with httpx.Client(base_url=base, timeout=TIMEOUT_S) as http:
        for resource_id, _ in hospitals:
            offset = 0
            while True:
                params = {"limit": HISTORY_PAGE, "offset": offset}
                page = http.get(f"/api/v1/resources/{resource_id}/history", params=params)
                page.raise_for_status()
                offset += len(page.json())
                if len(page.json()) < HISTORY_PAGE:
                    break
            total += offset
    return total


def run(base: str, secret: str, args: argparse.Namespace) -> dict:
    """Baseline, mixed load and history check against ``base``; the figures."""
    world = world_of(base)
    rows_before = history_rows(base, world.hospitals)
    print(f"aidmap mixed load: {args.clients} clients, {args.seconds:g} s "
          f"(baseline {args.baseline_seconds:g} s); {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {len(world.hospitals)} hospitals")  # fmt: skip
    tally, wall, cpu = asyncio.run(
        load(base, secret, BASELINE, world, args.clients, args.baseline_seconds, args.seed)
    )
    base_figures = figures(tally.latencies["livez"], wall)
    print(line("livez", base_figures, base_figures) + f"  client CPU {cpu / wall:.0%}")
    errors = tally.errors
    tally, wall, cpu = asyncio.run(
        load(base, secret, MIXED, world, args.clients, args.seconds, args.seed)
    )
    errors += tally.errors
    kinds = {kind: figures(values, wall) for kind, values in sorted(tally.latencies.items())}
    for kind, f in kinds.items():
        print(line(kind, f, base_figures))
    everything = [value for values in tally.latencies.values() for value in values]
    overall = figures(everything, wall)
    print(line("all", overall, base_figures) + f"  client CPU {cpu / wall:.0%}")
    rows = history_rows(base, world.hospitals) - rows_before
    print(f"writes: {tally.written} answered 200, {tally.conflicts} answered 412 "
          f"(another client wrote first); new history rows {rows}: "
          f"{'ok' if rows == tally.written else 'MISMATCH'}")  # fmt: skip
    print(f"errors: {sum(errors.values())}" + "".join(f"\n  {k}: {n}" for k, n in errors.items()))
    return {"baseline": base_figures, "kinds": kinds, "overall": overall,
            "client_cpu": cpu / wall, "writes_ok": tally.written, "conflicts": tally.conflicts,
            "history_rows": rows, "errors": dict(errors), "codes": dict(tally.codes)}  # fmt: skip


def main() -> None:
    """Serve a fresh data dir, load it, print the figures; exit 1 on errors or lost writes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the mixed load")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--baseline-seconds", type=float, default=10.0, help="/livez first")
    parser.add_argument("--seed", type=int, default=8, help="of the random requests")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not 0 < args.seconds <= 3600 or not 0 < args.baseline_seconds <= 600:
        raise SystemExit("--seconds must be in (0, 3600] and --baseline-seconds in (0, 600]")
    if not 1 <= args.clients <= 256:
        raise SystemExit("--clients must be in [1, 256]")
    data_dir = Path(tempfile.mkdtemp(prefix="aidmap-bench-load-"))
    try:
        secret = create_token(data_dir / "data")
        with serving(data_dir / "data", data_dir / "serve.log") as base:
            result = run(base, secret, args)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    if result["errors"] or result["history_rows"] != result["writes_ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
