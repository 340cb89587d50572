"""The learned geocoder on the eval data's dev rows: half taught, half asked.

Teaches a seeded-split half of the dev rows (their published point, as ``taught``) and
asks the other half through the offline chain with the learned step, and through today's
chain (gazetteer only) in the same run, before and after the eval street outlines are
loaded. Prints the share placed finer than district and the median/p90 error by precision
and by learned kind; throughput of both chains, in alternated passes; and the time
to build the index from 100,000 points (the store's rows carry their parsed keys, so the
build parses nothing).
Reads only rows of the ``dev`` split.

Usage: python scripts/bench_learned_geocoder.py [--eval-dir ../shared/eval] [--seed 22]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from app.core.config import Settings
from app.domain.enums import LearnedFrom
from app.domain.learned import LearnedPoint
from app.geo.address import parse_address
from app.geo.boundaries import read_boundaries
from app.geo.distance import haversine_m
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import GeocodeQuery
from app.geo.geocoders.registry import build_chain
from app.geo.house_numbers import house_key, place_key
from app.geo.learned_index import LearnedIndex
from app.services.relocation import apply_plan, plan_relocation
from app.services.seeding import ensure_seeded
from app.storage import open_store

ROOT = Path(__file__).resolve().parents[1]


def dev_rows(eval_dir: Path) -> list[dict[str, str]]:
    """The dev split of addresses.csv."""
    with (eval_dir / "addresses.csv").open(encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if row["split"] == "dev"]


def taught_points(rows: list[dict[str, str]], index: GazetteerIndex) -> list[LearnedPoint]:
    """The rows as ``taught`` points with their parsed keys (rows naming neither a road
    nor a place are not learnable)."""
    points = []
    for row in rows:
        parsed = parse_address(row["address"], index, row["district"])
        key, place = house_key(parsed), place_key(parsed)
        if parsed.district is None or not (parsed.road or place):
            continue
        points.append(
            LearnedPoint(
                source=LearnedFrom.taught,
                address=parsed.text,
                district_id=parsed.district.id,
                lon=float(row["wgs84_lng"]),
                lat=float(row["wgs84_lat"]),
                road=parsed.road,
                house_number=key.number if parsed.road else None,
                house_text=key.text if parsed.road else None,
                place=None if parsed.road else place,
            )
        )
    return points


def evaluate(label: str, chain, rows: list[dict[str, str]]) -> None:
    """Share finer than district, errors by precision and learned kind, throughput."""
    results = [chain.geocode(GeocodeQuery(row["address"], row["district"])) for row in rows]
    by_precision: dict[str, list[float]] = defaultdict(list)
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors = []
    for result, row in zip(results, rows, strict=True):
        if not result.found:
            continue
        truth = float(row["wgs84_lng"]), float(row["wgs84_lat"])
        error = haversine_m(result.lon, result.lat, *truth)
        errors.append(error)
        by_precision[result.precision.value].append(error)
        if result.provider == "learned":
            by_kind[result.raw_level].append(error)
    finer = sum(r.found and r.precision.rank < 4 for r in results) / len(rows)
    print(f"\n== {label}: {len(rows)} asked, {len(errors)} answered")
    print(f"placed finer than district {finer:.1%}")
    for name, groups in (("precision", by_precision), ("learned kind", by_kind)):
        for key, values in sorted(groups.items()):
            print(f"  {name:12s} {key:15s} n={len(values):5d} {_stats(values)}")
    print(f"  all                          n={len(errors):5d} {_stats(errors)}")


def throughput(today, with_learned, rows: list[dict[str, str]], passes: int = 3) -> None:
    """Each chain over every query, whole passes alternated (so a drifting machine slows
    both alike; query by query, each chain found the other's data in the CPU caches and
    ran at a third of its speed); the best pass of each, and the learned step's cost
    relative to today's chain."""
    queries = [GeocodeQuery(row["address"], row["district"]) for row in rows]
    best = [0.0, 0.0]
    for _ in range(passes):
        for n, chain in enumerate((today, with_learned)):
            start = time.perf_counter()
            for query in queries:
                chain.geocode(query)
            best[n] = max(best[n], len(queries) / (time.perf_counter() - start))
    print(
        f"\nthroughput (best of {passes} alternated passes): today {best[0]:,.0f}/s, "
        f"with the learned step {best[1]:,.0f}/s ({best[1] / best[0]:.0%} of today's)"
    )


def _stats(values: list[float]) -> str:
    median, p90 = statistics.median(values), float(np.percentile(values, 90))
    return f"median {median:7,.0f} m  p90 {p90:7,.0f} m"


def synthesise(points: list[LearnedPoint], n: int) -> list[LearnedPoint]:
    """``n`` points from ``points``: copies with distinct road names and shifted numbers."""
    out = []
    copy = 0
    while len(out) < n:
        for p in points:
            road = p.road and f"{p.road}{copy}"
            number = None if p.house_number is None else p.house_number + 2 * copy
            place = p.place and f"{p.place}{copy}"
            out.append(replace(p, road=road, house_number=number, place=place))
            if len(out) == n:
                break
        copy += 1
    return out


def main() -> None:
    """Seed a temp store, teach half, ask the other half, load outlines, ask again."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()
    rows = dev_rows(args.eval_dir)
    random.Random(args.seed).shuffle(rows)
    taught_rows, asked = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), database_url="")
        store = open_store(settings)
        ensure_seeded(store, settings.geodata_dir)
        index = GazetteerIndex.from_store(store)
        points = taught_points(taught_rows, index)
        print(f"taught {len(points)} points from {len(taught_rows)} dev rows; asked {len(asked)}")
        learned = LearnedIndex(points)
        today = Settings(data_dir=Path(data_dir), database_url="", learn_addresses=False)
        for outlines in (False, True):
            if outlines:
                plan = plan_relocation(
                    store,
                    read_boundaries(args.eval_dir / "streets_2018.geojson", "street", "district"),
                )
                apply_plan(store, plan)
                print("\n-- eval street outlines loaded")
            gazetteer = build_chain(today, store, online=False)
            evaluate("today (gazetteer)", gazetteer, asked)
            with_learned = build_chain(settings, store, online=False, learned=lambda: learned)
            evaluate("gazetteer + learned", with_learned, asked)
        throughput(gazetteer, with_learned, asked)
        many = synthesise(points, 100_000)
        start = time.perf_counter()
        LearnedIndex(many)
        print(f"\nindex built from {len(many):,} points in {time.perf_counter() - start:.2f} s")
        store.close()


if __name__ == "__main__":
    main()
