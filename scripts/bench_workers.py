"""``aidmap serve`` with 1 and with 2 workers on one SQLite file, in one run, as ratios.

Starts the server on the bundled data (a temporary data dir; a volunteer token from
``aidmap token create``), once per worker count, and loads it with ``wrk`` (Debian package
``wrk``) for ``--seconds`` each:

a. GET /api/v1/nearest for dialysis at random points over Shanghai, ``--connections``
   connections (the reads each worker answers from its own in-memory index);
b. status PUTs with history: 8 clients on 8 hospitals, each PUT sending the ETag its
   client's previous PUT got back (no conflicts), successful PUTs per second.

Then the cost the shared rate limits add to a share POST: the limit's check-and-count in
the store against the in-memory limiter it replaced, in this process, and the median
latency of share POSTs through the 1-worker server (25 of them, below the limit of 30).

With ``--baseline CHECKOUT``, only the reads, served by CHECKOUT's app and by this one's
in turn (``--rounds`` times, 1 and 2 workers each), with each worker's CPU time over the
run and the server's CPU per request: whether the work was spread evenly.

Usage: python scripts/bench_workers.py [--seconds 10] [--connections 32] [--threads 2]
       [--baseline /path/to/checkout [--rounds 2]]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from bench_serving import NEAREST_WRK_SCRIPT, ROOT, create_token, serving

from app.core.config import Settings
from app.services.ratelimit import RateLimiter
from app.services.shared_limits import StoreRateLimiter
from app.storage import open_store

PUT_WRK_SCRIPT = """
local ids = {IDS}
local etags = {ETAGS}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("rid", ids[counter])
  thread:set("etag", etags[counter])
end
function init(args)
  n = 0
end
request = function()
  n = n + 1
  local states = {"open", "limited", "closed"}
  local body = string.format('{"state": "%s", "note": "bench %d"}', states[n % 3 + 1], n)
  return wrk.format("PUT", "/api/v1/resources/" .. rid .. "/status/emergency", {
    ["Authorization"] = "Bearer SECRET", ["Content-Type"] = "application/json",
    ["If-Match"] = etag}, body)
end
response = function(status, headers, body)
  etag = headers["etag"] or headers["ETag"] or etag  -- a 412 carries the current one too
end
"""
"""A wrk script: each of its 8 threads (one connection each) chains PUTs on one hospital."""
CLIENTS = 8


def wrk(url: str, seconds: int, threads: int, connections: int, script: Path) -> dict:
    """Run wrk; requests/s, successful (2xx) requests/s and the median latency in ms."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-s", str(script), url]  # fmt: skip
    out = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    total = int(re.search(r"(\d+) requests in", out)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    failed = int(errors[1]) if errors else 0
    value, unit = re.search(r"50%\s+([\d.]+)(us|ms|s)", out).groups()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    return {
        "rps": rps,
        "ok_rps": rps * (total - failed) / max(total, 1),
        "p50": float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit],
    }


def put_script(base: str, secret: str, directory: Path) -> Path:
    """The PUT script for 8 hospitals offering emergency care, with their current ETags."""
    listed = httpx.get(f"{base}/api/v1/resources", params={"kind": "hospital", "limit": 50})
    ids = [h["id"] for h in listed.json() if "emergency" in h["services"]][:CLIENTS]
    etags = [httpx.get(f"{base}/api/v1/resources/{i}").headers["ETag"] for i in ids]
    text = (PUT_WRK_SCRIPT.replace("{IDS}", "{" + ", ".join(map(str, ids)) + "}")
            .replace("{ETAGS}", "{" + ", ".join(json.dumps(e) for e in etags) + "}")
            .replace("SECRET", secret))  # fmt: skip
    path = directory / "puts.lua"
    path.write_text(text)
    return path


