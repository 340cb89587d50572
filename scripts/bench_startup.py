"""Time from process start to the first /healthz answer: cold and warm ``aidmap serve``.

Baseline, in the same run: a bare FastAPI app with one endpoint under uvicorn, so the
figures read as ratios over what importing and starting the web stack costs anyway.

Usage: python scripts/bench_startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BASELINE_APP = """
from fastapi import FastAPI
import uvicorn
app = FastAPI()
@app.get("/healthz")
async def healthz():
    return {"status": "ok"}
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_healthy(command: list[str], port: int) -> float:
    """Seconds from spawning ``command`` to its first /healthz answer on ``port``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIDMAP_")}
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{command} exited with {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.perf_counter() - start
            except httpx.TransportError:
                pass
            time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    """Run each case ``--runs`` times and print medians and ratios to the baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {"baseline": [], "cold": [], "warm": []}
    for _ in range(args.runs):
        port = free_port()
        script = BASELINE_APP.replace("{port}", str(port))
        results["baseline"].append(time_to_healthy([sys.executable, "-c", script], port))
        data_dir = Path(tempfile.mkdtemp(prefix="aidmap-bench-"))
        serve = [
            sys.executable,
            "-m",
            "app",
            "serve",
            "--data-dir",
            str(data_dir),
            "--log-level",
            "warning",
        ]
        try:
            for case in ("cold", "warm"):
                port = free_port()
                results[case].append(time_to_healthy([*serve, "--port", str(port)], port))
        finally:
            shutil.rmtree(data_dir)
    baseline = statistics.median(results["baseline"])
    for case, times in results.items():
        median = statistics.median(times)
        print(
            f"{case:9s} median {median:6.2f} s  ({median / baseline:4.2f}x baseline)  runs: "
            + ", ".join(f"{t:.2f}" for t in times)
        )


if __name__ == "__main__":
    main()
