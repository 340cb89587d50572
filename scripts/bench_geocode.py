"""Offline geocoder accuracy and throughput on the eval data's dev rows.

Input per row: the published ``district`` and ``address``; truth: the row's WGS-84 point
and Amap's street. Runs twice: on the bundled gazetteer, then after importing the eval
street outlines. Baseline in the same run: answering every row with its district's point.
Then the same rows without their district (as a person types a road): how often the right
district is found or offered among the candidates, against found alone.
Reads only rows of the ``dev`` split.

Usage: python scripts/bench_geocode.py [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from app.core.config import Settings
from app.geo.boundaries import read_boundaries
from app.geo.distance import haversine_many_m
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import GeocodeQuery
from app.geo.geocoders.gazetteer import GazetteerGeocoder
from app.geo.road_index import RoadIndex, constant
from app.services.relocation import apply_plan, plan_relocation
from app.services.seeding import ensure_seeded
from app.storage import open_store

ROOT = Path(__file__).resolve().parents[1]


def dev_rows(eval_dir: Path) -> list[dict[str, str]]:
    """The dev split of addresses.csv."""
    with (eval_dir / "addresses.csv").open(encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if row["split"] == "dev"]


def evaluate(label: str, geocoder, rows: list[dict[str, str]], baseline_error: float) -> None:
    """Print accuracy by precision, and throughput."""
    queries = [GeocodeQuery(row["address"], row["district"]) for row in rows]
    start = time.perf_counter()
    results = [geocoder.geocode(query) for query in queries]
    elapsed = time.perf_counter() - start
    found = [r.found for r in results]
    right_district = np.mean(
        [r.district == row["district"] for r, row in zip(results, rows, strict=True)]
    )
    with_street = np.mean([r.street is not None for r in results])
    right_street = np.mean(
        [
            r.street is not None and r.street == row["street"]
            for r, row in zip(results, rows, strict=True)
        ]
    )
    errors = haversine_many_m(
        np.array([r.lon if r.found else np.nan for r in results]),
        np.array([r.lat if r.found else np.nan for r in results]),
        np.array([float(row["wgs84_lng"]) for row in rows]),
        np.array([float(row["wgs84_lat"]) for row in rows]),
    )
    print(f"\n== {label}: {len(rows)} dev rows, {sum(found)} answered")
    print(
        f"right district {right_district:.1%} (each row's district is an input); "
        f"street given {with_street:.1%} "
        f"(right street {right_street:.1%})"
    )
    by_precision: dict[str, list[float]] = defaultdict(list)
    for result, error in zip(results, errors, strict=True):
        if result.found:
            by_precision[result.precision.value].append(error)
    for precision, values in sorted(by_precision.items()):
        median = statistics.median(values)
        p90 = float(np.percentile(values, 90))
        print(f"  {precision:10s} n={len(values):5d}  median {median:7,.0f} m  p90 {p90:7,.0f} m")
    median_all = float(np.nanmedian(errors))
    print(
        f"  all        median {median_all:7,.0f} m "
        f"({median_all / baseline_error:.2f}x the district-point baseline)"
    )
    print(f"throughput {len(rows) / elapsed:,.0f} addresses/s")


def evaluate_without_district(geocoder, rows: list[dict[str, str]]) -> None:
    """Rows typed without their district: right district found, or among the candidates."""
    start = time.perf_counter()
    results = [geocoder.geocode(GeocodeQuery(row["address"])) for row in rows]
    elapsed = time.perf_counter() - start
    found = offered = wrong = 0
    offers = []
    for result, row in zip(results, rows, strict=True):
        if result.found:
            found += result.district == row["district"]
            wrong += result.district != row["district"]
        elif result.candidates:
            offers.append(len(result.candidates))
            offered += row["district"] in {c.district for c in result.candidates}
    n = len(rows)
    print(f"\n== without the district column: {n} dev rows")
    print(f"right district found {found / n:.1%} (a wrong one {wrong / n:.1%})")
    print(
        f"right district found or among candidates {(found + offered) / n:.1%} "
        f"({(found + offered) / max(found, 1):.1f}x found alone); "
        f"candidates offered for {len(offers) / n:.1%}, "
        f"{statistics.mean(offers) if offers else 0:.2f} per answer"
    )
    print(f"throughput {n / elapsed:,.0f} addresses/s")


def main() -> None:
    """Seed a temp store, evaluate, load street outlines, evaluate again."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    args = parser.parse_args()
    rows = dev_rows(args.eval_dir)
    with tempfile.TemporaryDirectory() as data_dir:
        store = open_store(Settings(data_dir=Path(data_dir), database_url=""))
        ensure_seeded(store, Settings().geodata_dir)
        district_point = {u.name: (u.lon, u.lat) for u in store.find_units(level="district")}
        baseline = haversine_many_m(
            np.array([district_point[r["district"]][0] for r in rows]),
            np.array([district_point[r["district"]][1] for r in rows]),
            np.array([float(r["wgs84_lng"]) for r in rows]),
            np.array([float(r["wgs84_lat"]) for r in rows]),
        )
        baseline_median = float(np.median(baseline))
        index = GazetteerIndex.from_store(store)
        roads = constant(RoadIndex.from_store(store, index))
        evaluate_without_district(GazetteerGeocoder(index, roads), rows)
        print(f"baseline (district point for every row): median error {baseline_median:,.0f} m")
        evaluate(
            "bundled gazetteer",
            GazetteerGeocoder(GazetteerIndex.from_store(store)),
            rows,
            baseline_median,
        )
        outlines = read_boundaries(args.eval_dir / "streets_2018.geojson", "street", "district")
        apply_plan(store, plan_relocation(store, outlines))
        evaluate(
            "after street outlines",
            GazetteerGeocoder(GazetteerIndex.from_store(store)),
            rows,
            baseline_median,
        )
        store.close()


if __name__ == "__main__":
    main()
