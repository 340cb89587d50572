"""Each row says which precision it got and why, and keeps the point the sheet gives:
coordinates in the system it names, or an Amap/Baidu link (issue 17)."""

from __future__ import annotations

import pytest

from app.core.config import Settings
from app.domain.enums import Level, Precision, SourceCrs, WriteSource
from app.domain.records import UnitMove
from app.geo.crs import bd09_to_wgs84, gcj02_to_wgs84
from app.geo.geocoders.registry import build_chain
from app.services.imports.plan import plan_import
from app.services.imports.read import read_table
from app.services.imports.records import RowAction
from app.services.imports.report import print_plan
from app.storage.port import Store

STREET_POINTS = "street points come with `aidmap geodata import-boundaries --level street`"


def test_a_street_named_without_a_point_of_its_own_says_so(plan_file, seeded_store: Store):
    plan = plan_file(
        "名称,区,地址\n打浦桥诊所,黄浦区,打浦桥街道徐家汇路1号\n某诊所,黄浦区,某某路1号\n"
    )
    street, district = plan.rows
    assert (street.precision, street.located_by) == (Precision.district, "gazetteer")
    assert street.precision_reason == (
        "the unit the address names is 打浦桥街道, whose point in the gazetteer is only its "
        f"district's (district; {STREET_POINTS})"
    )
    assert seeded_store.get_unit(street.record.street_id).name == "打浦桥街道"
    assert district.precision_reason == (
        "the address names no street or committee the gazetteer knows: 黄浦区's point (district)"
    )
    contact = plan_file("区,街道,居委会\n徐汇区,湖南路街道,淮海居委会\n", kind="contacts").rows[0]
    assert contact.precision_reason == (
        "its unit is 淮海居委会, whose point in the gazetteer is only its district's (district; "
        f"{STREET_POINTS})"
    )


def test_a_street_with_an_outline_takes_its_own_point(seeded_store: Store, settings: Settings):
    street = next(u for u in seeded_store.find_units(level=Level.street) if u.name == "打浦桥街道")
    seeded_store.move_units([UnitMove(street.id, 121.468, 31.205, Precision.street, None)])
    chain = build_chain(settings, seeded_store)
    text = "名称,区,地址\n打浦桥诊所,黄浦区,打浦桥街道徐家汇路1号\n"
    table = read_table(text.encode(), "x.csv")
    [row] = plan_import(seeded_store, chain, table, "hospitals", "x.csv").rows
    assert (row.precision, row.record.lon, row.record.lat) == (Precision.street, 121.468, 31.205)
    assert row.precision_reason == (
        "the unit the address names is 打浦桥街道: its point in the gazetteer (street)"
    )


@pytest.mark.parametrize(
    ("header", "cell", "crs", "lon", "lat", "given"),
    [
        ("高德链接", "https://uri.amap.com/marker?position=121.4737,31.2304", SourceCrs.gcj02,
         *gcj02_to_wgs84(121.4737, 31.2304), "the sheet's map link (amap position, GCJ-02 "
         "(高德/腾讯), converted to WGS-84)"),
        ("地图链接", "https://api.map.baidu.com/marker?location=31.2304,121.4737&title=x",
         SourceCrs.bd09, *bd09_to_wgs84(121.4737, 31.2304), "the sheet's map link (baidu "
         "location, BD-09 (百度), converted to WGS-84)"),
        ("经纬度", "31.2304, 121.4737", SourceCrs.wgs84, 121.4737, 31.2304,
         "the sheet's map link (coordinates, WGS-84)"),
    ],
)  # fmt: skip
def test_a_map_link_column_gives_the_row_its_point(plan_file, header, cell, crs, lon, lat, given):
    [row] = plan_file(f'名称,区,{header}\n链接医院,黄浦区,"{cell}"\n').rows
    assert row.action is RowAction.add and row.located_by == "link"
    record = row.record
    assert (record.lon, record.lat) == pytest.approx((lon, lat), abs=1e-6)
    assert (record.source_crs, record.precision, record.location_verified) == (
        crs, Precision.exact, False,
    )  # fmt: skip
    assert row.precision_reason == f"{given}: exact as given, not verified"


def test_coordinates_in_the_system_the_sheet_names_are_kept_as_given(plan_file):
    text = (
        "名称,区,lon,lat,坐标系,精度\n甲医院,黄浦区,121.4737,31.2304,gcj02,\n"
        "乙医院,黄浦区,121.48,31.23,,approximate\n"
    )
    first, second = plan_file(text).rows
    assert (first.record.lon, first.record.lat) == pytest.approx(
        gcj02_to_wgs84(121.4737, 31.2304), abs=1e-6
    )
    assert first.precision_reason == (
        "the sheet's coordinates (GCJ-02 (高德/腾讯), converted to WGS-84): exact as given, not "
        "verified"
    )
    assert second.precision_reason == (
        "the sheet's coordinates (WGS-84): approximate as its 精度 column says, not verified"
    )


def test_a_link_without_a_usable_point_is_a_note_and_the_address_locates_the_row(plan_file):
    text = "名称,区,地址,地图链接\n短链医院,黄浦区,打浦桥街道,https://surl.amap.com/3sXk\n"
    [row] = plan_file(text).rows
    assert row.action is RowAction.add and row.located_by == "gazetteer"
    assert row.notes[0].startswith(
        "map link not used: a short link (surl.amap.com) cannot be opened here"
    )
    [far] = plan_file('名称,区,地图链接\n远医院,黄浦区,"116.40,39.90"\n').rows
    assert (
        far.notes[0] == "map link not used: coordinates (116.40000, 39.90000) are outside Shanghai"
    )


def test_a_verified_stored_location_is_not_moved_by_a_sheet(plan_file, seeded_store: Store):
    ruijin = seeded_store.get_resource(1)
    seeded_store.place_resource(1, ruijin.version, 121.4661, 31.2121, SourceCrs.wgs84, "志愿者",
                                WriteSource.workspace)  # fmt: skip
    [row] = plan_file("名称,区,经度,纬度\n瑞金医院,黄浦区,121.47,31.22\n").rows
    assert row.action is RowAction.unchanged and row.located_by == "stored"
    assert row.precision is Precision.exact
    assert row.notes == [
        "the stored location (exact) is kept: a volunteer verified it, and the sheet's point is "
        "not verified (move it by hand if the sheet is right)"
    ]


def test_the_printed_plan_gives_each_low_precision_row_its_reason(plan_file, capsys):
    print_plan(plan_file("名称,区,地址\n某诊所,黄浦区,某某路1号\n"))
    out = " ".join(capsys.readouterr().out.split())
    assert (
        "1 rows located only to their street or district: row 2: 某诊所: the address names no "
        "street or committee the gazetteer knows: 黄浦区's point (district)"
    ) in out
