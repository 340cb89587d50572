"""A coordinator's contacts sheet: committee headers as teams write them, short forms of
committee names, and two committees of one street kept apart (issue 17)."""

from __future__ import annotations

import pytest

from app.services.imports.records import RowAction
from app.storage.port import Store

SHEET = """区,街道,{header},电话,负责人
徐汇区,湖南路街道,淮海居委,021-64330001,王
徐汇区,湖南路街道,安福居委会,021-64330001,李
徐汇区,湖南路街道,,021-64330002,
"""


@pytest.mark.parametrize(
    "header", ["居委会名称", "村居委", "社区名称", "居委", "居(村)委会", "居/村委会", "所属社区"]
)
def test_the_usual_committee_headers_name_the_committee(plan_file, seeded_store: Store, header):
    plan = plan_file(SHEET.format(header=header), kind="contacts")
    first, second, office = plan.rows
    assert [r.action for r in plan.rows] == [RowAction.add] * 3
    assert (first.name, second.name, office.name) == ("淮海居委会", "安福居委会", "湖南路街道")
    assert seeded_store.get_unit(first.record.committee_id).name == "淮海居委会"
    assert first.record.street_id == office.record.street_id
    assert first.record.committee_id != second.record.committee_id


def test_two_committees_of_a_street_sharing_its_point_and_phone_are_not_duplicates(plan_file):
    plan = plan_file(SHEET.format(header="居委会名称"), kind="contacts")
    first, second, _ = plan.rows
    assert (first.record.lon, first.record.lat) == (second.record.lon, second.record.lat)
    assert second.action is RowAction.add and second.reason is None
    sheet = SHEET.format(header="居委会名称") + "徐汇区,湖南路街道,淮海社区,,\n"
    again = plan_file(sheet, kind="contacts")
    assert again.rows[-1].action is RowAction.duplicate  # the same committee twice is one
    assert again.rows[-1].reason == "duplicate of row 2 (淮海居委会): same name within 200 m"


def test_headers_not_understood_are_named_in_the_plan(plan_file):
    plan = plan_file("区,街道,居委会主任,电话\n徐汇区,湖南路街道,王,021-64330002\n", "contacts")
    assert plan.notices == [
        "headers not understood, kept as attributes for signed-in roles only (never public): "
        "居委会主任; fields are read from headers such as 名称, 区, 街道, 居委会, 地址, 电话, "
        "经度/纬度 or 地图链接, 可接诊科室"
    ]
    hospitals = plan_file("名称,区,街道,社区名称\n某医院,黄浦区,外滩街道,\n")
    assert hospitals.notices == [
        "headers read for contacts only, ignored here: 街道 (street), 社区名称 (committee)"
    ]


@pytest.mark.parametrize(
    "written", ["淮海居委", "淮海社区", "淮海社区居委", "淮海居民委员会", "淮海居委会（湖南路）"]
)
def test_short_forms_of_a_committee_name_find_it(plan_file, seeded_store: Store, written):
    text = f"区,街道,居委会,电话\n徐汇区,湖南路街道,{written},021-64330001\n"
    [row] = plan_file(text, kind="contacts").rows
    assert row.action is RowAction.add, row.reason
    assert seeded_store.get_unit(row.record.committee_id).name == "淮海居委会"


@pytest.mark.parametrize("written", ["临汾路1244弄居委会", "临汾路一千二百四十四弄居委"])
def test_a_committee_numbered_either_way_is_the_gazetteers(plan_file, seeded_store, written):
    [row] = plan_file(f"区,居委会\n静安区,{written}\n", kind="contacts").rows
    assert row.action is RowAction.add, row.reason
    assert seeded_store.get_unit(row.record.committee_id).name == "临汾路一二四四弄居委会"
    [row] = plan_file(f"名称,区,地址\n某门诊部,静安区,{written}\n").rows
    assert seeded_store.get_unit(row.record.committee_id).name == "临汾路一二四四弄居委会"


def test_a_committee_not_found_is_a_bad_row_that_names_the_closest(plan_file):
    text = "区,街道,居委会\n黄浦区,淮海中路街道,新天居委\n黄浦区,淮海中路街道,淮海中路居委\n"
    close, none = plan_file(text, kind="contacts").rows
    assert close.reason == (
        "no committee '新天居委' in 淮海中路街道 (closest names: 新天地居委会, 新华居委会)"
    )
    assert none.reason == "no committee '淮海中路居委' in 淮海中路街道"