def load(
    data_dir: Path, secret: str, workers: int, seconds: int, connections: int, threads: int
) -> dict:
    """Both loads against a server with ``workers`` processes; their wrk figures."""
    nearest = data_dir / "nearest.lua"
    nearest.write_text(NEAREST_WRK_SCRIPT)
    with serving(data_dir, data_dir / f"serve{workers}.log", workers=workers) as base:
        warm(base, workers)
        reads = wrk(base, seconds, threads, connections, nearest)
        writes = wrk(base, seconds, CLIENTS, CLIENTS, put_script(base, secret, data_dir))
        shares = share_latency(base) if workers == 1 else None
    return {"reads": reads, "writes": writes, "shares": shares}


def warm(base: str, workers: int) -> None:
    """Every worker builds its index before the clock runs (a new connection each)."""
    for _ in range(8 * workers):
        httpx.get(f"{base}/api/v1/nearest?lon=121.47&lat=31.23&service=dialysis", timeout=30)


def reads_by(root: Path, data_dir: Path, workers: int, args: argparse.Namespace) -> dict:
    """The reads against ``root``'s app with ``workers`` processes; wrk's figures, each
    worker's CPU seconds over the run (from /proc) and its connections halfway through."""
    nearest = data_dir / "nearest.lua"
    nearest.write_text(NEAREST_WRK_SCRIPT)
    with serving(data_dir, data_dir / "serve.log", root=root, workers=workers) as base:
        port = int(base.rsplit(":", 1)[1])
        pids = serving_pids(port, workers)
        warm(base, workers)
        before = [cpu_s(pid) for pid in pids]
        split: list[int] = []
        halfway = threading.Timer(args.seconds / 2, lambda: split.extend(held(port, pids)))
        halfway.start()
        reads = wrk(base, args.seconds, args.threads, args.connections, nearest)
        halfway.join()
        cpu = [cpu_s(pid) - start for pid, start in zip(pids, before, strict=True)]
    cpu_us = sum(cpu) / (reads["rps"] * args.seconds) * 1e6
    return reads | {"cpu": cpu, "cpu_us": cpu_us, "connections": split}


def held(port: int, pids: list[int]) -> list[int]:
    """How many established connections to ``port`` each of ``pids`` holds."""
    rows = (row.split() for row in Path("/proc/net/tcp").read_text().splitlines()[1:])
    served = {row[9] for row in rows if row[1].endswith(f":{port:04X}") and row[3] == "01"}
    inodes = dict(sockets_by_pid())
    return [len(inodes.get(pid, set()) & served) for pid in pids]


def serving_pids(port: int, workers: int) -> list[int]:
    """The processes serving ``port``, once each of ``workers`` listens (a socket each, or
    one socket all share in a checkout from before SO_REUSEPORT); not the supervisor."""
    deadline = time.monotonic() + 120
    while True:
        listening = listening_inodes(port)
        pids = [pid for pid, inodes in sockets_by_pid() if inodes & listening]
        if workers > 1:  # a worker's command line is multiprocessing's
            pids = [
                pid for pid in pids if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ]
        if len(listening) in (1, workers) and len(pids) == workers:
            return sorted(pids)
        if time.monotonic() > deadline:
            raise SystemExit(f"{workers} workers were not listening within 120 s: {pids}")
        time.sleep(0.1)


def listening_inodes(port: int) -> set[str]:
    """The inodes of the IPv4 sockets listening on ``port``."""
    rows = (row.split() for row in Path("/proc/net/tcp").read_text().splitlines()[1:])
    return {row[9] for row in rows if row[1].endswith(f":{port:04X}") and row[3] == "0A"}


