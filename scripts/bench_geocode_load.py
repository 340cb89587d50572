"""A volunteer's write while anonymous geocodes wait on a slow provider (issue 13, finding 14).

Starts the fake Nominatim of ``tests/geo/fake_providers.py`` (the eval ``dev`` rows; every
answer delayed ``--provider-delay`` seconds) and ``aidmap serve`` with
``AIDMAP_GEOCODERS=gazetteer,nominatim`` on a fresh data dir (a volunteer token is made
first), then:

1. idle: one geocode (the chain is built once per process), then ``--rounds`` rounds of a
   status PUT (If-Match from the last answer), a read of the same hospital, GET /livez and
   GET /readyz: the baseline;
2. loaded: ``--geocodes`` anonymous GET /api/v1/geocode sent at once, and 0.5 s later the
   same rounds while they are in flight.

A round sends its four requests together and waits for all four before the next.

Printed: each request kind's idle median, and under load its first, median and slowest
answer as ratios to it (the first also as a ratio to the first /livez under load, which
needs no thread: what is left is waiting for a thread, the rest is CPU); how long the
geocodes took, how many reached the provider, how many were answered offline; /readyz's
answers under load. Requests time out after ``--timeout`` seconds (counted, not fatal:
before the fix a write waited about as long as the provider's queue).

Usage: python scripts/bench_geocode_load.py [--geocodes 150] [--rounds 5]
       [--provider-delay 0.3] [--timeout 300] [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
from bench_serving import ROOT, create_token, serving

sys.path.insert(0, str(ROOT))  # the fake providers live with the tests
from tests.geo.fake_providers import FakeNominatim, read_dev_rows

KINDS = ("put", "read", "livez", "readyz")


async def timed(kinds: dict[str, list[float]], kind: str, request) -> httpx.Response | None:
    """Await ``request``, adding its seconds under ``kind`` (a timeout counts as inf)."""
    started = time.perf_counter()
    try:
        response = await request
    except httpx.TimeoutException:
        kinds[kind].append(float("inf"))
        return None
    kinds[kind].append(time.perf_counter() - started)
    return response


async def rounds(http: httpx.AsyncClient, secret: str, n: int, status: dict) -> dict:
    """``n`` rounds of a PUT, a read, /livez and /readyz sent together; latencies by kind."""
    kinds: dict[str, list[float]] = defaultdict(list)
    auth = {"Authorization": f"Bearer {secret}"}
    for i in range(n):
        body = {"state": ("open", "limited")[i % 2], "note": f"bench {i}"}
        headers = auth | {"If-Match": status["etag"]}
        put, _, _, ready = await asyncio.gather(
            timed(kinds, "put", http.put(status["url"], json=body, headers=headers)),
            timed(kinds, "read", http.get(status["resource"])),
            timed(kinds, "livez", http.get("/livez")),
            timed(kinds, "readyz", http.get("/readyz")),
        )
        if put is not None and "ETag" in put.headers:
            status["etag"] = put.headers["ETag"]
        status["readyz"].append(ready.status_code if ready is not None else "timeout")
    return kinds


async def geocode(http: httpx.AsyncClient, query: str) -> tuple[float, dict | None]:
    """One anonymous geocode: its seconds and answer (None on a timeout)."""
    started = time.perf_counter()
    try:
        response = await http.get("/api/v1/geocode", params={"q": query})
    except httpx.TimeoutException:
        return float("inf"), None
    return time.perf_counter() - started, response.json()


async def run(base: str, secret: str, queries: list[str], args: argparse.Namespace) -> dict:
    """The idle rounds, then the loaded ones; everything measured."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base, timeout=args.timeout, limits=limits) as http:
        [hospital] = (await http.get("/api/v1/resources", params={"kind": "hospital"})).json()[:1]
        resource = f"/api/v1/resources/{hospital['id']}"
        etag = (await http.get(resource)).headers["ETag"]
        url = f"{resource}/status/{hospital['services'][0]}"
        status = {"resource": resource, "url": url, "etag": etag, "readyz": []}
        await http.get("/api/v1/geocode", params={"q": "人民广场"})  # builds the chain once
        idle = await rounds(http, secret, args.rounds, status)
        status["readyz"] = []
        tasks = [asyncio.create_task(geocode(http, q)) for q in queries]
        await asyncio.sleep(0.5)
        loaded = await rounds(http, secret, args.rounds, status)
        answers = await asyncio.gather(*tasks)
    return {"idle": idle, "loaded": loaded, "answers": answers, "status": status}


def ms(seconds: float) -> str:
    """Seconds as milliseconds, right-aligned."""
    return f"{seconds * 1000:10.1f} ms"


def report(seen: dict, asked: int, args: argparse.Namespace) -> None:
    """Print the figures: each kind's idle median, then its first, median and slowest
    answer under load with their ratios to the idle median."""
    print(f"{args.geocodes} anonymous geocodes in flight; fake Nominatim answers in "
          f"{args.provider_delay:g} s; {args.rounds} rounds of PUT + read + /livez + /readyz "
          "sent together, idle then under load")  # fmt: skip
    live = seen["loaded"]["livez"][0]
    for kind in KINDS:
        idle, loaded = statistics.median(seen["idle"][kind]), seen["loaded"][kind]
        first, median, top = loaded[0], statistics.median(loaded), max(loaded)
        print(f"  {kind:6} idle p50 {ms(idle)} | loaded first {ms(first)} x{first / idle:,.1f}"
              f" (x{first / live:,.1f} of /livez's)  p50 {ms(median)} x{median / idle:,.1f}"
              f"  max {ms(top)} x{top / idle:,.1f}")  # fmt: skip
    times = [t for t, _ in seen["answers"]]
    done = [a for _, a in seen["answers"] if a is not None]
    offline = sum(any(" not asked (" in n for n in a["notes"]) for a in done)
    print(f"  geocodes: {len(done)}/{len(times)} answered, slowest {max(times):.1f} s; "
          f"provider asked {asked} times; {offline} answered offline")  # fmt: skip
    print(f"  /readyz under load: {seen['status']['readyz']}")


def main() -> None:
    """Parse the arguments, run both phases against a fresh server, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--geocodes", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--provider-delay", type=float, default=0.3)
    parser.add_argument("--timeout", type=float, default=300.0)
    default_eval = os.environ.get("AIDMAP_EVAL_DIR", str(ROOT.parent / "shared" / "eval"))
    parser.add_argument("--eval-dir", type=Path, default=Path(default_eval))
    args = parser.parse_args()
    rows = read_dev_rows(args.eval_dir)
    queries = [row.district + row.address for row in rows[: args.geocodes]]
    work = Path(tempfile.mkdtemp(prefix="aidmap-bench-geocode-"))
    try:
        secret = create_token(work / "data")
        with FakeNominatim(rows, delay_s=args.provider_delay) as nominatim:
            settings = {"AIDMAP_GEOCODERS": "gazetteer,nominatim",
                        "AIDMAP_NOMINATIM_URL": nominatim.url}  # fmt: skip
            with serving(work / "data", work / "serve.log", settings) as base:
                seen = asyncio.run(run(base, secret, queries, args))
            asked = len(nominatim.requests)
        report(seen, asked, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
