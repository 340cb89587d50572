"""OGC items pages at 100,000 hospitals, over HTTP, against the trivial /livez in the same run.

Generates ``--hospitals`` hospitals as scripts/bench_read_load.py does (dialysis and
emergency, 30 % with a fresh ``open`` dialysis status) in a SQLite store (kept in
``--data-dir`` when given, and reused by the next run), serves it with ``aidmap serve``
(one worker) on loopback and times, one request at a time, ``--runs`` of each of:
/livez, /ogc/collections/hospitals/items?limit=1000, ?limit=100 at a random offset, one
item, and a revalidation of the 1,000-feature page (If-None-Match → 304). Answers are
asked uncompressed (Accept-Encoding: identity), as the issue's figures were.
With ``--backend postgis`` the same data is copied into a fresh PostGIS database first.
With ``--baseline-root DIR`` (another checkout, e.g. the main branch's), the same is
first measured with that checkout's ``app`` serving the same data: before and after in
one run.

Printed per path: median and p90 in ms, the answer's size, the median as a multiple of
/livez's and, with a baseline, how many times faster than the baseline's median.

Usage: python scripts/bench_items.py [--hospitals 100000] [--runs 30] [--data-dir DIR]
       [--backend sqlite|postgis] [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres]
       [--baseline-root /work/main]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
from bench_read_load import drop, generate, postgis_copy
from bench_serving import serving

IDENTITY = {"Accept-Encoding": "identity"}


def store_dir(stack: ExitStack, args: argparse.Namespace) -> Path:
    """The data dir holding the generated store (made when it holds none)."""
    if args.data_dir is None:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    else:
        data_dir = Path(args.data_dir)
    if not (data_dir / "aidmap.sqlite3").exists():
        start = time.perf_counter()
        generate(data_dir, args.hospitals, seed=7)
        print(f"generated {args.hospitals:,} hospitals in {time.perf_counter() - start:.0f} s")
    return data_dir


def timings(http: httpx.Client, paths: list[str], runs: int, headers: dict) -> tuple[list, int]:
    """Seconds of ``runs`` GETs cycling through ``paths`` (one warm-up first); the last size."""
    http.get(paths[0], headers=headers)
    took, size = [], 0
    for n in range(runs):
        start = time.perf_counter()
        answer = http.get(paths[n % len(paths)], headers=headers)
        took.append(time.perf_counter() - start)
        if answer.status_code not in (200, 304):
            raise SystemExit(f"{paths[n % len(paths)]}: HTTP {answer.status_code}")
        size = len(answer.content)
    return took, size


def measure(base: str, runs: int, before: dict[str, float] | None = None) -> dict[str, float]:
    """Time each path against ``base`` and print the table (with ``before``: each median
    against that run's); the medians."""
    rng = random.Random(5)
    items = "/ogc/collections/hospitals/items"
    with httpx.Client(base_url=base, timeout=120) as http:
        total = http.get(items, params={"limit": 1}).json()["numberMatched"]
        ids = [f["id"] for f in http.get(items, params={"limit": 1000}).json()["features"]]
        page_tag = http.get(f"{items}?limit=1000", headers=IDENTITY).headers["ETag"]
        cases = {
            "/livez (baseline)": (["/livez"], IDENTITY),
            "items?limit=1000": ([f"{items}?limit=1000"], IDENTITY),
            "items?limit=100 (random offset)": (
                [f"{items}?limit=100&offset={rng.randrange(total - 100)}" for _ in range(runs)],
                IDENTITY,
            ),
            "items/{id}": ([f"{items}/{rng.choice(ids)}" for _ in range(runs)], IDENTITY),
            "items?limit=1000, If-None-Match": (
                [f"{items}?limit=1000"],
                IDENTITY | {"If-None-Match": page_tag},
            ),
        }
        results = {label: timings(http, paths, runs, h) for label, (paths, h) in cases.items()}
    baseline = statistics.median(results["/livez (baseline)"][0])
    print(f"{total:,} hospitals, {runs} sequential requests each, uncompressed:")
    medians = {}
    for label, (took, size) in results.items():
        median = medians[label] = statistics.median(took)
        p90 = statistics.quantiles(took, n=10)[-1]
        faster = f"  {before[label] / median:5.1f}x faster" if before else ""
        print(f"  {label:34s} median {median * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms  "
              f"{size / 1024:7.1f} KiB  {median / baseline:6.1f}x /livez{faster}")  # fmt: skip
    return medians


def main() -> None:
    """Generate (or reuse), serve, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--data-dir", help="keep the generated store here, reuse it next time")
    parser.add_argument("--backend", choices=("sqlite", "postgis"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    parser.add_argument("--baseline-root", type=Path, help="a checkout to measure first")
    args = parser.parse_args()
    with ExitStack() as stack:
        data_dir = store_dir(stack, args)
        env = {}
        if args.backend == "postgis":
            from app.core.config import Settings

            name, url = postgis_copy(Settings(data_dir=data_dir, database_url=""), args.postgres)
            stack.callback(drop, args.postgres, name)
            env = {"AIDMAP_DATABASE_URL": url}
        before = None
        if args.baseline_root is not None:
            with serving(data_dir, data_dir / "baseline.log", env, root=args.baseline_root) as base:
                print(f"backend {args.backend}, baseline: the app of {args.baseline_root}")
                before = measure(base, args.runs)
        with serving(data_dir, data_dir / "serve.log", env) as base:
            print(f"backend {args.backend}, this checkout")
            measure(base, args.runs, before)


if __name__ == "__main__":
    main()
