"""Exports on a real store: hospitals and offices, in every format, import back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import Settings
from app.domain.enums import Level, Precision, SourceCrs
from app.domain.records import UnitMove
from app.geo.geocoders.registry import build_chain
from app.services.exports.layers import ExportLayer, read_layer
from app.services.exports.writers import ExportFormat, write_export
from app.services.imports.plan import apply_import, plan_import
from app.services.imports.read import read_table
from app.services.imports.records import ImportPlan, RowAction
from app.storage.port import Store

HOSPITALS = """名称,区,地址,电话,可接诊科室,经度,纬度,坐标系,别名,备注,=坏列
"<b>瑞金</b> & ""东院"", 分部",黄浦区,"瑞金二路197号, 3楼",021-55550001转123,血透、急诊,\
121.47,31.21,,"甲、乙","第一行
第二行",=1+1
"=HYPERLINK(""http://evil"",""点我"")",徐汇区,,021-55550002,急诊,121.49,31.23,高德,,@SUM(A1),
+86 热线医院,静安区,"<script>alert(1)</script>",021-55550003,,,,,,-2+3,'=x
@艾特医院,浦东新区,"'=引号地址",021-55550004,发热门诊,121.6,31.2,百度,,"'普通",
'引号医院,闵行区,𠀀路1号,021-55550005,,,,,,,
（全角）医院,长宁区,ＡＢＣ路１号,021-55550006,产科,121.41,31.21,WGS84,（别名）,,
"""
CONTACTS = """区,街道/镇,居委会/村委会,名称,联系电话,地址,备注
浦东新区,潍坊新村街道,,,021-58300001,"a,b ""q"" <b>x</b>",街道办
闵行区,浦锦街道,塘口村,,021-54100001,,=cmd|' /C calc'!A0
黄浦区,,,"<script>alert(1)</script>, ""王"" 办",021-63300001,区卫健委,
徐汇区,,,-减号办,021-63300002,,
"""
KINDS = {ExportLayer.hospitals: "hospitals", ExportLayer.offices: "contacts"}


def plan_file(store: Store, settings: Settings, path: Path, kind: str) -> ImportPlan:
    table = read_table(path.read_bytes(), path.name)
    return plan_import(store, build_chain(settings, store), table, kind, path.name)


def export_to(store: Store, layer: ExportLayer, fmt: ExportFormat, directory: Path) -> Path:
    path = directory / f"{layer}.{fmt}"
    write_export(read_layer(store, layer, signed_in=True), fmt, path)
    return path


@pytest.fixture
def stocked(seeded_store: Store, settings: Settings, tmp_path: Path) -> Store:
    """The bundled hospitals plus hospitals and offices imported from sheets with HTML,
    quotes, commas, line breaks, formulas, full-width and rare CJK characters in them."""
    for text, kind in ((HOSPITALS, "hospitals"), (CONTACTS, "contacts")):
        sheet = tmp_path / f"{kind}.csv"
        sheet.write_text(text, encoding="utf-8")
        plan = plan_file(seeded_store, settings, sheet, kind)
        assert [row.action for row in plan.rows] == [RowAction.add] * len(plan.rows)
        apply_import(seeded_store, plan)
    return seeded_store


def not_unchanged(plan: ImportPlan, store: Store, kind: str) -> dict:
    """Every row of ``plan`` that is not ``unchanged``, and stored resources it misses."""
    stored = {r.id for r in store.list_resources(kind=kind, limit=1000)}
    odd = {
        row.row: (row.action.value, row.reason, row.changes)
        for row in plan.rows
        if row.action is not RowAction.unchanged
    }
    missed = stored - {row.resource_id for row in plan.rows}
    notices = [n for n in plan.notices if not n.startswith("headers not understood")]
    return (
        odd
        | ({"missed": sorted(missed)} if missed else {})
        | ({"notices": notices} if notices else {})
    )


@pytest.mark.parametrize("layer", [ExportLayer.hospitals, ExportLayer.offices])
def test_an_exported_layer_imports_back_unchanged_in_every_format(
    stocked: Store, settings: Settings, tmp_path: Path, layer: ExportLayer
):
    kind = "hospital" if layer == "hospitals" else "office"
    found = {}
    for fmt in ExportFormat:
        plan = plan_file(stocked, settings, export_to(stocked, layer, fmt, tmp_path), KINDS[layer])
        found[fmt.value] = not_unchanged(plan, stocked, kind)
    assert found == {fmt.value: {} for fmt in ExportFormat}


def test_the_nasty_values_were_stored_as_given(stocked: Store):
    by_name = {r.name: r for r in stocked.list_resources(limit=1000)}
    first = by_name['<b>瑞金</b> & "东院", 分部']
    assert first.attributes == {"备注": "第一行\n第二行", "=坏列": "=1+1"}
    assert first.phones == ("021-55550001转123",) and first.aliases == ("甲", "乙")
    formula = by_name['=HYPERLINK("http://evil","点我")']
    assert formula.source_crs is SourceCrs.gcj02 and formula.attributes == {"备注": "@SUM(A1)"}
    assert by_name["+86 热线医院"].attributes == {"备注": "-2+3", "=坏列": "=x"}  # '= guarded
    at = by_name["@艾特医院"]
    assert (at.address, at.attributes, at.source_crs) == ("=引号地址", {"备注": "'普通"}, "bd09")
    assert by_name["'引号医院"].address == "𠀀路1号"
    assert by_name["(全角)医院"].address == "ABC路1号"
    assert by_name['<script>alert(1)</script>, "王" 办'].kind == "office"


def test_rows_a_sheet_states_differently_still_read_as_the_stored_values(
    seeded_store: Store, settings: Settings, tmp_path: Path
):
    """The bundled list keeps full-width brackets and two campuses share a switchboard:
    its export imports back unchanged all the same."""
    renji = next(r for r in seeded_store.list_resources(limit=100) if "（西院）" in r.name)
    path = export_to(seeded_store, ExportLayer.hospitals, ExportFormat.csv, tmp_path)
    plan = plan_file(seeded_store, settings, path, "hospitals")
    assert not_unchanged(plan, seeded_store, "hospital") == {}
    assert seeded_store.get_resource(renji.id).name == renji.name


def test_a_sheet_edited_after_export_changes_only_what_was_edited(
    stocked: Store, settings: Settings, tmp_path: Path
):
    path = export_to(stocked, ExportLayer.hospitals, ExportFormat.csv, tmp_path)
    text = path.read_text("utf-8-sig").replace("021-55550006", "021-55550099")
    text = text.replace("021-55550005", "021-55550004")  # 艾特医院's phone
    path.write_text(text.replace('"approximate"', '"exact"', 1), encoding="utf-8-sig")
    plan = plan_file(stocked, settings, path, "hospitals")
    changed = {row.name: row.changes for row in plan.rows if row.action is RowAction.change}
    assert changed == {
        "上海交通大学医学院附属瑞金医院": {"precision": ["approximate", "exact"]},
        "(全角)医院": {"phones": [["021-55550006"], ["021-55550099"]]},
        "'引号医院": {"phones": [["021-55550005"], ["021-55550004"]]},  # matched by its ref
    }
    [quoted] = [row for row in plan.rows if row.name == "'引号医院"]
    assert quoted.notes == [
        f"phone 021-55550004 is also that of resource {_id(stocked, '@艾特医院')} (@艾特医院)"
    ]


def test_a_unit_level_point_gets_no_finer_unit_on_import(
    stocked: Store, settings: Settings, tmp_path: Path
):
    """A district office stands at its district's point; once a street outline covers
    that point, importing the office's row again must not place it in that street."""
    office = next(r for r in stocked.list_resources(kind="office") if r.name.startswith("<"))
    assert office.precision is Precision.district and office.street_id is None
    street = stocked.find_units(level=Level.street, district_id=office.district_id)[0]
    lon, lat = office.lon, office.lat
    square = [[lon - 0.01, lat - 0.01], [lon + 0.01, lat - 0.01], [lon + 0.01, lat + 0.01],
              [lon - 0.01, lat + 0.01], [lon - 0.01, lat - 0.01]]  # fmt: skip
    outline = {"type": "Polygon", "coordinates": [square]}
    stocked.move_units([UnitMove(street.id, lon, lat, Precision.street, outline)])
    path = export_to(stocked, ExportLayer.offices, ExportFormat.csv, tmp_path)
    plan = plan_file(stocked, settings, path, "contacts")
    assert not_unchanged(plan, stocked, "office") == {}
    moved = plan_file(stocked, settings, _with_precision(path, office.name, "exact"), "contacts")
    row = next(row for row in moved.rows if row.resource_id == office.id)
    assert row.changes["street_id"] == [None, street.id]  # an exact point does get one


def _id(store: Store, name: str) -> int:
    return next(r.id for r in store.list_resources(limit=1000) if r.name == name)


def _with_precision(path: Path, name: str, precision: str) -> Path:
    lines = path.read_text("utf-8-sig").splitlines(keepends=True)
    quoted = '"' + name.replace('"', '""') + '"'
    edited = [line.replace('"district"', f'"{precision}"') if quoted in line else line
              for line in lines]  # fmt: skip
    out = path.with_name("edited.csv")
    out.write_text("".join(edited), encoding="utf-8-sig")
    return out
