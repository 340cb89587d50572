"""Status updates per second, with history, on SQLite, through a real ``aidmap serve``.

Starts ``aidmap serve`` on a free loopback port with a temporary data dir (a volunteer token
is made with ``aidmap token create`` first), then runs each phase for ``--seconds``:

a. sequential GET /api/v1/resources/{id}: the baseline, a read of the same resource;
b. sequential PUT of one status, each PUT sending the ETag the previous one returned;
c. ``--clients`` concurrent clients doing PUTs on as many different hospitals (no conflicts);
d. ``--clients`` concurrent clients on the same hospital and service, retrying on 412 with the
   ETag of the 412: successful updates per second and the share of PUTs answered 412.

Each line gives requests (or updates) per second, p50/p99 latency, the ratio to (a) and the
server's CPU time per request (from /proc: the load of other processes moves it less than
rates). The clients run in this process (threads), so they share its CPU with the server on small
machines. At the end the history is counted: it must hold one row per successful PUT. Loops
stop at the time limit or ``--max-requests``; the server is stopped and the data dir removed.

Usage: python scripts/bench_status.py [--seconds 10] [--clients 8] [--max-requests 1000000]
       [--root CHECKOUT]  (another checkout's app serves: a baseline, run alternately)
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bench_read_load import server_pid
from bench_serving import ROOT, create_token, serving

TIMEOUT_S = 30.0
HISTORY_PAGE = 500


@dataclass
class Tally:
    """What one client saw: request latencies (s), status codes, successful updates."""

    latencies: list[float] = field(default_factory=list)
    codes: Counter[int] = field(default_factory=Counter)
    updates: int = 0

    def add(self, other: Tally) -> None:
        """Fold another client's tally into this one."""
        self.latencies += other.latencies
        self.codes += other.codes
        self.updates += other.updates


@dataclass(frozen=True)
class Limits:
    """When a phase's loops stop: a time, or a request count per client."""

    end: float
    max_requests: int

    def go_on(self, tally: Tally) -> bool:
        """True while there is time and requests left."""
        return time.perf_counter() < self.end and len(tally.latencies) < self.max_requests


def timed(tally: Tally, send: Callable[..., httpx.Response], *args: object) -> httpx.Response:
    """``send(*args)``: one request, keeping its latency and status code."""
    start = time.perf_counter()
    response = send(*args)
    tally.latencies.append(time.perf_counter() - start)
    tally.codes[response.status_code] += 1
    return response


def reads(http: httpx.Client, resource_id: int, limits: Limits) -> Tally:
    """Phase a: GET the resource, again and again."""
    tally = Tally()
    while limits.go_on(tally):
        timed(tally, http.get, f"/api/v1/resources/{resource_id}")
    return tally


def chained_puts(http: httpx.Client, resource_id: int, service: str, limits: Limits) -> Tally:
    """Phases b and c: PUTs on one status, each with the ETag the previous one returned."""
    tally = Tally()
    tag = http.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
    n = 0
    while limits.go_on(tally):
        n += 1
        response = timed(tally, put, http, resource_id, service, tag, n)
        if response.status_code == 200:
            tally.updates += 1
        else:  # a 412 carries the current ETag too, but here any refusal is worth a fresh read
            tag = http.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
            continue
        tag = response.headers["ETag"]
    return tally


def contended_puts(http: httpx.Client, resource_id: int, service: str, limits: Limits) -> Tally:
    """Phase d: GET the ETag, PUT, and on 412 retry with the ETag the 412 carries."""
    tally = Tally()
    n = 0
    while limits.go_on(tally):
        tag = http.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
        n += 1
        while limits.go_on(tally):
            response = timed(tally, put, http, resource_id, service, tag, n)
            if response.status_code == 200:
                tally.updates += 1
                break
            if response.status_code != 412:
                break
            tag = response.headers["ETag"]
    return tally


def put(http: httpx.Client, resource_id: int, service: str, tag: str, n: int) -> httpx.Response:
    """One status update with ``If-Match: tag``."""
    body = {"state": ("open", "limited", "closed")[n % 3], "note": f"bench {n}"}
    return http.put(
        f"/api/v1/resources/{resource_id}/status/{service}", json=body, headers={"If-Match": tag}
    )


def in_threads(base: str, secret: str, jobs: list, limits: Limits) -> tuple[Tally, float]:
    """Run ``(function, resource_id, service)`` jobs, one client each, at once; the wall time."""
    results: list[Tally | BaseException] = [Tally()] * len(jobs)
    barrier = threading.Barrier(len(jobs) + 1)

    def run(i: int) -> None:
        function, *args = jobs[i]
        try:
            with client(base, secret) as http:
                barrier.wait()
                results[i] = function(http, *args, limits)
        except BaseException as exc:  # reported below, in the main thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join(timeout=max(0.0, limits.end - time.perf_counter()) + 2 * TIMEOUT_S)
    elapsed = time.perf_counter() - start
    total = Tally()
    for result in results:
        if isinstance(result, BaseException):
            raise result
        total.add(result)
    return total, elapsed


