"""Point → district and street, and the outside-its-district flag, on real outlines."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point

from app.domain.enums import Level
from app.geo.boundaries import read_boundaries
from app.geo.names import core_name
from app.geo.reverse import ASK_TREE, CELL_M, ReverseIndex, outside_note
from app.services.relocation import apply_plan, plan_relocation
from app.services.units import units_named
from app.storage.port import Store


def dev_points(eval_dir: Path, n: int) -> list[dict[str, str]]:
    with (eval_dir / "addresses.csv").open(encoding="utf-8", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["split"] == "dev"]
    return rows[:: len(rows) // n][:n]


def test_real_points_lie_in_or_near_their_stated_district(seeded_store: Store, eval_dir: Path):
    index = ReverseIndex(seeded_store)
    districts = {u.name: u for u in seeded_store.find_units(level=Level.district)}
    rows = dev_points(eval_dir, 500)
    located = [index.locate(float(r["wgs84_lng"]), float(r["wgs84_lat"])) for r in rows]
    right = sum(
        1
        for loc, r in zip(located, rows, strict=True)
        if loc.district and loc.district.name == r["district"]
    )
    assert right / len(rows) >= 0.97  # the bundled outlines are coarse
    notes = [
        outside_note(index, float(r["wgs84_lng"]), float(r["wgs84_lat"]), districts[r["district"]])
        for r in rows
    ]
    flagged = [note for note in notes if note]
    assert flagged == []


def test_a_point_in_another_district_is_flagged_in_metres(seeded_store: Store):
    index = ReverseIndex(seeded_store)
    huangpu = units_named(seeded_store, "黄浦区", Level.district)[0]
    note = outside_note(index, 121.2, 31.05, huangpu)
    assert note == "point lies 30,077 m outside 黄浦区 (in 松江区)"
    assert index.metres_outside(huangpu.id, 121.4737, 31.2304) == 0


def test_streets_are_found_once_outlines_are_loaded(seeded_store: Store, eval_dir: Path):
    assert ReverseIndex(seeded_store).locate(121.5063, 31.2397).street is None
    outlines = read_boundaries(eval_dir / "streets_2018.geojson", "street", "district")
    apply_plan(seeded_store, plan_relocation(seeded_store, outlines))
    index = ReverseIndex(seeded_store)
    rows = dev_points(eval_dir, 300)
    streets = [index.locate(float(r["wgs84_lng"]), float(r["wgs84_lat"])).street for r in rows]
    same = sum(
        1
        for street, row in zip(streets, rows, strict=True)
        if street and core_name(street.name) == core_name(row["polygon_street"])
    )  # the 2018 outlines spell some names differently (南京东路 for 南京东路街道)
    assert same / len(rows) >= 0.99


def test_the_grid_answers_as_the_outlines_do(seeded_store: Store, eval_dir: Path):
    outlines = read_boundaries(eval_dir / "streets_2018.geojson", "street", "district")
    apply_plan(seeded_store, plan_relocation(seeded_store, outlines))
    index = ReverseIndex(seeded_store)
    rng = np.random.default_rng(5)
    for layer in (index.districts, index.streets):
        west, south, east, north = layer.bounds
        xs = rng.uniform(west - 2000, east + 2000, 4000)
        ys = rng.uniform(south - 2000, north + 2000, 4000)
        edges = np.floor(xs[:500] / CELL_M) * CELL_M  # on a cell's edge
        vertices = shapely.get_coordinates(layer.shapes[::7])[::5]  # on an outline's edge
        points = [
            *zip(xs, ys, strict=True),
            *zip(edges, ys[:500], strict=True),
            *map(tuple, vertices),
        ]
        for x, y in points:
            assert layer.at(x, y) == layer.containing(Point(x, y)), (x, y)
        asked = layer.cells.count(ASK_TREE)
        assert asked < len(layer.cells) / 2  # the grid answers most points itself
    assert index.districts.at(-1e7, 0) is None  # far outside: no cell kept
    west, south, east, north = index.districts.bounds
    columns, rows, _ = index.districts.cell_boxes()
    assert len(columns) == len(index.districts.cells)
    assert (west < (columns + 1) * CELL_M).all() and (columns * CELL_M <= east).all()
    assert (south < (rows + 1) * CELL_M).all() and (rows * CELL_M <= north).all()
