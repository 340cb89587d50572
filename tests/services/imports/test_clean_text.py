"""Text read from any imported file is cleaned before it is planned (issue 13, finding 22):
direction overrides, zero-width and other invisible characters never reach a resource."""

from __future__ import annotations

import json

import pytest

from app.core.config import Settings
from app.geo.geocoders.registry import build_chain
from app.services.imports.plan import plan_import
from app.services.imports.read import read_table
from app.storage.port import Store
from tests.services.imports.crafted import cells, sheet, xlsx

RLO, ZWSP, ZWJ, BOM, FILLER = "\u202e", "\u200b", "\u200d", "\ufeff", "\u3164"
ROW = {
    "名称": f"瑞金{ZWSP}医院{RLO}",
    "区": f"黄浦区{BOM}",
    "地址": f"瑞金二路{ZWJ}197号",
    "电话": f"{RLO}021-6437{ZWSP}0045",
    "别名": f"瑞金{FILLER}、{RLO}总院",
    f"备{ZWSP}注": f"第一行\u2028第二行{RLO}",
}


def geojson(row: dict[str, str]) -> bytes:
    feature = {"type": "Feature", "properties": row, "geometry": None}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (",".join(ROW).encode() + b"\n" + ",".join(ROW.values()).encode(), "list.csv"),
        (xlsx(sheet(cells([list(ROW), list(ROW.values())]))), "list.xlsx"),
        (geojson(ROW), "list.geojson"),
    ],
)
def test_every_reader_cleans_headers_and_cells(data: bytes, name: str):
    table = read_table(data, name)
    assert table.headers == ["名称", "区", "地址", "电话", "别名", "备注"]
    [(_, row)] = table.rows
    assert row == ["瑞金医院", "黄浦区", "瑞金二路197号", "021-64370045", "瑞金、总院",
                   "第一行\n第二行"]  # fmt: skip


def test_a_planned_resource_holds_only_visible_text(seeded_store: Store, settings: Settings):
    data = ",".join(ROW).encode() + b"\n" + ",".join(ROW.values()).encode()
    data = data.replace("瑞金".encode(), "新建".encode()).replace(b"6437", b"5555")
    table = read_table(data, "list.csv")
    plan = plan_import(seeded_store, build_chain(settings, seeded_store), table, "hospitals", "x")
    [row] = plan.rows
    assert row.record is not None, row.reason
    record = row.record
    assert (record.name, record.address) == ("新建医院", "新建二路197号")
    assert record.phones == ("021-55550045",) and record.aliases == ("新建", "总院")
    assert record.attributes == {"备注": "第一行\n第二行"}
