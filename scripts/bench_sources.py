"""The time from a changed sheet to the map showing it, with a source read every 5 s, as a
ratio to that interval.

One ``aidmap serve`` (a fresh seeded SQLite database) polls a status sheet (``--kind
statuses``) served by this script on loopback (``AIDMAP_SOURCE_ALLOW_PRIVATE=true``, the
interval's minimum lowered to it). Each change turns 瑞金's 血透 cell from 可接收 to
暂停接收 or back; the time runs until a read of that hospital (``GET
/api/v1/resources/{id}``, asked every 20 ms) shows the new state. A source
is due an interval after its last run began, and the poller wakes when it falls due, so a
change waits for the rest of the interval, plus the run itself (fetch, plan, apply: ~0.1 s
for this sheet once the process is warm). The changes are made at moments spread evenly
over the interval (after the run that showed the previous change), so the median is half
the interval plus that run when all is well, and more when polls come late.

Usage: python scripts/bench_sources.py [--interval 5] [--changes 11]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from bench_serving import ROOT, aidmap, child_env, serving

HEADER = "医院名称,区,血透,急诊"
ROWS = [
    "瑞金医院,黄浦区,{cell},正常",
    "上海市第六人民医院,徐汇区,可接收,需预约",
    "复旦大学附属华山医院,静安区,可接收,满员",
    "上海中医药大学附属龙华医院,徐汇区,可接收,",
]
CELLS = {"open": "可接收", "closed": "暂停接收"}


class Document:
    """The sheet this script serves, changed between polls."""

    def __init__(self) -> None:
        self.body = b""
        self.lock = threading.Lock()

    def set_state(self, state: str) -> None:
        """Serve the sheet with 瑞金's 血透 cell saying ``state``."""
        text = "\n".join([HEADER, *ROWS]).replace("{cell}", CELLS[state]) + "\n"
        with self.lock:
            self.body = text.encode()

    def serve(self) -> tuple[ThreadingHTTPServer, str]:
        """Start serving on a free loopback port; the server and the sheet's link."""
        document = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                with document.lock:
                    body = document.body
                self.send_response(200)
                self.send_header("Content-Type", "text/csv; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}/sheet.csv"


def run_aidmap(settings: dict[str, str], *args: str) -> str:
    """Run an aidmap command; its last line of output (exits the script if it fails)."""
    done = subprocess.run(aidmap(*args), cwd=ROOT, env=child_env(settings), capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"aidmap {' '.join(args[:2])} failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def dialysis(client: httpx.Client, base: str, resource_id: int) -> str | None:
    """The resource's dialysis state as a read shows it."""
    statuses = client.get(f"{base}/api/v1/resources/{resource_id}").json()["statuses"]
    return next((s["state"] for s in statuses if s["service"] == "dialysis"), None)


def shown_after(base: str, resource_id: int, state: str, timeout: float) -> float:
    """Seconds until a read of the resource shows ``state`` for dialysis (from now)."""
    start = time.perf_counter()
    with httpx.Client(timeout=5) as client:
        while time.perf_counter() - start < timeout:
            if dialysis(client, base, resource_id) == state:
                return time.perf_counter() - start
            time.sleep(0.02)
    raise SystemExit(f"the map did not show the change within {timeout:g} s")


def main() -> None:
    """Measure and print the latencies and their ratio to the interval."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=int, default=5)
    parser.add_argument("--changes", type=int, default=11)
    args = parser.parse_args()
    random.seed(7)
    document = Document()
    document.set_state("open")
    server, link = document.serve()
    settings = {"AIDMAP_SOURCE_ALLOW_PRIVATE": "true",
                "AIDMAP_SOURCE_MIN_INTERVAL_S": str(args.interval)}  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            run_aidmap(settings, "token", "create", "--create-db", "--name", "bench",
                       "--role", "coordinator", "--data-dir", str(data))  # fmt: skip
            run_aidmap(settings, "sources", "add", "bench", link, "--kind", "statuses",
                       "--every", f"{args.interval}s", "--max-change", "1",
                       "--data-dir", str(data))  # fmt: skip
            with serving(data, Path(tmp) / "serve.log", settings) as base:
                found = httpx.get(f"{base}/api/v1/resources", params={"name": "瑞金"}).json()
                ruijin = next(h["id"] for h in found if h["ref"] == "ruijin")
                latencies = []
                moments = [(k + 0.5) / args.changes * args.interval for k in range(args.changes)]
                random.shuffle(moments)
                shown_after(base, ruijin, "open", 6 * args.interval)  # the first run
                for n, moment in enumerate(moments):
                    time.sleep(moment)
                    state = "closed" if n % 2 == 0 else "open"
                    document.set_state(state)
                    latencies.append(shown_after(base, ruijin, state, 6 * args.interval))
                    print(f"change {n + 1}: shown after {latencies[-1]:.2f} s", file=sys.stderr)
    finally:
        server.shutdown()
    median = statistics.median(latencies)
    print(f"interval {args.interval} s, {args.changes} changes: from a changed sheet to the map "
          f"median {median:.2f} s (min {min(latencies):.2f}, max {max(latencies):.2f}), "
          f"ratio to the interval {median / args.interval:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
