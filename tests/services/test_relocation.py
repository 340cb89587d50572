"""Relocating streets and committees to real street outlines (shared/eval streets_2018)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from app.domain.enums import Level, Precision, SourceCrs
from app.domain.records import UnitMove
from app.geo.boundaries import BoundaryFileError, read_boundaries
from app.geo.crs import wgs84_to_gcj02
from app.services.relocation import apply_plan, plan_relocation
from app.services.units import units_named
from app.storage.port import Store


@pytest.fixture(scope="module")
def streets_2018(eval_dir: Path):
    return read_boundaries(eval_dir / "streets_2018.geojson", "street", "district")


def test_eval_outlines_match_all_but_one_street(seeded_store: Store, streets_2018):
    plan = plan_relocation(seeded_store, streets_2018)
    assert len(streets_2018) == 214
    assert len(plan.matches) == 213
    fuzzy = {(m.boundary.name, m.street.name) for m in plan.matches if m.how == "core"}
    assert {
        ("友谊街道", "友谊路街道"),
        ("吴淞镇街道", "吴淞街道"),
        ("古美路街道", "古美街道"),
        ("半淞园", "半淞园路街道"),
    } <= fuzzy
    # 五角场镇 (2018) has no same-named unit today; it must not steal 五角场街道.
    assert [(b.name, why) for b, why in plan.unmatched] == [
        ("五角场镇", "五角场街道 is already matched to outline 五角场街道")
    ]
    missing = {s.name for s in plan.streets_without_outline}
    assert {"长海路街道", "金海街道"} <= missing and len(missing) == 21


def test_apply_moves_streets_and_committees_inside_their_outlines(
    seeded_store: Store, streets_2018
):
    plan = plan_relocation(seeded_store, streets_2018)
    moved = apply_plan(seeded_store, plan)
    streets = {u.id: u for u in seeded_store.find_units(level=Level.street)}
    committees = seeded_store.find_units(level=Level.committee)
    relocated = [c for c in committees if c.precision is Precision.street]
    assert moved == 213 + len(relocated)
    for match in plan.matches:
        street = streets[match.street.id]
        assert street.precision is Precision.street
        assert match.boundary.geometry.contains(Point(street.lon, street.lat))
        assert shape(seeded_store.get_boundary(street.id)).equals(match.boundary.geometry)
    for committee in relocated:
        parent = streets[committee.parent_id]
        assert (committee.lon, committee.lat) == (parent.lon, parent.lat)
    unmatched_ids = {s.id for s in plan.streets_without_outline}
    assert all(
        c.precision is Precision.district for c in committees if c.parent_id in unmatched_ids
    )
    counts = seeded_store.precision_counts()
    assert counts["street"] == {"street": 213, "district": 21}
    assert sum(counts["committee"].values()) == 6509


def test_apply_is_idempotent_and_never_makes_a_unit_coarser(seeded_store: Store, streets_2018):
    lujiazui = units_named(seeded_store, "陆家嘴街道", Level.street)[0]
    committee = seeded_store.find_units(parent_id=lujiazui.id, limit=1)[0]
    seeded_store.move_units([UnitMove(committee.id, 121.5, 31.24, Precision.exact)])
    plan = plan_relocation(seeded_store, streets_2018)
    first = apply_plan(seeded_store, plan)
    before = {u.id: u for u in seeded_store.find_units()}
    assert apply_plan(seeded_store, plan) == first
    assert {u.id: u for u in seeded_store.find_units()} == before
    kept = seeded_store.get_unit(committee.id)
    assert (kept.lon, kept.lat, kept.precision) == (121.5, 31.24, Precision.exact)


def _square(x: float, y: float) -> dict:
    ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _outlines(tmp_path: Path, *features: tuple[str, str, dict]) -> list:
    path = tmp_path / "outlines.geojson"
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"n": n, "d": d}, "geometry": g}
            for n, d, g in features
        ],
    }
    path.write_text(json.dumps(collection, ensure_ascii=False), "utf-8")
    return read_boundaries(path, "n", "d")


def test_parts_under_different_district_spellings_merge(seeded_store: Store, tmp_path: Path):
    outlines = _outlines(
        tmp_path,
        ("陆家嘴街道", "浦东", _square(121.50, 31.23)),
        ("陆家嘴街道", "浦东新区", _square(121.52, 31.23)),
    )
    plan = plan_relocation(seeded_store, outlines)
    assert [m.street.name for m in plan.matches] == ["陆家嘴街道"] and plan.unmatched == []
    assert plan.matches[0].boundary.geometry.geom_type == "MultiPolygon"


def test_two_outlines_claiming_one_street_both_fail(seeded_store: Store, tmp_path: Path):
    outlines = _outlines(
        tmp_path,
        ("友谊", "宝山区", _square(121.45, 31.40)),
        ("友谊路", "宝山区", _square(121.47, 31.40)),
    )
    plan = plan_relocation(seeded_store, outlines)
    assert plan.matches == []
    assert {why for _, why in plan.unmatched} == {"several outlines claim 友谊路街道"}


def test_unknown_district_is_reported(seeded_store: Store, tmp_path: Path):
    square = _square(121.0, 31.0)
    outlines = _outlines(
        tmp_path,
        ("某某街道", "火星区", square),
        ("曹家渡街道", "静安区", square),
        ("不存在街道", "闸北区", square),
    )
    plan = plan_relocation(seeded_store, outlines)
    assert [m.street.name for m in plan.matches] == ["曹家渡街道"]
    assert sorted(why for _, why in plan.unmatched) == [
        "no street of that name in the district",
        "unknown district '火星区'",
    ]


def test_unreadable_or_incomplete_files_are_refused(tmp_path: Path, eval_dir: Path):
    with pytest.raises(BoundaryFileError, match="no such file"):
        read_boundaries(tmp_path / "absent.geojson", "street", "district")
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("not json at all", "utf-8")
    with pytest.raises(BoundaryFileError, match="cannot read"):
        read_boundaries(garbage, "street", "district")
    with pytest.raises(BoundaryFileError, match="no column 名称"):
        read_boundaries(eval_dir / "streets_2018.geojson", "名称", "district")


def test_outlines_traced_on_amap_are_converted_once(tmp_path: Path):
    x, y = wgs84_to_gcj02(121.50, 31.23)
    path = tmp_path / "gcj.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"n": "陆家嘴街道", "d": "浦东新区"},
                        "geometry": _square(x, y),
                    }
                ],
            }
        ),
        "utf-8",
    )
    [as_is] = read_boundaries(path, "n", "d")
    [converted] = read_boundaries(path, "n", "d", SourceCrs.gcj02)
    first = converted.geometry.exterior.coords[0]
    assert first == pytest.approx((121.50, 31.23), abs=1e-7)
    assert as_is.geometry.exterior.coords[0] == pytest.approx((x, y))