def sockets_by_pid() -> Iterator[tuple[int, set[str]]]:
    """Each process and the inodes of its sockets."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name), {link[8:-1] for link in links(entry) if link[:8] == "socket:["}


def links(process: Path) -> set[str]:
    """What the open files of ``process`` (a /proc entry) point to; those that close or
    cannot be read meanwhile left out."""
    found = set()
    with contextlib.suppress(OSError):  # the process is gone, or not ours
        for fd in (process / "fd").iterdir():
            with contextlib.suppress(OSError):  # closed since listed
                found.add(os.readlink(fd))
    return found


def cpu_s(pid: int) -> float:
    """Process ``pid``'s user and system CPU seconds so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def compare(baseline: Path, args: argparse.Namespace) -> None:
    """The reads by ``baseline``'s app and this checkout's, alternately, as ratios."""
    print(f"{os.cpu_count()} CPUs; GET /api/v1/nearest, wrk -t{args.threads} "
          f"-c{args.connections} -d{args.seconds}s on 127.0.0.1 (wrk shares the CPUs)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        create_token(data_dir)
        for round_ in range(1, args.rounds + 1):
            for label, root in (("baseline", baseline), ("this", ROOT)):
                one, two = (reads_by(root, data_dir, n, args) for n in (1, 2))
                shares = " + ".join(f"{s:.1f}" for s in two["cpu"])
                split = "/".join(map(str, two["connections"]))
                ratio = two["rps"] / one["rps"]
                print(f"  round {round_} {label:8s} 1 worker {one['rps']:6,.0f}/s "
                      f"({one['cpu_us']:.0f} µs CPU/request) | 2 workers {two['rps']:6,.0f}/s "
                      f"p50 {two['p50']:.1f} ms, connections {split}, worker CPU {shares} s "
                      f"({two['cpu_us']:.0f} µs/request) | {ratio:.2f}x")  # fmt: skip


def share_latency(base: str) -> float:
    """Median ms of 25 share POSTs (new views) from this address."""
    times = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for n in range(25):
            start = time.perf_counter()
            view = {"center": [121.4 + n / 100, 31.23], "zoom": 12}
            answer = http.post("/api/v1/share", json=view)
            times.append(time.perf_counter() - start)
            assert answer.status_code in (200, 201), answer.text
    return statistics.median(times) * 1000


def limiter_cost(data_dir: Path, runs: int = 2000) -> tuple[float, float]:
    """Median µs of one ``spend`` in memory and in the SQLite store (fresh keys)."""
    store = open_store(Settings(data_dir=data_dir))
    try:
        figures = []
        for limiter in (RateLimiter(30, 600.0), StoreRateLimiter(store, "bench", 30, 600.0)):
            times = []
            for n in range(runs):
                start = time.perf_counter()
                limiter.spend(f"198.51.100.{n % 250}:{n}")
                times.append(time.perf_counter() - start)
            figures.append(statistics.median(times) * 1e6)
        return figures[0], figures[1]
    finally:
        store.close()


def main() -> None:
    """Print each load with 1 and 2 workers and their ratios, then the limiter's cost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads for the reads")
    parser.add_argument("--baseline", type=Path, help="another checkout: compare the reads")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    if args.baseline:
        compare(args.baseline, args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        secret = create_token(data_dir)
        one, two = (load(data_dir, secret, n, args.seconds, args.connections, args.threads)
                    for n in (1, 2))  # fmt: skip
        memory_us, store_us = limiter_cost(data_dir)
    print(f"{os.cpu_count()} CPUs; wrk -d{args.seconds}s on 127.0.0.1 (wrk shares the CPUs)")
    rows = (
        ("GET /api/v1/nearest", "reads", "rps", f"{args.connections} connections"),
        ("PUT status (history)", "writes", "ok_rps", f"{CLIENTS} clients, 8 hospitals"),
    )
    for label, load_name, key, how in rows:
        a, b = one[load_name], two[load_name]
        ratio = b[key] / a[key]
        print(f"  {label:22s} 1 worker {a[key]:7,.0f}/s p50 {a['p50']:6.2f} ms | 2 workers "
              f"{b[key]:7,.0f}/s p50 {b['p50']:6.2f} ms | {ratio:.2f}x  ({how})")  # fmt: skip
    print(
        f"  rate limit check-and-count: in memory {memory_us:.1f} µs, in the SQLite store "
        f"{store_us:.0f} µs; a share POST (1 worker, median of 25) {one['shares']:.1f} ms"
    )


if __name__ == "__main__":
    main()
