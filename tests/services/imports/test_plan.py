"""Import plans on a real store: actions and reasons per row, idempotence, all-or-nothing."""

from __future__ import annotations

import pytest

from app.core.config import Settings
from app.domain.enums import Precision, SourceCrs
from app.geo.crs import gcj02_to_wgs84
from app.geo.geocoders.registry import build_chain
from app.services.imports.plan import ImportBlocked, apply_import, plan_import
from app.services.imports.read import read_table
from app.services.imports.records import RowAction
from app.storage.errors import VersionConflict
from app.storage.port import Store

HOSPITALS = """医院名称,所属区,地址,联系电话,可接诊科室,经度,纬度,坐标系,备注
瑞金医院,黄浦区,瑞金二路197号,021-64370045,血透、急诊,,,,总院
新建社区医院,浦东新区,浦电路221号,021-55550001,发热门诊,,,,
某卫生院,闵行区,塘口村,021-55550002,配药,,,,
坐标医院,徐汇区,,021-55550003,急诊,121.4365,31.1885,,
颠倒医院,徐汇区,,021-55550004,急诊,31.1885,121.4365,,
高德医院,黄浦区,,,急诊,121.49,31.23,高德,
重复医院,浦东新区,浦电路221号,021-55550001,急诊,,,,
,浦东新区,无名,,,,,,
火星医院,火星区,xx,,,,,,
坏电话医院,黄浦区,xx,abc,,,,,
坏科室医院,黄浦区,xx,,牙科,,,,
远医院,黄浦区,,,急诊,121.2,31.05,,
国外医院,黄浦区,,,急诊,2.35,48.85,,
"""


def by_row(plan) -> dict:
    return {row.row: row for row in plan.rows}


def test_every_row_gets_an_action_and_bad_rows_a_reason(plan_file):
    rows = by_row(plan_file(HOSPITALS))
    assert {n: r.action for n, r in rows.items()} == {
        2: RowAction.change, 3: RowAction.add, 4: RowAction.add, 5: RowAction.add,
        6: RowAction.bad, 7: RowAction.add, 8: RowAction.add, 9: RowAction.bad,
        10: RowAction.bad, 11: RowAction.add, 12: RowAction.bad, 13: RowAction.add,
        14: RowAction.bad,
    }  # fmt: skip
    assert rows[6].reason.startswith("longitude and latitude look swapped")
    assert rows[8].notes == ["phone 021-55550001 is also that of row 3 (新建社区医院)"]
    assert rows[9].reason == "no name"
    assert rows[10].reason == "unknown district '火星区'"
    assert rows[11].notes == ["phone 'abc' dropped: not a phone number"]  # the row stays
    assert rows[12].reason.startswith("unknown service '牙科'")
    assert rows[14].reason == "coordinates (2.35, 48.85) are outside China"
    assert rows[13].notes == ["point lies 30,077 m outside 黄浦区 (in 松江区)"]


def test_a_row_matched_by_alias_merges_without_renaming(plan_file, seeded_store: Store):
    ruijin = by_row(plan_file(HOSPITALS))[2]
    assert ruijin.resource_id == seeded_store.list_resources(limit=1)[0].id
    assert set(ruijin.changes) == {"attributes"}  # services already offered; name kept
    assert ruijin.notes == []
    assert (ruijin.precision, ruijin.located_by) == (Precision.approximate, "stored")
    assert ruijin.precision_reason == (
        "the stored location (approximate) is kept: finer than the row's (district: the "
        "address names no street or committee the gazetteer knows: 黄浦区's point (district))"
    )


def test_locations_say_how_they_were_found(plan_file):
    rows = by_row(plan_file(HOSPITALS))
    assert (rows[3].precision, rows[3].located_by) == (Precision.district, "gazetteer")
    assert (rows[5].precision, rows[5].located_by) == (Precision.exact, "coordinates")
    gcj = rows[7].record
    assert gcj.source_crs is SourceCrs.gcj02
    assert (gcj.lon, gcj.lat) == pytest.approx(gcj02_to_wgs84(121.49, 31.23), abs=1e-7)
    assert rows[4].record.attributes == {} and rows[2].changes["attributes"][1]["备注"] == "总院"


def test_applying_writes_everything_once_and_a_reimport_changes_nothing(
    plan_file, seeded_store: Store
):
    before = seeded_store.counts()["hospitals"]
    with pytest.raises(ImportBlocked, match="5 bad rows: nothing was written"):
        apply_import(seeded_store, plan_file(HOSPITALS))
    assert seeded_store.counts()["hospitals"] == before
    done = apply_import(seeded_store, plan_file(HOSPITALS), skip_bad_rows=True)
    assert done == {
        "added": 7, "changed": 1, "unchanged": 0, "duplicates_skipped": 0, "choices_left": 0,
        "bad_rows_skipped": 5, "addresses_learned": 0,  # the sheet's points have no address
    }  # fmt: skip
    assert seeded_store.counts()["hospitals"] == before + 7
    again = plan_file(HOSPITALS)
    assert (again.count(RowAction.add), again.count(RowAction.change)) == (0, 0)
    assert again.count(RowAction.unchanged) == 8


