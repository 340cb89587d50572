"""How many event streams one client can hold, what a page gets meanwhile, and what polling
/api/v1/changes costs, on one ``aidmap serve`` with its default limits.

In the same run:

1. a page (127.0.0.3) opens a stream and waits for its first line: the baseline;
2. one client (127.0.0.2) opens as many streams as it can, ``--attempts`` at once, as the
   review's script did: how many it holds, how many were refused (429) and how long it took;
3. the page opens a stream again while that client holds all it could: ratio to 1;
4. sequential requests, round robin over several loopback addresses (each under the poll
   limit): p50 of /api/v1/changes with nothing new and with 100 changes to send, as ratios
   to /livez in the same loop (a Python client measures itself too, so only ratios count).

Usage: python scripts/bench_events.py [--attempts 2000] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from bench_serving import create_token, serving

PAGE, ATTACKER = "127.0.0.3", "127.0.0.2"
POLLERS = [f"127.0.1.{n}" for n in range(1, 21)]


async def time_to_stream(base: str) -> tuple[int, float]:
    """A page's stream (from its own address): the answer's status and the seconds until
    its first line (or its refusal) arrived."""
    transport = httpx.AsyncHTTPTransport(local_address=PAGE)
    async with httpx.AsyncClient(transport=transport, timeout=30) as client:
        start = time.perf_counter()
        async with client.stream("GET", base + "/api/v1/events") as response:
            if response.status_code == 200:
                await anext(response.aiter_lines())
            return response.status_code, time.perf_counter() - start


async def hold_streams(base: str, attempts: int, then) -> tuple[int, int, float]:
    """Ask for ``attempts`` streams at once from one address; while holding what was
    granted, await ``then()``. Streams held, refused (429), seconds to get all answers."""
    limits = httpx.Limits(max_connections=attempts + 10)
    transport = httpx.AsyncHTTPTransport(local_address=ATTACKER, limits=limits)
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        start = time.perf_counter()
        url = base + "/api/v1/events"
        answers = await asyncio.gather(
            *(client.send(client.build_request("GET", url), stream=True) for _ in range(attempts))
        )
        elapsed = time.perf_counter() - start
        held = sum(r.status_code == 200 for r in answers)
        refused = sum(r.status_code == 429 for r in answers)
        await then()
        await asyncio.gather(*(r.aclose() for r in answers))
    return held, refused, elapsed


def p50_ms(base: str, paths: dict[str, str], requests: int) -> dict[str, float]:
    """Median milliseconds of each path, asked in turn, from rotating addresses."""
    clients = [
        httpx.Client(transport=httpx.HTTPTransport(local_address=a), timeout=10) for a in POLLERS
    ]
    times: dict[str, list[float]] = {name: [] for name in paths}
    try:
        for n in range(requests):
            client = clients[n % len(clients)]
            for name, path in paths.items():
                start = time.perf_counter()
                client.get(base + path).raise_for_status()
                times[name].append(time.perf_counter() - start)
    finally:
        for client in clients:
            client.close()
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def write_changes(base: str, secret: str, count: int) -> int:
    """Make ``count`` status changes through the API; the history id before them."""
    before = httpx.get(base + "/api/v1/changes").json()["last_id"]
    headers = {"Authorization": f"Bearer {secret}"}
    for n in range(count):
        resource = 1 + n % 20
        version = httpx.get(f"{base}/api/v1/resources/{resource}").json()["version"]
        state = ("open", "limited", "closed")[n % 3]
        httpx.put(f"{base}/api/v1/resources/{resource}/status/dialysis", json={"state": state},
                  headers=headers | {"If-Match": f'"{version}"'}).raise_for_status()  # fmt: skip
    return before


def main() -> None:
    """Run the three measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        secret = create_token(data_dir)
        with serving(data_dir, Path(tmp) / "serve.log") as base:
            asyncio.run(time_to_stream(base))  # warm up
            idle = statistics.median(asyncio.run(time_to_stream(base))[1] for _ in range(5))
            during: list[tuple[int, float]] = []

            async def page_meanwhile() -> None:
                during.append(await time_to_stream(base))

            held, refused, elapsed = asyncio.run(hold_streams(base, args.attempts, page_meanwhile))
            [(status, seconds)] = during
            print(f"one client asked for {args.attempts} streams at once: held {held}, "
                  f"refused {refused} (429), all answered in {elapsed:.2f} s")  # fmt: skip
            print(f"a page's stream: {idle * 1000:.1f} ms idle; while that client holds {held}: "
                  f"{status} in {seconds * 1000:.1f} ms (ratio {seconds / idle:.2f})")  # fmt: skip
            before = write_changes(base, secret, 100)
            newest = httpx.get(base + "/api/v1/changes").json()["last_id"]
            paths = {"livez": "/livez", "changes, none new": f"/api/v1/changes?after={newest}",
                     "changes, 100 to send": f"/api/v1/changes?after={before}"}  # fmt: skip
            figures = p50_ms(base, paths, args.requests)
            for name, ms in figures.items():
                print(f"p50 {name}: {ms:.2f} ms (ratio to /livez {ms / figures['livez']:.2f})")


if __name__ == "__main__":
    main()
