"""Mapping the headers volunteers use (Chinese or English) to resource fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.geo.names import normalise
from app.services.imports.table import ImportFileError

FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "aidmap_ref"),  # not 编号/ID: in most sheets those are row serials
    "name": ("名称", "医院名称", "医院", "机构名称", "单位名称", "名字", "name", "hospital"),
    "name_en": ("英文名", "英文名称", "name_en", "english name"),
    "aliases": ("别名", "简称", "aliases", "alias"),
    "district": ("区", "所属区", "区县", "所在区", "行政区", "district"),
    "street": ("街道", "街道/镇", "街镇", "镇", "街道镇", "所属街道", "乡镇", "street", "town"),
    "committee": ("居委会", "村委会", "居委会/村委会", "居村委", "居委", "居村", "committee"),
    "address": ("地址", "详细地址", "医院地址", "办公地址", "address"),
    "phones": ("电话", "联系电话", "电话号码", "联系方式", "值班电话", "phone", "phones", "tel"),
    "lon": ("经度", "lon", "lng", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "crs": ("坐标系", "crs", "coordinate system"),
    "precision": ("精度", "定位精度", "precision"),
    "services": ("可接诊科室", "科室", "服务", "接诊科室", "services"),
}
PARENTHESES = re.compile(r"[(（【\[].*?[)）】\]]")
HEADER_TO_FIELD = {header: name for name, headers in FIELD_HEADERS.items() for header in headers}


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Column index of each known field, and the other columns kept as attributes."""

    fields: dict[str, int]
    attributes: dict[str, int]

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
    return ColumnMap(fields=fields, attributes=attributes)
