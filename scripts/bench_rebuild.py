"""/livez while the first nearest query after an import rebuilds a 100k-hospital index.

Generates ``--hospitals`` hospitals (as ``bench_read_load.py`` does) in a temporary SQLite
store and serves it with ``aidmap serve`` on loopback. After one nearest query (which
builds the index), in the same run:

1. baseline: /livez asked every 10 ms for ``--seconds``, nothing else running;
2. one hospital is added through the store from this process (what an import does: the
   layer changed, so the next nearest query rebuilds the index), then /livez is asked
   every 10 ms while one GET /api/v1/nearest runs, ``--rounds`` times.

Printed: /livez p50, p99 and max in both phases (and the ratio), and how long the nearest
queries that rebuilt took. Before the rebuild left the event loop, /livez waited for it.

Usage: python scripts/bench_rebuild.py [--hospitals 100000] [--rounds 3] [--seconds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
from bench_read_load import generate
from bench_serving import serving

from app.domain.enums import Precision
from app.domain.records import NewResource
from app.storage import open_store

NEAR = {"lon": 121.47, "lat": 31.23, "service": "dialysis", "k": 5}


def poll(base: str, running: threading.Event, latencies: list[float]) -> None:
    """/livez every 10 ms while ``running`` is set."""
    with httpx.Client(base_url=base, timeout=60) as http:
        while running.is_set():
            start = time.perf_counter()
            http.get("/livez").raise_for_status()
            latencies.append(time.perf_counter() - start)
            time.sleep(0.01)


def polled(base: str, work) -> tuple[list[float], float]:
    """/livez latencies while ``work()`` runs, and how long it took."""
    running, latencies = threading.Event(), []
    running.set()
    poller = threading.Thread(target=poll, args=(base, running, latencies))
    poller.start()
    time.sleep(0.05)
    start = time.perf_counter()
    work()
    took = time.perf_counter() - start
    running.clear()
    poller.join()
    return latencies, took


def figures(latencies: list[float]) -> str:
    """p50, p99 and max in milliseconds."""
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return f"p50 {cuts[49] * 1000:7.1f} ms  p99 {cuts[98] * 1000:7.1f} ms  " + (
        f"max {max(latencies) * 1000:7.1f} ms  ({len(latencies)} asked)"
    )


def main() -> None:
    """Generate, serve, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings, _, _ = generate(data_dir, args.hospitals, seed=7)
        with serving(data_dir, data_dir / "serve.log") as base:
            httpx.get(f"{base}/api/v1/nearest", params=NEAR, timeout=120).raise_for_status()
            idle, _ = polled(base, lambda: time.sleep(args.seconds))
            during: list[float] = []
            rebuilds = []
            for n in range(args.rounds):
                store = open_store(settings)
                store.add_resource(NewResource(kind="hospital", name=f"新医院{n}", lon=121.5,
                                               lat=31.2, precision=Precision.exact))  # fmt: skip
                store.close()

                def nearest() -> None:
                    answer = httpx.get(f"{base}/api/v1/nearest", params=NEAR, timeout=120)
                    answer.raise_for_status()

                latencies, took = polled(base, nearest)
                during += latencies
                rebuilds.append(took)
    print(f"{args.hospitals:,} hospitals; nearest queries that rebuilt the index took "
          + ", ".join(f"{s:.2f} s" for s in rebuilds))  # fmt: skip
    print(f"/livez idle           {figures(idle)}")
    print(f"/livez during rebuild {figures(during)}")
    p99 = [statistics.quantiles(values, n=100)[98] for values in (during, idle)]
    print(f"  during / idle: p99 {p99[0] / p99[1]:.1f}x, max {max(during) / max(idle):.1f}x")


if __name__ == "__main__":
    main()