def test_a_conflicting_edit_makes_the_whole_apply_fail(plan_file, seeded_store: Store):
    text = "名称,区,电话\n瑞金医院,黄浦区,021-64370046\n全新医院,黄浦区,021-55559999\n"
    plan = plan_file(text)
    ruijin = seeded_store.get_resource(plan.rows[0].resource_id)
    seeded_store.update_resource(ruijin.id, ruijin.version, address="瑞金二路197号（新）")
    before = seeded_store.counts()["hospitals"]
    with pytest.raises(VersionConflict):
        apply_import(seeded_store, plan)  # the new hospital is not written either
    assert seeded_store.counts()["hospitals"] == before
    assert seeded_store.get_resource(ruijin.id).phones == ruijin.phones


def test_an_oversized_cell_makes_only_its_row_bad(plan_file):
    text = "名称,区,地址\n大医院,黄浦区," + "路" * 1_048_576 + "\n小医院,黄浦区,路1号\n"
    rows = plan_file(text).rows
    assert rows[0].reason == "column '地址': 1,048,576 characters (limit 2,000)"
    assert rows[1].action is RowAction.add


CONTACTS = """区,街道/镇,居委会/村委会,联系电话,备注
浦东新区,潍坊新村街道,,021-58300001,街道办
浦东新区,潍坊新村,,021-58300001,再写一次
闵行区,浦锦街道,塘口村,021-54100001,
闵行区,,塘口村村委会,021-54100002,
浦东新区,不存在街道,,021-58300003,
黄浦区,,,021-63300001,区卫健委
,,,021-00000000,
"""


def test_contacts_resolve_their_units_and_take_their_locations(plan_file, seeded_store):
    rows = by_row(plan_file(CONTACTS, kind="contacts"))
    weifang = rows[2].record
    assert weifang.kind == "office" and weifang.name == "潍坊新村街道"
    assert weifang.street_id is not None and weifang.precision is Precision.district
    assert rows[3].action is RowAction.duplicate  # same unit, same phone
    assert rows[4].record.name == "塘口村村委会" and rows[4].record.committee_id
    assert rows[5].action is RowAction.duplicate  # the same committee again
    assert rows[6].reason == "no street/town '不存在街道' in 浦东新区"
    assert rows[7].record.name == "黄浦区" and rows[7].record.attributes == {"备注": "区卫健委"}
    assert rows[8].reason == "a contact needs its district"


def test_names_match_only_within_their_district(plan_file, seeded_store: Store):
    apply_import(seeded_store, plan_file("名称,区,电话\n红旗医院,长宁区,021-52710001\n"))
    rows = plan_file("名称,区,电话\n红旗医院,宝山区,021-56610001\n").rows
    assert rows[0].action is RowAction.add and rows[0].candidates == []
    [row] = plan_file("名称,区,电话\n中心医院,金山区,021-57910001\n").rows
    assert row.action is RowAction.choice  # 金山区 has similar names of its own
    assert "上海市金山区中心医院" in {c["name"] for c in row.candidates}


def test_same_name_and_district_twice_far_apart_is_reported_not_merged(plan_file):
    text = (
        "名称,区,经度,纬度\n社区卫生服务中心,浦东新区,121.60,31.20\n"
        "社区卫生服务中心,浦东新区,121.70,31.10\n"
    )
    first, second = plan_file(text).rows
    assert first.action is RowAction.add and second.action is RowAction.bad
    assert second.reason.startswith("same name and district as row 2")


def test_a_ref_of_another_kind_is_refused(plan_file):
    rows = plan_file("ref,区\nruijin,黄浦区\n", kind="contacts").rows
    assert rows[0].reason == "ref 'ruijin' belongs to a resource of another kind"


def test_rows_longer_than_the_header_are_bad(plan_file):
    rows = plan_file("名称,地址\n甲医院,黄浦区,某路1号\n").rows
    assert rows[0].reason == "3 cells, the header has 2: an unquoted comma?"


def test_usual_phone_and_service_wordings_are_understood(plan_file):
    text = "名称,区,电话,科室\n甲医院,黄浦区,021 5555 0045、+86 21 55550046,血透/急诊科（24小时）\n"
    record = plan_file(text).rows[0].record
    assert record.phones == ("021-55550045", "021-55550046")
    assert record.services == ("dialysis", "emergency")
    assert record.name == "甲医院"


def test_coordinates_without_a_district_get_one_from_the_outlines(plan_file, seeded_store):
    rows = plan_file("name,lon,lat\nRuijin Test Hospital,121.4737,31.2304\nFar,121.95,31.05\n").rows
    assert rows[0].record.name == "Ruijin Test Hospital"  # spaces kept
    district = seeded_store.get_unit(rows[0].record.district_id)
    assert district.name == "黄浦区" and rows[0].notes == []
    assert rows[1].notes == ["point lies outside every district outline"]


def test_a_resolved_committee_is_stored(plan_file):
    record = plan_file("名称,区,地址\n某卫生院,闵行区,塘口村\n").rows[0].record
    assert record.committee_id is not None and record.street_id is not None


def test_planning_stops_at_its_time_budget_and_such_a_plan_is_never_applied(
    seeded_store: Store, settings: Settings
):
    table = read_table(HOSPITALS.encode(), "list.csv")
    chain = build_chain(settings, seeded_store)
    plan = plan_import(seeded_store, chain, table, "hospitals", "list.csv", seconds=0.0)
    assert plan.truncated and plan.rows == []
    assert plan.notices[-1] == "only the first 0 rows were planned (0 s)"
    with pytest.raises(ImportBlocked, match="does not cover every row"):
        apply_import(seeded_store, plan, skip_bad_rows=True)
