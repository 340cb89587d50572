"""The review's slow-client attack (issue 13, finding 3) at this machine's scale: ``/livez``
latency while one address holds slow partial-header connections, against idle.

The review opened 19,990 connections against a 20,000 open-files limit; here ``--attack``
connections (2,000) come from 127.0.0.2 against an ``aidmap serve`` whose open-files limit
is ``--open-files`` (2,000), with every setting at its default. Each attacking connection
sends a partial head and then a header line every 5 s (slowloris); when the server closes
one, it connects again a second later. Another process asks ``/livez`` from 127.0.0.1 on a
new connection every 0.1 s (a load balancer's health check, 2 s timeout): first for 5 s
idle, then for ``--seconds`` under attack.

Each code tree runs in turn (``--base``, e.g. a worktree of commit 6e8c7d5, then this
one); latencies are given as ratios to the idle run of the same server, with the server's
open files under attack and how often it closed an attacking connection. Last, what the
deadlines cost an ordinary client: /livez requests/s with wrk over 32 keep-alive
connections, the trees' servers measured in turn five times, as a ratio to the first's.

Usage: python scripts/bench_slow_clients.py [--base /tmp/base-conns] [--attack 2000]
       [--open-files 2000] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
from bench_serving import ROOT, child_env, free_port, stop

PARTIAL_HEAD = b"GET /livez HTTP/1.1\r\nHost: aidmap.test\r\n"
DRIP_S = 5.0
RECONNECT_S = 1.0
RAMP_S = 5.0
PROBE_EVERY_S = 0.1
PROBE_TIMEOUT_S = 2.0


def start_server(repo: Path, data_dir: Path, port: int, open_files: int) -> subprocess.Popen:
    """``aidmap serve`` from the code tree ``repo`` with this open-files limit; waits for it."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    env = child_env() | {"PYTHONPATH": str(repo)}
    command = [sys.executable, "-m", "app", "serve", "--port", str(port),
               "--data-dir", str(data_dir), "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=repo, env=env, preexec_fn=limit,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1).raise_for_status()
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    stop(process)
    raise SystemExit(f"aidmap serve from {repo} did not start")


def probe(port: int, seconds: float) -> list[float | None]:
    """``/livez`` on a new connection every 0.1 s: each answer's latency (None: failed)."""
    request = b"GET /livez HTTP/1.1\r\nHost: aidmap.test\r\nConnection: close\r\n\r\n"
    latencies: list[float | None] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT_S) as sock:
                sock.sendall(request)
                answer = sock.recv(1024)
            latencies.append(time.perf_counter() - start if b" 200 " in answer[:16] else None)
        except OSError:
            latencies.append(None)
        time.sleep(PROBE_EVERY_S)
    return latencies


async def hold(port: int, stats: dict[str, int], stopping: asyncio.Event) -> None:
    """One attacking slot: a slow head, again and again, until ``stopping``."""
    while not stopping.is_set():
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=("127.0.0.2", 0)
            )
        except OSError:
            await asyncio.sleep(RECONNECT_S)
            continue
        try:
            writer.write(PARTIAL_HEAD)
            while not stopping.is_set():
                try:
                    await asyncio.wait_for(reader.read(1024), DRIP_S)
                    break  # closed by the server (after a 408, or at once)
                except TimeoutError:
                    writer.write(b"X-Slow: 1\r\n")
        except OSError:
            pass
        finally:
            stats["closed"] += 0 if stopping.is_set() else 1
            writer.close()
        await asyncio.sleep(RECONNECT_S)


def attack(port: int, connections: int, seconds: float, results: multiprocessing.Queue) -> None:
    """Run ``connections`` slots for ``seconds``; put how often the server closed one."""

    async def attack_for_a_while() -> dict[str, int]:
        stats, stopping = {"closed": 0}, asyncio.Event()
        slots = [asyncio.create_task(hold(port, stats, stopping)) for _ in range(connections)]
        await asyncio.sleep(seconds)
        stopping.set()
        counted = dict(stats)
        for slot in slots:
            slot.cancel()
        await asyncio.gather(*slots, return_exceptions=True)
        return counted

    results.put(asyncio.run(attack_for_a_while()))


