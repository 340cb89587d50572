"""Mapping the headers volunteers use (Chinese or English) to resource fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.geo.names import normalise
from app.services.attributes import private_columns
from app.services.imports.table import ImportFileError

FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "aidmap_ref"),  # not 编号/ID: in most sheets those are row serials
    "name": ("名称", "医院名称", "医院", "机构名称", "单位名称", "名字", "name", "hospital"),
    "name_en": ("英文名", "英文名称", "name_en", "english name"),
    "aliases": ("别名", "简称", "aliases", "alias"),
    "district": ("区", "所属区", "区县", "所在区", "行政区", "区名", "区名称", "所属区县",
                 "district"),
    "street": ("街道", "街道/镇", "街镇", "镇", "街道镇", "所属街道", "乡镇", "街道名称",
               "街镇名称", "所属街镇", "街道/乡镇", "street", "town"),
    "committee": ("居委会", "村委会", "居委会/村委会", "居村委", "居委", "居村", "居委会名称",
                  "村委会名称", "居委名称", "村居委", "村居委会", "居村委会", "居村委名称",
                  "居委会/村委会名称", "居/村委会", "村/居委会", "社区", "社区名称", "所属社区",
                  "社区居委会", "所属居委", "所属居委会", "居民委员会", "村民委员会",
                  "committee"),
    "address": ("地址", "详细地址", "医院地址", "办公地址", "address"),
    "phones": ("电话", "联系电话", "电话号码", "联系方式", "值班电话", "phone", "phones", "tel"),
    "lon": ("经度", "lon", "lng", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "crs": ("坐标系", "crs", "coordinate system"),
    "location": ("地图链接", "高德链接", "百度链接", "位置链接", "定位链接", "导航链接", "链接",
                 "高德地图", "百度地图", "地图", "经纬度", "坐标", "map link", "link",
                 "location"),
    "precision": ("精度", "定位精度", "precision"),
    "services": ("可接诊科室", "科室", "服务", "接诊科室", "services"),
}  # fmt: skip
"""A header (as ``header_key`` reads it: 居(村)委会 is 居委会) → the field it fills."""
USUAL_HEADERS = "名称, 区, 街道, 居委会, 地址, 电话, 经度/纬度 or 地图链接, 可接诊科室"
"""Headers named when a file's own are not understood."""
PARENTHESES = re.compile(r"[(（【\[].*?[)）】\]]")
HEADER_TO_FIELD = {header: name for name, headers in FIELD_HEADERS.items() for header in headers}


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Column index of each known field, and the other columns kept as attributes."""

    fields: dict[str, int]
    attributes: dict[str, int]
    headers: list[str]

    def value(self, row: list[str], name: str) -> str:
        """The row's cell for a field, or '' when the file has no such column."""
        index = self.fields.get(name)
        return row[index] if index is not None else ""


def header_key(header: str) -> str:
    """A header without spaces, brackets' contents and case: 电话（总机） → 电话."""
    return PARENTHESES.sub("", normalise(header)).lower()


def map_columns(headers: list[str], required: tuple[str, ...], filename: str) -> ColumnMap:
    """Map each header to a field; unknown headers become attributes."""
    fields: dict[str, int] = {}
    attributes: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = HEADER_TO_FIELD.get(header_key(header))
        if name is None:
            if header:
                attributes[header] = index
        elif name in fields:
            first = headers[fields[name]]
            raise ImportFileError(f"{filename}: columns {first!r} and {header!r} both mean {name}")
        else:
            fields[name] = index
    missing = [name for name in required if name not in fields]
    if missing:
        wanted = "; ".join(f"{name}: {' / '.join(FIELD_HEADERS[name][:3])}" for name in missing)
        shown = ", ".join(header[:30] for header in headers[:30])
        raise ImportFileError(
            f"{filename}: no column for {', '.join(missing)} (headers: {shown}); "
            f"use one of {wanted}"
        )
    return ColumnMap(fields=fields, attributes=attributes, headers=headers)


def column_notices(columns: ColumnMap, ignored: tuple[str, ...] = ()) -> list[str]:
    """What the plan says about the file's headers: those not understood as a field (kept
    as attributes, which only signed-in roles read) and those of ``ignored`` fields."""
    notices = []
    private = private_columns(list(columns.attributes))
    if private:
        shown = ", ".join(private)[:200]
        notices.append(
            f"headers not understood, kept as attributes for signed-in roles only (never "
            f"public): {shown}; fields are read from headers such as {USUAL_HEADERS}"
        )
    unused = [name for name in ignored if name in columns.fields]
    if unused:
        shown = ", ".join(f"{columns.headers[columns.fields[name]]} ({name})" for name in unused)
        notices.append(f"headers read for contacts only, ignored here: {shown}")
    return notices
