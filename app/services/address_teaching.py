"""Reading a list a team already has (CSV or XLSX with the import's headers: 区, 地址,
经度, 纬度, optional 坐标系) into taught points, with every row that teaches nothing
given a reason: a formula, no point, outside Shanghai or its district, an unknown
district, a flat or room (only places are taught), nothing to learn in its address, a
place name too short to tell, a duplicate or a conflict with an earlier row.

Reading writes nothing (the dry run); ``address_learning.teach`` keeps the points.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from app.domain.enums import LearnedFrom
from app.domain.learned import LearnedPoint
from app.geo.address import parse_address
from app.geo.distance import haversine_m
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.reverse import ReverseIndex, outside_note
from app.services.address_learning import names_a_dwelling, parsed_point
from app.services.formula_guard import is_formula
from app.services.imports.cells import CellError, parse_crs, parse_point
from app.services.imports.columns import ColumnMap, map_columns
from app.services.imports.table import Table

COLUMNS = ("district", "address", "lon", "lat")
"""The headers a taught file needs (``坐标系`` is optional: WGS-84 without it)."""
MIN_PLACE_CHARS = 3
"""A bare place name (no road) shorter than this (``新村``) names no one place."""
CONFLICT_M = 200.0
"""Two rows of one address further apart than this conflict: the first is kept."""


@dataclass(slots=True)
class TeachPlan:
    """What a file would teach, and why the other rows teach nothing."""

    filename: str
    points: list[LearnedPoint] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    """The file's row number of each point."""
    skipped: list[tuple[int, str]] = field(default_factory=list)
    by_crs: Counter = field(default_factory=Counter)
    notices: list[str] = field(default_factory=list)

    @property
    def by_kind(self) -> Counter:
        """Points with a road and number, and points of a place."""
        return Counter("road and number" if p.road else "place" for p in self.points)

    @property
    def roads(self) -> Counter:
        """Numbers learned per road (district's name left out)."""
        return Counter(p.road for p in self.points if p.road)


def read_teaching(
    table: Table, index: GazetteerIndex, reverse: ReverseIndex, filename: str
) -> TeachPlan:
    """The taught points of ``table`` (a file named ``filename``) and the skipped rows."""
    columns = map_columns(table.headers, COLUMNS, filename)
    plan = TeachPlan(filename, notices=list(table.notices))
    if table.truncated:
        plan.notices.append(f"only the first {len(table.rows):,} rows were read")
    first: dict[tuple[int, str], tuple[int, LearnedPoint]] = {}
    for number, cells in table.rows:
        try:
            point = _row_point(columns, cells, index, reverse, filename)
        except CellError as exc:
            plan.skipped.append((number, str(exc)))
            continue
        key = (point.district_id, point.address)
        if key in first:
            earlier, kept = first[key]
            apart = haversine_m(kept.lon, kept.lat, point.lon, point.lat)
            why = f"duplicate of row {earlier}"
            if apart > CONFLICT_M:
                why = f"conflicts with row {earlier} ({apart:,.0f} m apart): row {earlier} kept"
            plan.skipped.append((number, why))
            continue
        first[key] = (number, point)
        plan.points.append(point)
        plan.rows.append(number)
        plan.by_crs[point.source_crs.value] += 1
    return plan


def _row_point(
    columns: ColumnMap,
    cells: list[str],
    index: GazetteerIndex,
    reverse: ReverseIndex,
    filename: str,
) -> LearnedPoint:
    """The row's taught point; ``CellError`` saying why it has none."""

    def value(name: str) -> str:
        at = columns.fields.get(name)
        return cells[at].strip() if at is not None and at < len(cells) else ""

    formulas = [name for name in (*COLUMNS, "crs") if is_formula(value(name))]
    if formulas:
        raise CellError(f"{formulas[0]}: a formula (starts with = + - @), not a value")
    if not value("district"):
        raise CellError("no district")
    district = index.district(value("district"))
    if district is None:
        raise CellError(f"unknown district {value('district')[:40]!r}")
    if not value("address"):
        raise CellError("no address")
    if not value("lon") or not value("lat"):
        raise CellError("no point (经度/纬度 empty)")
    crs = parse_crs(value("crs"))
    lon, lat = parse_point(value("lon"), value("lat"), crs)
    outside = outside_note(reverse, lon, lat, district)
    if outside:
        raise CellError(outside)
    if names_a_dwelling(value("address")):
        raise CellError("a flat or room (室, 户, 5号302): teach places, not homes")
    parsed = parse_address(value("address"), index, district.name)
    point = parsed_point(LearnedFrom.taught, parsed, lon, lat, index, source_crs=crs,
                         origin=filename)  # fmt: skip
    if point is None:
        raise CellError("nothing to learn: no road with a number, and no place name")
    if point.place is not None and len(point.place) < MIN_PLACE_CHARS:
        raise CellError(
            f"place name {point.place!r} too short (under {MIN_PLACE_CHARS} characters)"
        )
    return point
