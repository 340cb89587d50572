"""What the offline map file holds (and never holds), and outlines fitted to a byte budget."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from shapely.geometry import Point, mapping

from app.domain.enums import Kind, Level, Precision
from app.domain.records import NewResource
from app.domain.statuses import State, StatusReport
from app.services.exports.outlines import TOLERANCES, fit_outlines, geojson_size
from app.services.exports.snapshot_data import (
    CONDITION_CHARS,
    STATES,
    data_version,
    read_snapshot,
    snapshot_query,
)
from app.storage.port import Store

NOW = datetime(2026, 4, 12, 6, 30, tzinfo=UTC)
ROOM = 800_000


def hospital(store: Store, name: str, **extra) -> object:
    huangpu = store.find_units(level=Level.district, name="黄浦区")[0]
    fields = {"kind": Kind.hospital, "name": name, "lon": huangpu.lon, "lat": huangpu.lat,
              "precision": Precision.exact, "district_id": huangpu.id} | extra  # fmt: skip
    return store.add_resource(NewResource(**fields))


def test_a_hospital_carries_what_a_requester_needs_and_nothing_personal(seeded_store: Store):
    added = hospital(
        seeded_store, "测试医院", name_en="Test Hospital", aliases=("测试",), address="某路1号",
        phones=("021-1", "021-2"), services=("dialysis", "emergency"), ref="t-1",
        attributes={"院长": "张三"},
    )  # fmt: skip
    long = "需" + "很长的条件" * 20
    report = StatusReport(State.limited, "王志愿者", conditions=("appointment_only", long),
                          note="给李四打电话", reported_at=NOW - timedelta(hours=13))  # fmt: skip
    seeded_store.set_status(added.id, "dialysis", report, added.version)
    data = read_snapshot(seeded_store, snapshot_query(seeded_store, None, None, "zh"), NOW,
                         12, ROOM)  # fmt: skip
    feature = next(f for f in data.hospitals["features"] if f["properties"]["n"] == "测试医院")
    services = [s.code for s in data.services]
    dialysis, emergency = feature["properties"]["s"]
    assert feature["properties"] == {"n": "测试医院", "a": "某路1号", "t": ["021-1", "021-2"],
                                     "x": 1, "s": [dialysis, emergency]}  # fmt: skip
    assert dialysis[:6] == [services.index("dialysis"), STATES.index(State.limited), 13 * 60,
                            1, 0, "appointment_only"]  # fmt: skip
    assert len(dialysis[6]) == CONDITION_CHARS and dialysis[6].endswith("…")
    assert emergency == [services.index("emergency"), STATES.index(State.unknown)]
    text = json.dumps(data.hospitals, ensure_ascii=False)
    for private in ("王志愿者", "李四", "张三", '测试"', "t-1", "Test Hospital"):
        assert private not in text, private
    english = read_snapshot(seeded_store, snapshot_query(seeded_store, None, None, "en"), NOW,
                            12, ROOM)  # fmt: skip
    assert "Test Hospital" in json.dumps(english.hospitals)


def test_a_service_and_a_district_narrow_the_file(seeded_store: Store):
    whole = read_snapshot(seeded_store, snapshot_query(seeded_store, None, None, "zh"), NOW,
                          12, ROOM)  # fmt: skip
    query = snapshot_query(seeded_store, "血透", "南汇区", "zh")
    assert query.service == "dialysis" and query.district.name == "浦东新区"
    narrow = read_snapshot(seeded_store, query, NOW, 12, ROOM)
    assert 0 < narrow.count < whole.count == 77
    index = [s.code for s in narrow.services].index("dialysis")
    assert all(any(s[0] == index for s in f["properties"]["s"])
               for f in narrow.hospitals["features"])  # fmt: skip
    assert len(narrow.outlines.districts) == 1 and len(whole.outlines.districts) == 16
    west, south, east, north = narrow.bounds
    assert 121.4 < west < east < 122.1 and 30.8 < south < north < 31.6


def test_the_data_version_moves_with_a_status_and_not_with_a_share(seeded_store: Store):
    before = data_version(seeded_store)
    seeded_store.create_share({"center": [121.47, 31.23], "zoom": 10}, lambda: "abcdef")
    assert data_version(seeded_store) == before
    added = hospital(seeded_store, "新医院", services=("dialysis",))
    after_add = data_version(seeded_store)
    assert after_add != before
    seeded_store.set_status(added.id, "dialysis", StatusReport(State.open, "v"), added.version)
    assert data_version(seeded_store) != after_add


def circles(count: int, radius: float, vertices: int) -> list[dict]:
    """``count`` round outlines of about ``vertices`` vertices each, in Shanghai."""
    return [mapping(Point(121 + n * 0.05, 31).buffer(radius, quad_segs=vertices // 4))
            for n in range(count)]  # fmt: skip


def test_outlines_keep_to_the_budget_streets_giving_way_first():
    districts, streets = circles(16, 0.05, 400), circles(200, 0.01, 2000)
    roomy = fit_outlines(districts, streets, 10_000_000)
    assert roomy.street_tolerance == 0.0 and roomy.district_tolerance == 0.0
    tight = fit_outlines(districts, streets, 400_000)
    assert tight.size <= 400_000 and len(tight.streets) == 200
    assert tight.street_tolerance > 0.0 and tight.district_tolerance == 0.0
    tiny = fit_outlines(districts, streets, 60_000)
    assert tiny.size <= 60_000 and tiny.streets == [] and tiny.street_tolerance is None
    assert len(tiny.districts) == 16 and tiny.streets_known == 200
    nothing_fits = fit_outlines(districts, [], 100)
    assert nothing_fits.district_tolerance == TOLERANCES[-1] and len(nothing_fits.districts) == 16
    assert geojson_size(nothing_fits.districts) == nothing_fits.size
