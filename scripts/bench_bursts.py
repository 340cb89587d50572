"""Server memory under bursts of expensive public requests: share previews and exports.

Serves the bundled data with ``aidmap serve`` (one uvicorn worker) on loopback, makes a
nearest share, then, in the same run, sends each burst with every request at once, each
from its own loopback address (127.0.0.2 …, so per-address limits do not hide anything):

1. ``--previews`` GET /s/{code}/preview.png;
2. ``--exports`` GET /api/v1/exports/committees.xlsx (the review's committee export).

For each burst: the server's resident memory (VmRSS) before, its peak during (sampled
every 20 ms), and 10 s after; how long the burst took; and the answers by status (a 503
is the server declining work it has no room for, with Retry-After).

Usage: python scripts/bench_bursts.py [--previews 40] [--exports 30]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from bench_read_load import RssSampler, server_pid
from bench_serving import serving

TIMEOUT_S = 120.0
PEOPLES_SQUARE = [121.4737, 31.2304]


def fetch(base: str, path: str, n: int) -> str:
    """GET ``path`` from loopback address 127.0.0.(n+2); the status, or the error's name."""
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{n % 250 + 2}")
    try:
        with httpx.Client(base_url=base, transport=transport, timeout=TIMEOUT_S) as http:
            return str(http.get(path).status_code)
    except httpx.TransportError as exc:
        return type(exc).__name__


def burst(base: str, rss: RssSampler, label: str, path: str, count: int) -> None:
    """``count`` requests for ``path`` at once; prints memory, time and answers."""
    before = rss.now()
    rss.reset()
    start = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        answers = Counter(pool.map(lambda n: fetch(base, path, n), range(count)))
    took = time.perf_counter() - start
    peak = rss.peak
    time.sleep(10)
    print(f"{count} {label:8s} at once: RSS {before:5.0f} MiB before, peak {peak:5.0f} MiB "
          f"(+{peak - before:4.0f}), {rss.now():5.0f} MiB 10 s after; {took:5.1f} s; "
          f"answers {dict(answers)}")  # fmt: skip


def main() -> None:
    """Serve the bundled data and send both bursts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--previews", type=int, default=40)
    parser.add_argument("--exports", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        with serving(data_dir, data_dir / "serve.log") as base:
            near = {"lon": PEOPLES_SQUARE[0], "lat": PEOPLES_SQUARE[1], "service": "dialysis"}
            view = {"center": PEOPLES_SQUARE, "zoom": 12, "nearest": near}
            made = httpx.post(f"{base}/api/v1/share", json=view, timeout=TIMEOUT_S)
            made.raise_for_status()
            preview = f"/s/{made.json()['code']}/preview.png"
            httpx.get(base + preview, timeout=TIMEOUT_S).raise_for_status()  # warm: imports
            rss = RssSampler(server_pid(int(base.rsplit(":", 1)[1])), interval_s=0.02)
            burst(base, rss, "previews", preview, args.previews)
            burst(base, rss, "exports", "/api/v1/exports/committees.xlsx", args.exports)
            rss.close()


if __name__ == "__main__":
    main()