def client(base: str, secret: str) -> httpx.Client:
    """An HTTP client for the server, sending the token."""
    headers = {"Authorization": f"Bearer {secret}"}
    return httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT_S)


def history_rows(http: httpx.Client, resource_id: int, service: str) -> int:
    """How many history rows one status has, paged through."""
    count = 0
    while True:
        params = {"service": service, "limit": HISTORY_PAGE, "offset": count}
        page = http.get(f"/api/v1/resources/{resource_id}/history", params=params)
        page.raise_for_status()
        count += len(page.json())
        if len(page.json()) < HISTORY_PAGE:
            return count


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def cpu_s(pid: int) -> float:
    """A process's CPU time so far (user + system), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(
    label: str, tally: Tally, elapsed: float, baseline: float | None, count: int, cpu: float
) -> float:
    """Print one phase's line (``cpu``: the server's CPU seconds in it); its rate per
    second of ``count`` events."""
    rate = count / elapsed
    p50, p99 = (percentile(tally.latencies, q) * 1000 for q in (0.5, 0.99))
    ratio = f"{rate / (baseline or rate):5.2f}x"
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(tally.codes.items()))
    per_request = cpu / max(1, len(tally.latencies)) * 1000
    print(
        f"{label:44s} {rate:8.1f}/s  p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  {ratio} (a)  "
        f"CPU {per_request:5.2f} ms/req  [{codes}]"
    )
    return rate


def main() -> None:
    """Start the server, run the four phases, print them, check the history, stop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients in c and d")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="per client, phase")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app serves")
    args = parser.parse_args()
    if not 0 < args.seconds <= 600 or not 1 <= args.clients <= 64:
        raise SystemExit("--seconds must be in (0, 600] and --clients in [1, 64]")
    data_dir = Path(tempfile.mkdtemp(prefix="aidmap-bench-status-"))
    try:
        secret = create_token(data_dir / "data")
        with serving(data_dir / "data", data_dir / "serve.log", root=args.root) as base:
            run(base, secret, args)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(base: str, secret: str, args: argparse.Namespace) -> None:
    """The four phases against a running server at ``base``."""
    with client(base, secret) as http:
        hospitals = http.get(
            "/api/v1/resources", params={"kind": "hospital", "limit": args.clients}
        ).json()
    if len(hospitals) < args.clients:
        raise SystemExit(f"only {len(hospitals)} hospitals for {args.clients} clients")
    first, service = hospitals[0]["id"], hospitals[0]["services"][0]
    print(
        f"aidmap status bench ({args.root}): {args.seconds:g} s a phase, {args.clients} clients; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )

    pid = server_pid(int(base.rsplit(":", 1)[1]))

    def phase(jobs: list) -> tuple[Tally, float, float]:
        """The jobs at once until the time limit: tally, wall time, the server's CPU."""
        before = cpu_s(pid)
        limits = Limits(time.perf_counter() + args.seconds, args.max_requests)
        tally, elapsed = in_threads(base, secret, jobs, limits)
        return tally, elapsed, cpu_s(pid) - before

    tally, elapsed, cpu = phase([(reads, first)])
    baseline = report(
        "a. GET resource, sequential", tally, elapsed, None, len(tally.latencies), cpu
    )

    tally, elapsed, cpu = phase([(chained_puts, first, service)])
    written = tally.updates
    report("b. PUT status, sequential", tally, elapsed, baseline, tally.updates, cpu)

    tally, elapsed, cpu = phase([(chained_puts, h["id"], h["services"][0]) for h in hospitals])
    written += tally.updates
    report(f"c. PUT, {args.clients} clients, {args.clients} hospitals", tally, elapsed, baseline,
           tally.updates, cpu)  # fmt: skip

    tally, elapsed, cpu = phase([(contended_puts, first, service)] * args.clients)
    written += tally.updates
    report(f"d. PUT, {args.clients} clients, 1 hospital (updates)", tally, elapsed, baseline,
           tally.updates, cpu)  # fmt: skip
    puts = sum(tally.codes.values())
    print(f"   d: {tally.codes[412] / puts:.1%} of {puts} PUTs answered 412; "
          f"{puts / elapsed:.1f} PUT requests/s")  # fmt: skip

    with client(base, secret) as http:
        rows = sum(history_rows(http, h["id"], h["services"][0]) for h in hospitals)
    verdict = "ok" if rows == written else "MISMATCH"
    print(f"history rows {rows}, successful PUTs {written}: {verdict}")
    if rows != written:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
