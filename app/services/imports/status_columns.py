"""Which columns of a status sheet say what. Two shapes are read: *wide*, one column a
service (血透, 化疗, 急诊 …, recognised by the services' names and header aliases), and
*long*, one row a hospital and service with a service column (科室/服务) and a state
column (状态). Either way a sheet names the hospital (ref, name, district) and may carry
an update time and remarks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.services.imports.columns import FIELD_HEADERS, header_key
from app.services.imports.table import ImportFileError

HEADERS: dict[str, tuple[str, ...]] = {
    "ref": FIELD_HEADERS["ref"],
    "name": FIELD_HEADERS["name"] + ("医院名", "医疗机构", "机构", "医院/机构"),
    "district": FIELD_HEADERS["district"],
    "time": ("更新时间", "核实时间", "最后更新", "最后更新时间", "更新", "核实日期", "更新日期",
             "时间", "日期", "信息更新时间", "确认时间", "updated", "update time", "updated at",
             "last update", "checked at"),
    "remarks": ("备注", "说明", "其他", "其他说明", "补充说明", "注意事项", "remarks", "note",
                "notes"),
    "service": ("科室", "服务", "科室/服务", "服务项目", "项目", "专科", "service"),
    "state": ("状态", "接诊状态", "接收状态", "接收情况", "情况", "开放情况", "是否接收", "state",
              "status"),
}  # fmt: skip
BY_HEADER = {header_key(h): name for name, headers in HEADERS.items() for h in headers}


@dataclass(frozen=True, slots=True)
class StatusColumns:
    """Column indexes: the hospital's, the time's and remarks', and the services': one
    column per service (``services``, wide) or a service and a state column (long)."""

    fields: dict[str, int]
    services: dict[int, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()

    @property
    def long(self) -> bool:
        """One row per hospital and service."""
        return not self.services

    def value(self, row: list[str], name: str) -> str:
        """The row's cell of a field, or '' when the sheet has none."""
        index = self.fields.get(name)
        return row[index] if index is not None and index < len(row) else ""


def map_status_columns(
    headers: list[str], service_for: Callable[[str], str | None], filename: str
) -> StatusColumns:
    """The sheet's columns; ImportFileError when it names no hospital or no service.
    ``service_for(header)`` is the service code a header names, or None."""
    fields: dict[str, int] = {}
    services: dict[int, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        name = BY_HEADER.get(header_key(header))
        if name is not None and name not in fields:
            fields[name] = index
            continue
        code = service_for(header) if header else None
        if code is not None and code not in services.values():
            services[index] = code
        elif header:
            ignored.append(header)
    if "name" not in fields and "ref" not in fields:
        raise ImportFileError(
            f"{filename}: no column names the hospital (use one of "
            f"{' / '.join(HEADERS['name'][:4])}); headers: {_shown(headers)}"
        )
    if not services and not {"service", "state"} <= fields.keys():
        raise ImportFileError(
            f"{filename}: no service column (血透, 化疗, 急诊, 发热门诊, 产科 …) and no pair of "
            f"科室/服务 and 状态 columns; headers: {_shown(headers)}"
        )
    if services:  # wide: a 状态 column would be a service's, never read as a pair
        ignored += [headers[fields.pop(name)] for name in ("service", "state") if name in fields]
    return StatusColumns(fields=fields, services=services, ignored=tuple(ignored))


def _shown(headers: list[str]) -> str:
    return ", ".join(header[:30] for header in headers[:30])