def run(repo: Path, args: argparse.Namespace) -> dict:
    """Idle and attacked ``/livez`` latencies of one code tree, its open files under attack
    and how often it closed an attacking connection."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(repo, Path(tmp) / "data", port, args.open_files)
        try:
            idle = probe(port, 5)
            results: multiprocessing.Queue = multiprocessing.Queue()
            attacker = multiprocessing.Process(
                target=attack, args=(port, args.attack, RAMP_S + args.seconds + 2, results)
            )
            attacker.start()
            time.sleep(RAMP_S)  # the attacker's connections are open by then
            during = probe(port, args.seconds)
            files = len(os.listdir(f"/proc/{server.pid}/fd"))  # still under attack
            closed = results.get(timeout=120)["closed"]
            attacker.join(timeout=60)
        finally:
            stop(server)
    return {"idle": idle, "during": during, "files": files, "closed": closed}


def summary(label: str, figures: dict) -> str:
    """One line: idle p50, attacked p50/p99 and their ratio, failed probes, the server's
    open files under attack, and how often it closed an attacking connection."""
    idle_p50 = statistics.median(s for s in figures["idle"] if s is not None)
    during = figures["during"]
    answered = sorted(s for s in during if s is not None)
    if answered:
        p50, p99 = statistics.median(answered), answered[int(0.99 * (len(answered) - 1))]
        latency = f"{p50 * 1e3:8.2f} {p99 * 1e3:8.2f} {p50 / idle_p50:7.1f}x"
    else:
        latency = f"{'-':>8} {'-':>8} {'-':>8}"
    failed = sum(s is None for s in during)
    return (f"{label:<22} {idle_p50 * 1e3:8.2f} {latency} {failed:5d}/{len(during):<5d} "
            f"{figures['files']:6d} {figures['closed']:8d}")  # fmt: skip


def wrk_rate(url: str, seconds: int) -> float:
    """Requests/s that wrk reaches on ``url`` with 32 keep-alive connections."""
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors on {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])


def keep_alive_rates(trees: list[tuple[str, Path]], rounds: int = 5) -> None:
    """What the deadlines cost an ordinary client: /livez requests/s over keep-alive
    connections, each tree's server in turn for 3 s, ``rounds`` times; the median (and
    the range: on a shared machine it is wide) as a ratio to the first tree's."""
    if shutil.which("wrk") is None:
        print("keep-alive rate: skipped, wrk is not installed (apt-get install wrk)")
        return
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    rates: dict[str, list[float]] = {label: [] for label, _ in trees}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        ports = {}
        for index, (label, repo) in enumerate(trees):
            ports[label] = free_port()
            server = start_server(repo.resolve(), Path(tmp) / str(index), ports[label], hard)
            stack.callback(stop, server)
        for _ in range(rounds):
            for label, port in ports.items():
                rates[label].append(wrk_rate(f"http://127.0.0.1:{port}/livez", 3))
    first = statistics.median(rates[trees[0][0]])
    for label, measured in rates.items():
        rate = statistics.median(measured)
        print(f"keep-alive /livez, {label:<22} {rate:6.0f} requests/s ({min(measured):.0f}–"
              f"{max(measured):.0f})  {rate / first:5.2f}x")  # fmt: skip


def main() -> None:
    """Run the attack on each code tree and print one line for each, then the keep-alive
    rates."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, help="a code tree to measure first (the base)")
    parser.add_argument("--attack", type=int, default=2000, help="slow connections")
    parser.add_argument("--open-files", type=int, default=2000, help="the server's limit")
    parser.add_argument("--seconds", type=float, default=30, help="time under attack")
    args = parser.parse_args()
    trees = ([("base " + args.base.name, args.base)] if args.base else []) + [("this tree", ROOT)]
    print(f"{args.attack} slow connections from one address; open-files limit "
          f"{args.open_files}; /livez every {PROBE_EVERY_S} s on a new connection")  # fmt: skip
    print(f"{'':<22} {'idle p50':>8} {'p50 ms':>8} {'p99 ms':>8} {'p50/idle':>8} "
          f"{'failed':>11} {'files':>6} {'closed':>8}")  # fmt: skip
    for label, repo in trees:
        print(summary(label, run(repo.resolve(), args)), flush=True)
    keep_alive_rates(trees)


if __name__ == "__main__":
    main()
