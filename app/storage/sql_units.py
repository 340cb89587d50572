"""The administrative-unit part of the SQL store: lookups, aliases, outlines, moves."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Connection, and_, func, select, true, update

from app.domain.enums import Level, Precision
from app.domain.layers import Area
from app.domain.records import AdminUnit, UnitMove, field_names
from app.storage import schema as t
from app.storage.errors import NotFound
from app.storage.meta_keys import MetaKey
from app.storage.rows import to_unit
from app.storage.sql_filters import unit_conditions
from app.storage.sql_order import unit_order
from app.storage.sql_support import SqlPlumbing, bbox_conditions, set_meta, utcnow


class UnitQueries(SqlPlumbing):
    """``Store`` methods about districts, streets and committees."""

    def get_unit(self, unit_id: int) -> AdminUnit:
        """The unit with this id."""
        found = self._find_units(t.admin_units.c.id == unit_id)
        if not found:
            raise NotFound(f"no administrative unit {unit_id}")
        return found[0]

    def find_units(
        self,
        *,
        level: Level | None = None,
        name: str | None = None,
        parent_id: int | None = None,
        district_id: int | None = None,
        code: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[AdminUnit]:
        """Units matching every given filter."""
        c = t.admin_units.c
        given = {
            c.level: level and Level(level).value,
            c.name: name,
            c.parent_id: parent_id,
            c.district_id: district_id,
            c.code: code,
        }
        conditions = [column == value for column, value in given.items() if value is not None]
        return self._find_units(and_(true(), *conditions), limit=limit, offset=offset)

    def _find_units(
        self, condition: ColumnElement[bool], *, limit: int | None = None, offset: int = 0
    ) -> list[AdminUnit]:
        with self._read() as conn:
            return _select_units(conn, condition, limit, offset)

    def units_in(
        self, level: Level, area: Area, limit: int, offset: int
    ) -> tuple[int, list[AdminUnit]]:
        """Units of a level in an area, in the area's order (by code unless asked); count
        and page from one snapshot."""
        c = t.admin_units.c
        conditions = [c.level == Level(level).value, *bbox_conditions(c, area.bbox)]
        conditions += unit_conditions(area, self.backend)
        if area.district_id is not None:
            conditions.append(c.district_id == area.district_id)
        condition = and_(*conditions)
        with self._read() as conn, self._time_bound(conn, area):
            total = conn.execute(
                select(func.count()).select_from(t.admin_units).where(condition)
            ).scalar_one()
            return total, _select_units(conn, condition, limit, offset, unit_order(area))

    def resolve_alias(self, alias: str) -> AdminUnit | None:
        """The unit a former name or short form stands for."""
        with self._read() as conn:
            unit_id = conn.execute(
                select(t.unit_aliases.c.unit_id).where(t.unit_aliases.c.alias == alias)
            ).scalar_one_or_none()
        return None if unit_id is None else self.get_unit(unit_id)

    def list_aliases(self) -> dict[str, int]:
        """Every alias → unit id."""
        with self._read() as conn:
            rows = conn.execute(select(t.unit_aliases.c.alias, t.unit_aliases.c.unit_id))
            return dict(rows.all())

    def boundaries(self, level: Level) -> dict[int, dict]:
        """Outlines of one level's units, by id."""
        c = t.admin_units.c
        query = select(c.id, c.boundary).where(
            c.level == Level(level).value, c.boundary.is_not(None)
        )
        with self._read() as conn:
            return {unit_id: boundary for unit_id, boundary in conn.execute(query) if boundary}

    def move_units(self, moves: Iterable[UnitMove]) -> int:
        """Relocate units in one transaction, skipping any already located more precisely."""
        c = t.admin_units.c
        moved = 0
        with self._write() as conn:
            for move in moves:
                no_finer = [p.value for p in Precision if p.rank >= move.precision.rank]
                values = {"lon": move.lon, "lat": move.lat, "precision": move.precision.value}
                if move.boundary is not None:
                    values["boundary"] = move.boundary
                result = conn.execute(
                    update(t.admin_units)
                    .where(c.id == move.unit_id, c.precision.in_(no_finer))
                    .values(values)
                )
                if result.rowcount == 0:
                    exists = conn.execute(select(c.id).where(c.id == move.unit_id)).first()
                    if exists is None:
                        raise NotFound(f"no administrative unit {move.unit_id}")
                moved += result.rowcount
            if moved:
                set_meta(conn, MetaKey.units_version, utcnow().isoformat())
        return moved

    def get_boundary(self, unit_id: int) -> dict | None:
        """The unit's outline, if one is loaded."""
        with self._read() as conn:
            row = conn.execute(
                select(t.admin_units.c.boundary).where(t.admin_units.c.id == unit_id)
            ).one_or_none()
        if row is None:
            raise NotFound(f"no administrative unit {unit_id}")
        return row.boundary


def _select_units(
    conn: Connection,
    condition: ColumnElement[bool],
    limit: int | None,
    offset: int,
    order: list | None = None,
) -> list[AdminUnit]:
    c = t.admin_units.c
    columns = [c[name] for name in field_names(AdminUnit)]
    query = (
        select(*columns)
        .where(condition)
        .order_by(*(order or unit_order(Area())))  # NULL codes last on every backend
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [to_unit(row._mapping) for row in conn.execute(query)]
