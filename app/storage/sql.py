"""Store implementation shared by the SQL backends, over SQLAlchemy Core.

Subclasses supply the engine and the dialect-specific parts of the schema
(``_install_extras``); everything here is plain SQL both SQLite and PostgreSQL run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from app.storage import schema as t
from app.storage.base import (
    AdminUnit,
    AlreadyExists,
    HistoryEntry,
    IntakeStatus,
    InvalidRecord,
    Level,
    NewResource,
    NotFound,
    Precision,
    Progress,
    Resource,
    SeedData,
    Service,
    SourceCrs,
    State,
    StatusReport,
    Store,
    UnitMove,
    VersionConflict,
    field_names,
)

SCHEMA_VERSION = 1
BATCH = 1000
COUNTED_LEVELS = {
    Level.district: "districts",
    Level.street: "streets",
    Level.committee: "committees",
}
PLURAL_KINDS = {"hospital": "hospitals", "office": "offices"}
EDITABLE_RESOURCE_FIELDS = frozenset(
    {
        "kind",
        "name",
        "name_en",
        "aliases",
        "address",
        "phones",
        "services",
        "district_id",
        "street_id",
        "committee_id",
        "lon",
        "lat",
        "precision",
        "source_crs",
        "location_verified",
        "source",
    }
)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class SqlStore(Store):
    """A ``Store`` over an SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._migrate()

    # -- plumbing ----------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that will write; backends may take their write lock up front."""
        with self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            yield conn

    def _install_extras(self, conn: Connection) -> None:
        """Dialect-specific schema parts (triggers, spatial columns); none by default."""

    def _migrate(self) -> None:
        with self._write() as conn:
            t.meta.create(conn, checkfirst=True)
            row = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version"))
            current = int(row.scalar_one_or_none() or 0)
            if current > SCHEMA_VERSION:
                raise RuntimeError(
                    f"database schema {current} is newer than this aidmap ({SCHEMA_VERSION})"
                )
            if current < 1:
                t.metadata.create_all(conn)
                self._install_extras(conn)
                conn.execute(insert(t.meta).values(key="schema_version", value=str(SCHEMA_VERSION)))

    def close(self) -> None:
        """Dispose of the engine's pooled connections."""
        self._engine.dispose()

    # -- metadata and seeding ----------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A value from the ``meta`` table, or None."""
        with self._read() as conn:
            return conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == key)
            ).scalar_one_or_none()

    def seed(self, data: SeedData, version: str, progress: Progress | None = None) -> bool:
        """Load services, units, aliases and resources once, in one transaction."""
        report = progress or (lambda step, done, total: None)
        with self._write() as conn:
            seeded = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "seed_version"))
            if seeded.scalar_one_or_none() is not None:
                return False
            _insert_many(conn, t.services, [vars_of(service) for service in data.services])
            ids = self._insert_units(conn, data, report)
            _insert_many(
                conn,
                t.unit_aliases,
                [
                    {"alias": a.alias, "unit_id": ids[a.unit_code], "kind": a.kind}
                    for a in data.aliases
                ],
            )
            now = utcnow()
            rows = [
                _resource_row(new, now) | {"district_id": ids[district_code]}
                for new, district_code in data.resources
            ]
            _insert_many(conn, t.resources, rows)
            report("resources", len(rows), len(rows))
            conn.execute(
                insert(t.meta),
                [
                    {"key": "seed_version", "value": version},
                    {"key": "seeded_at", "value": now.isoformat()},
                ],
            )
        return True

    def _insert_units(self, conn: Connection, data: SeedData, report: Progress) -> dict[str, int]:
        start = conn.execute(select(func.coalesce(func.max(t.admin_units.c.id), 0))).scalar_one()
        ids = {unit.code: start + n for n, unit in enumerate(data.units, start=1)}
        district_of: dict[str, str] = {}
        done = 0
        for first in range(0, len(data.units), BATCH):
            chunk = data.units[first : first + BATCH]
            rows = []
            for unit in chunk:
                parent = unit.parent_code
                district_of[unit.code] = (
                    unit.code if unit.level == Level.district else district_of[parent]
                )
                rows.append(
                    {
                        "id": ids[unit.code],
                        "code": unit.code,
                        "level": unit.level.value,
                        "name": unit.name,
                        "kind": unit.kind,
                        "name_en": unit.name_en,
                        "parent_id": ids[parent] if parent else None,
                        "district_id": ids[district_of[unit.code]],
                        "lon": unit.lon,
                        "lat": unit.lat,
                        "precision": unit.precision.value,
                        "boundary": unit.boundary,
                    }
                )
            conn.execute(insert(t.admin_units), rows)
            done += len(rows)
            report("units", done, len(data.units))
        return ids

    def counts(self) -> dict[str, int]:
        """Units per level and resources per kind, under plural names."""
        with self._read() as conn:
            units = conn.execute(
                select(t.admin_units.c.level, func.count()).group_by(t.admin_units.c.level)
            ).all()
            kinds = conn.execute(
                select(t.resources.c.kind, func.count()).group_by(t.resources.c.kind)
            ).all()
        counts = dict.fromkeys(COUNTED_LEVELS.values(), 0) | {"hospitals": 0}
        counts.update({COUNTED_LEVELS[Level(level)]: n for level, n in units})
        counts.update({PLURAL_KINDS.get(kind, kind): n for kind, n in kinds})
        return counts

    def precision_counts(self) -> dict[str, dict[str, int]]:
        """Precision histogram per unit level and per resource kind."""
        result: dict[str, dict[str, int]] = {}
        with self._read() as conn:
            for table, group in ((t.admin_units, "level"), (t.resources, "kind")):
                rows = conn.execute(
                    select(table.c[group], table.c.precision, func.count()).group_by(
                        table.c[group], table.c.precision
                    )
                )
                for key, precision, n in rows:
                    result.setdefault(key, {})[precision] = n
        return result

    # -- administrative units ----------------------------------------------------
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
        c = t.admin_units.c
        columns = [c[name] for name in field_names(AdminUnit)]
        query = select(*columns).where(condition).order_by(c.code, c.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [_unit(row) for row in conn.execute(query)]

    def resolve_alias(self, alias: str) -> AdminUnit | None:
        """The unit a former name or short form stands for."""
        with self._read() as conn:
            unit_id = conn.execute(
                select(t.unit_aliases.c.unit_id).where(t.unit_aliases.c.alias == alias)
            ).scalar_one_or_none()
        return None if unit_id is None else self.get_unit(unit_id)

    def move_units(self, moves: Iterable[UnitMove]) -> int:
        """Relocate units in one transaction."""
        c = t.admin_units.c
        moved = 0
        with self._write() as conn:
            for move in moves:
                values = {"lon": move.lon, "lat": move.lat, "precision": move.precision.value}
                if move.boundary is not None:
                    values["boundary"] = move.boundary
                result = conn.execute(update(t.admin_units).where(c.id == move.unit_id), values)
                if result.rowcount != 1:
                    raise NotFound(f"no administrative unit {move.unit_id}")
                moved += 1
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

    # -- services ----------------------------------------------------------------
    def list_services(self) -> list[Service]:
        """All services in display order."""
        c = t.services.c
        with self._read() as conn:
            rows = conn.execute(
                select(c.code, c.name_zh, c.name_en, c.position).order_by(c.position)
            )
            return [Service(*row) for row in rows]

    # -- resources ---------------------------------------------------------------
    def add_resource(self, new: NewResource) -> Resource:
        """Insert a resource at version 1."""
        with self._write() as conn:
            if new.ref is not None:
                taken = conn.execute(select(t.resources.c.id).where(t.resources.c.ref == new.ref))
                if taken.first() is not None:
                    raise AlreadyExists(f"a resource with ref {new.ref!r} exists")
            try:
                resource_id = conn.execute(
                    insert(t.resources).values(_resource_row(new, utcnow()))
                ).inserted_primary_key[0]
            except IntegrityError as exc:
                raise InvalidRecord(f"resource {new.name!r} breaks a constraint") from exc
        return self.get_resource(resource_id)

    def get_resource(self, resource_id: int) -> Resource:
        """The resource with this id."""
        with self._read() as conn:
            row = conn.execute(
                select(t.resources).where(t.resources.c.id == resource_id)
            ).one_or_none()
        if row is None:
            raise NotFound(f"no resource {resource_id}")
        return _resource(row)

    def list_resources(
        self, *, kind: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Resource]:
        """Resources ordered by id."""
        query = select(t.resources).order_by(t.resources.c.id).limit(limit).offset(offset)
        if kind is not None:
            query = query.where(t.resources.c.kind == kind)
        with self._read() as conn:
            return [_resource(row) for row in conn.execute(query)]

    def update_resource(
        self, resource_id: int, expected_version: int, **changes: object
    ) -> Resource:
        """Change fields and bump the version, if the caller saw the current version."""
        unknown = set(changes) - EDITABLE_RESOURCE_FIELDS
        if unknown:
            raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
        values = {key: _column_value(value) for key, value in changes.items()}
        with self._write() as conn:
            self._bump_version(conn, resource_id, expected_version, values)
        return self.get_resource(resource_id)

    def _bump_version(
        self, conn: Connection, resource_id: int, expected_version: int, values: dict
    ) -> datetime:
        c = t.resources.c
        now = utcnow()
        try:
            result = conn.execute(
                update(t.resources)
                .where(c.id == resource_id, c.version == expected_version)
                .values(**values, version=c.version + 1, updated_at=now)
            )
        except IntegrityError as exc:
            raise InvalidRecord(f"resource {resource_id}: change breaks a constraint") from exc
        if result.rowcount == 1:
            return now
        current = conn.execute(select(c.version).where(c.id == resource_id)).scalar_one_or_none()
        if current is None:
            raise NotFound(f"no resource {resource_id}")
        raise VersionConflict(current)

    # -- statuses and history ----------------------------------------------------
    def get_statuses(self, resource_id: int) -> dict[str, IntakeStatus]:
        """Current statuses of a resource by service code."""
        with self._read() as conn:
            rows = conn.execute(
                select(t.intake_status).where(t.intake_status.c.resource_id == resource_id)
            )
            return {row.service: _status(row._mapping) for row in rows}

    def set_status(
        self, resource_id: int, service: str, report: StatusReport, expected_version: int
    ) -> tuple[Resource, IntakeStatus]:
        """Set a status, bump the version and append history in one transaction."""
        with self._write() as conn:
            known = conn.execute(select(t.services.c.code).where(t.services.c.code == service))
            if known.scalar_one_or_none() is None:
                raise NotFound(f"no service {service!r}")
            now = self._bump_version(conn, resource_id, expected_version, {})
            row = {
                "state": State(report.state).value,
                "conditions": list(report.conditions),
                "note": report.note,
                "source": report.source,
                "reported_by": report.reported_by,
                "reported_at": now,
                "verified_by": report.verified_by,
                "verified_at": now if report.verified_by else None,
            }
            key = {"resource_id": resource_id, "service": service}
            c = t.intake_status.c
            replaced = conn.execute(
                update(t.intake_status)
                .where(c.resource_id == resource_id, c.service == service)
                .values(row)
            )
            if replaced.rowcount == 0:
                conn.execute(insert(t.intake_status).values(key | row))
            conn.execute(
                insert(t.status_history).values(
                    key | row | {"resource_version": expected_version + 1}
                )
            )
        return self.get_resource(resource_id), _status(key | row)

    def history(
        self, resource_id: int, *, service: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[HistoryEntry]:
        """Status history, newest first."""
        c = t.status_history.c
        query = (
            select(t.status_history)
            .where(c.resource_id == resource_id)
            .order_by(c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if service is not None:
            query = query.where(c.service == service)
        with self._read() as conn:
            return [
                HistoryEntry(
                    id=row.id, status=_status(row._mapping), resource_version=row.resource_version
                )
                for row in conn.execute(query)
            ]


def _insert_many(conn: Connection, table: Table, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(table), rows)


def vars_of(record: object) -> dict:
    """A record dataclass as a flat dict of its fields."""
    return {name: getattr(record, name) for name in field_names(type(record))}


def _column_value(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Precision | SourceCrs | State | Level):
        return value.value
    return value


def _resource_row(new: NewResource, now: datetime) -> dict:
    row = {name: _column_value(value) for name, value in vars_of(new).items()}
    return row | {"version": 1, "created_at": now, "updated_at": now}


def _unit(row) -> AdminUnit:
    return AdminUnit(
        **{name: getattr(row, name) for name in field_names(AdminUnit)}
        | {"level": Level(row.level), "precision": Precision(row.precision)}
    )


def _resource(row) -> Resource:
    values = {name: getattr(row, name) for name in field_names(Resource)}
    return Resource(
        **values
        | {
            "aliases": tuple(row.aliases),
            "phones": tuple(row.phones),
            "services": tuple(row.services),
            "precision": Precision(row.precision),
            "source_crs": SourceCrs(row.source_crs),
            "location_verified": bool(row.location_verified),
        }
    )


def _status(values: Mapping[str, Any]) -> IntakeStatus:
    fields = {name: values[name] for name in field_names(IntakeStatus)}
    return IntakeStatus(
        **fields | {"state": State(fields["state"]), "conditions": tuple(fields["conditions"])}
    )
