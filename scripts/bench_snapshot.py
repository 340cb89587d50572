"""The offline map file: its size, its build time, and how fast it shows markers from disk.

Three stores, built here: (1) the bundled city (77 hospitals, district outlines only);
(2) the same with the street outlines of the shared evaluation data imported (as
``aidmap geodata import-boundaries`` does; skipped when the data is absent); (3) that plus
generated hospitals up to 5,000 in all (uniform over Shanghai, 3-6 services each, two in
three of them reported, some with conditions). For each, the city file (no service
chosen) is built ``--runs`` times and reported with:

- its size, against the 1 MiB budget, and what it holds: hospitals' bytes, outlines'
  bytes and tolerance, street outlines kept or dropped;
- the median build time (read, simplify, render with folium), as a multiple of the
  baseline run in the same process: the GeoJSON export of the same hospitals
  (``GET /api/v1/exports/hospitals.geojson``'s read and write);
- the time until Debian's Chromium, opening the file from disk (file://) at 360×740 with
  every request but the file refused, has drawn its markers (the file's
  ``aidmap:snapshot-markers`` mark, ms from navigation start; median of the runs), also as
  a multiple of the bundled city's.

Usage: python scripts/bench_snapshot.py [--hospitals 5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright

from app.core.config import Settings
from app.domain.enums import Kind, Precision
from app.domain.records import NewResource
from app.domain.statuses import State, StatusChange, StatusReport
from app.services.exports.layers import ExportLayer, read_layer
from app.services.exports.snapshot_data import snapshot_query
from app.services.exports.writers import geojson_chunks
from app.services.seeding import ensure_seeded
from app.storage import open_store
from app.web.snapshot import FILE_BUDGET, build_snapshot

EVAL_DIR = Path(os.environ.get("AIDMAP_EVAL_DIR", Path(__file__).resolve().parents[2] / "shared"
                                / "eval"))  # fmt: skip
"""The shared evaluation data, as the tests find it (a worktree sets AIDMAP_EVAL_DIR)."""
EVAL_STREETS = EVAL_DIR / "streets_2018.geojson"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update"]  # fmt: skip
MARK_JS = """() => {
  const mark = performance.getEntriesByName('aidmap:snapshot-markers')[0];
  return mark ? mark.startTime : null;
}"""
ROADS = ("南京", "淮海", "四川", "浦东", "张江", "漕溪", "中山", "肇嘉浜", "虹桥", "延安", "世纪")
CONDITIONS = ("appointment_only", "committee_letter", "negative_test_48h", "需先电话联系透析室")


def make_store(data_dir: Path, streets: bool, hospitals: int) -> Settings:
    """A seeded store; street outlines imported when asked; hospitals added up to
    ``hospitals`` in all, with statuses."""
    settings = Settings(data_dir=data_dir, database_url="")
    store = open_store(settings)
    ensure_seeded(store, settings.geodata_dir)
    if streets:
        from app.geo.boundaries import read_boundaries
        from app.services.relocation import apply_plan, plan_relocation

        apply_plan(store, plan_relocation(store, read_boundaries(EVAL_STREETS, "street",
                                                                 "district")))  # fmt: skip
    extra = hospitals - store.counts()["hospitals"]
    if extra > 0:
        add_hospitals(store, extra)
    store.close()
    return settings


def add_hospitals(store, count: int) -> None:
    """``count`` generated hospitals and, for two in three of their services, a status."""
    rng = random.Random(19)
    codes = [s.code for s in store.list_services()]
    adds = []
    for n in range(count):
        road = rng.choice(ROADS)
        adds.append(NewResource(
            kind=Kind.hospital, ref=f"bench-{n}", name=f"上海市{road}社区第{n}医院",
            lon=round(rng.uniform(121.15, 121.85), 6), lat=round(rng.uniform(30.9, 31.45), 6),
            precision=rng.choice((Precision.exact, Precision.approximate)),
            address=f"{road}路{rng.randint(1, 3000)}号", phones=(f"021-6{n:07d}",),
            services=tuple(rng.sample(codes, rng.randint(3, 6))),
        ))  # fmt: skip
    added, _ = store.apply_resource_changes(adds, [])
    versions = {r.id: r.version for r in added}
    now = datetime.now(UTC)
    for round_ in range(6):
        changes = []
        for r in added:
            if round_ < len(r.services) and rng.random() < 2 / 3:
                report = StatusReport(
                    rng.choice(list(State)), "bench",
                    conditions=(rng.choice(CONDITIONS),) if rng.random() < 0.3 else (),
                    reported_at=now - timedelta(minutes=rng.randint(5, 60 * 30)),
                )  # fmt: skip
                changes.append(StatusChange(r.id, r.services[round_], report, versions[r.id]))
                versions[r.id] += 1
        for start in range(0, len(changes), 2000):
            store.set_statuses(changes[start : start + 2000])


def median_seconds(work, runs: int) -> float:
    """The median wall time of ``runs`` calls of ``work``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(settings: Settings, out: Path, runs: int) -> dict:
    """Build the city's file ``runs`` times (and the GeoJSON export), write it to ``out``."""
    store = open_store(settings)
    try:
        query = snapshot_query(store, None, None, "zh")
        link = "https://aid.example.org/s/abc234"
        built: dict = {}

        def build() -> None:
            built["body"], built["data"] = build_snapshot(
                store, settings, query, datetime.now(UTC), link
            )

        def export() -> None:
            built["geojson"] = b"".join(
                geojson_chunks(read_layer(store, ExportLayer.hospitals, signed_in=False))
            )

        build()  # warm: imports, vendor files read once
        seconds = median_seconds(build, runs)
        baseline = median_seconds(export, runs)
    finally:
        store.close()
    out.write_bytes(built["body"])
    return {"seconds": seconds, "baseline": baseline, "bytes": len(built["body"]),
            "geojson": len(built["geojson"]), "data": built["data"]}  # fmt: skip


def markers_ms(browser, path: Path, runs: int) -> float:
    """Median ms from navigation to the file's markers, every other request refused."""
    times = []
    url = path.as_uri()
    asked: list[str] = []

    def only_the_file(route) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            asked.append(route.request.url)
            route.abort()

    for _ in range(runs):
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
        context.route("**/*", only_the_file)
        page = context.new_page()
        page.goto(url)
        deadline = time.monotonic() + 60
        while (mark := page.evaluate(MARK_JS)) is None and time.monotonic() < deadline:
            page.wait_for_timeout(20)
        context.close()
        if asked or mark is None:
            raise SystemExit(f"{path.name}: asked for {asked[:3]}, markers mark {mark}")
        times.append(mark)
    return statistics.median(times)


def main() -> None:
    """Build the stores, measure each, print the figures and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cases = [("bundled city", False, 0)]
    if EVAL_STREETS.exists():
        cases += [("+ street outlines", True, 0), (f"{args.hospitals:,} hospitals", True,
                                                   args.hospitals)]  # fmt: skip
    else:
        print(f"no {EVAL_STREETS}: street outlines skipped")
        cases.append((f"{args.hospitals:,} hospitals", False, args.hospitals))
    results = {}
    with tempfile.TemporaryDirectory() as directory, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_FLAGS)  # fmt: skip
        for number, (name, streets, hospitals) in enumerate(cases):
            settings = make_store(Path(directory) / f"data{number}", streets, hospitals)
            out = Path(directory) / f"map{number}.html"
            results[name] = measure(settings, out, args.runs) | {
                "ms": markers_ms(browser, out, args.runs)
            }
        browser.close()
    city = results["bundled city"]
    print(
        f"budget {FILE_BUDGET / 2**20:.0f} MiB; build = median of {args.runs}; baseline = "
        "the GeoJSON export of the same hospitals; markers = file:// in Chromium, 360x740"
    )
    for name, r in results.items():
        data, outlines = r["data"], r["data"].outlines
        hospitals = r["bytes"] - outlines.size  # everything but the outlines
        streets = (f"streets {len(outlines.streets)}/{outlines.streets_known} at "
                   f"{outlines.street_tolerance}°" if outlines.street_tolerance is not None
                   else f"streets dropped (0/{outlines.streets_known})" if outlines.streets_known
                   else "no street outlines")  # fmt: skip
        print(f"{name:22} {data.count:6,} hospitals  file {r['bytes'] / 1024:7.0f} KiB "
              f"({r['bytes'] / FILE_BUDGET:4.0%} of budget; GeoJSON export "
              f"{r['geojson'] / 1024:5.0f} KiB)  outlines {outlines.size / 1024:4.0f} KiB, "
              f"districts at {outlines.district_tolerance}°, {streets}; rest {hospitals / 1024:.0f}"
              f" KiB\n{'':22} build {r['seconds'] * 1000:6.0f} ms = "
              f"{r['seconds'] / r['baseline']:5.1f}x GeoJSON export "
              f"({r['baseline'] * 1000:.0f} ms)   markers {r['ms']:5.0f} ms = "
              f"{r['ms'] / city['ms']:4.1f}x bundled city")  # fmt: skip


if __name__ == "__main__":
    main()
