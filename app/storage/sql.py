"""Store implementation shared by the SQL backends, over SQLAlchemy Core.

Subclasses supply the engine and what differs per database: how a write transaction
begins (``_begin_write``) and extra schema parts (``_install_extras``). Everything here is
plain SQL that SQLite and PostgreSQL both run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    delete,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.exc import DatabaseError, IntegrityError, InterfaceError, OperationalError

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
    ResourceUpdate,
    ResourceView,
    SeedData,
    Service,
    State,
    StatusReport,
    Store,
    StoreUnavailable,
    UnitMove,
    VersionConflict,
    field_names,
)
from app.storage.rows import resource_changes, resource_row, to_resource, to_status, to_unit

SCHEMA_VERSION = 2
"""1: units, resources, statuses, history; 2: geocode_cache."""
BATCH = 1000
COUNTED_LEVELS = {
    Level.district: "districts",
    Level.street: "streets",
    Level.committee: "committees",
}
PLURAL_KINDS = {"hospital": "hospitals", "office": "offices"}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn a database that cannot be reached or read into ``StoreUnavailable``."""
    try:
        yield
    except IntegrityError:
        raise
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailable(f"database unavailable: {exc.orig}") from exc
    except DatabaseError as exc:
        if type(exc) is not DatabaseError:  # programming errors stay what they are
            raise
        raise StoreUnavailable(f"database unusable: {exc.orig}") from exc


class SqlStore(Store):
    """A ``Store`` over an SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._migrate()

    # -- plumbing ----------------------------------------------------------------
    def _begin_write(self) -> AbstractContextManager[Connection]:
        """Begin a transaction that will write; backends may take their write lock here."""
        return self._engine.begin()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with translated_errors(), self._begin_write() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """One read transaction: every query in it sees the same snapshot."""
        with translated_errors(), self._engine.connect() as conn:
            yield conn

    def _install_extras(self, conn: Connection) -> None:
        """Dialect-specific schema parts (triggers, spatial columns); none by default."""

    def _migrate(self) -> None:
        with self._write() as conn:
            t.meta.create(conn, checkfirst=True)
            row = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version"))
            current = int(row.scalar_one_or_none() or 0)
            if current > SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"the database has schema {current}, newer than this aidmap's "
                    f"({SCHEMA_VERSION}): upgrade aidmap"
                )
            if current < SCHEMA_VERSION:
                t.metadata.create_all(conn)  # creates only the tables that are missing
                if current < 1:
                    self._install_extras(conn)
                conn.execute(delete(t.meta).where(t.meta.c.key == "schema_version"))
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
            services = [{n: getattr(s, n) for n in field_names(Service)} for s in data.services]
            _insert_many(conn, t.services, services)
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
                resource_row(new, now) | {"district_id": ids[district_code]}
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
        """Insert units level by level, letting the database assign ids; code → id."""
        ids: dict[str, int] = {}
        district_code: dict[str, str] = {}
        done = 0
        for level in Level:
            units = [unit for unit in data.units if unit.level == level]
            for first in range(0, len(units), BATCH):
                chunk = units[first : first + BATCH]
                rows = []
                for unit in chunk:
                    parent = unit.parent_code
                    district_code[unit.code] = (
                        unit.code if parent is None else district_code[parent]
                    )
                    rows.append(
                        {
                            "code": unit.code,
                            "level": unit.level.value,
                            "name": unit.name,
                            "kind": unit.kind,
                            "name_en": unit.name_en,
                            "parent_id": ids[parent] if parent else None,
                            "district_id": ids[district_code[parent]] if parent else None,
                            "lon": unit.lon,
                            "lat": unit.lat,
                            "precision": unit.precision.value,
                            "boundary": unit.boundary,
                        }
                    )
                inserted = conn.execute(
                    insert(t.admin_units).returning(
                        t.admin_units.c.id, sort_by_parameter_order=True
                    ),
                    rows,
                )
                ids.update(zip((u.code for u in chunk), inserted.scalars(), strict=True))
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
        query = (
            select(*columns)
            .where(condition)
            .order_by(c.code.is_(None), c.code, c.id)  # NULL codes last on every backend
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [to_unit(row._mapping) for row in conn.execute(query)]

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
                _set_meta(conn, "units_version", utcnow().isoformat())
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

    # -- geocoder cache ----------------------------------------------------------
    def cached_answer(self, provider: str, query_key: str) -> dict | None:
        """A cached provider answer."""
        c = t.geocode_cache.c
        with self._read() as conn:
            return conn.execute(
                select(c.answer).where(c.provider == provider, c.query_key == query_key)
            ).scalar_one_or_none()

    def cache_answer(self, provider: str, query_key: str, query: str, answer: dict) -> None:
        """Store a provider answer, replacing an older one."""
        c = t.geocode_cache.c
        with self._write() as conn:
            conn.execute(
                delete(t.geocode_cache).where(c.provider == provider, c.query_key == query_key)
            )
            conn.execute(
                insert(t.geocode_cache).values(
                    provider=provider,
                    query_key=query_key,
                    query=query,
                    answer=answer,
                    created_at=utcnow(),
                )
            )

    # -- services ----------------------------------------------------------------
    def list_services(self) -> list[Service]:
        """All services in display order."""
        c = t.services.c
        query = select(c.code, c.name_zh, c.name_en, c.position).order_by(c.position)
        with self._read() as conn:
            return [Service(*row) for row in conn.execute(query)]

    # -- resources ---------------------------------------------------------------
    def add_resource(self, new: NewResource) -> Resource:
        """Insert a resource at version 1."""
        row = resource_row(new, utcnow())
        with self._write() as conn:
            if new.ref is not None:
                taken = conn.execute(select(t.resources.c.id).where(t.resources.c.ref == new.ref))
                if taken.first() is not None:
                    raise AlreadyExists(f"a resource with ref {new.ref!r} exists")
            try:
                resource_id = conn.execute(insert(t.resources).values(row)).inserted_primary_key[0]
            except IntegrityError as exc:
                raise InvalidRecord(f"resource {new.name!r} breaks a constraint") from exc
            return _fetch_resource(conn, resource_id)

    def get_resource(self, resource_id: int) -> Resource:
        """The resource with this id."""
        with self._read() as conn:
            return _fetch_resource(conn, resource_id)

    def list_resources(
        self, *, kind: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Resource]:
        """Resources ordered by id."""
        with self._read() as conn:
            return _select_resources(conn, None, kind, limit, offset)

    def view_resources(
        self,
        *,
        ids: Sequence[int] | None = None,
        kind: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ResourceView]:
        """Resources with their statuses: two queries in one read transaction."""
        with self._read() as conn:
            resources = _select_resources(conn, ids, kind, limit, offset)
            c = t.intake_status.c
            rows = conn.execute(
                select(t.intake_status).where(c.resource_id.in_([r.id for r in resources]))
            )
            statuses: dict[int, dict[str, IntakeStatus]] = {r.id: {} for r in resources}
            for row in rows:
                statuses[row.resource_id][row.service] = to_status(row._mapping)
        return [ResourceView(r, statuses[r.id]) for r in resources]

    def apply_resource_changes(
        self, adds: Sequence[NewResource], updates: Sequence[ResourceUpdate]
    ) -> tuple[list[Resource], list[Resource]]:
        """Insert and update in one transaction; any error rolls all of it back."""
        now = utcnow()
        rows = [resource_row(new, now) for new in adds]
        values = [resource_changes(update.changes) for update in updates]
        with self._write() as conn:
            refs = [new.ref for new in adds if new.ref is not None]
            if len(set(refs)) != len(refs):
                raise AlreadyExists("the same ref is added twice")
            taken = (
                conn.execute(select(t.resources.c.ref).where(t.resources.c.ref.in_(refs)))
                .scalars()
                .first()
            )
            if taken is not None:
                raise AlreadyExists(f"a resource with ref {taken!r} exists")
            added_ids: list[int] = []
            if rows:
                try:
                    inserted = conn.execute(
                        insert(t.resources).returning(
                            t.resources.c.id, sort_by_parameter_order=True
                        ),
                        rows,
                    )
                except IntegrityError as exc:
                    raise InvalidRecord("an added resource breaks a constraint") from exc
                added_ids = list(inserted.scalars())
            for update_, changes in zip(updates, values, strict=True):
                self._bump_version(conn, update_.resource_id, update_.expected_version, changes)
            added = _select_resources(conn, added_ids, None, len(added_ids), 0)
            updated = _select_resources(
                conn, [u.resource_id for u in updates], None, len(updates), 0
            )
        return added, updated

    def update_resource(
        self, resource_id: int, expected_version: int, **changes: object
    ) -> Resource:
        """Change fields and bump the version, if the caller saw the current version."""
        values = resource_changes(changes)
        with self._write() as conn:
            self._bump_version(conn, resource_id, expected_version, values)
            return _fetch_resource(conn, resource_id)

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
                "resource_id": resource_id,
                "service": service,
                "state": State(report.state).value,
                "conditions": list(report.conditions),
                "note": report.note,
                "source": report.source,
                "reported_by": report.reported_by,
                "reported_at": now,
                "verified_by": report.verified_by,
                "verified_at": now if report.verified_by else None,
            }
            c = t.intake_status.c
            replaced = conn.execute(
                update(t.intake_status)
                .where(c.resource_id == resource_id, c.service == service)
                .values(row)
            )
            if replaced.rowcount == 0:
                conn.execute(insert(t.intake_status).values(row))
            conn.execute(
                insert(t.status_history).values(row | {"resource_version": expected_version + 1})
            )
            return _fetch_resource(conn, resource_id), to_status(row)

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
                HistoryEntry(row.id, to_status(row._mapping), row.resource_version)
                for row in conn.execute(query)
            ]


def _set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(t.meta).where(t.meta.c.key == key))
    conn.execute(insert(t.meta).values(key=key, value=value))


def _insert_many(conn: Connection, table: Table, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(table), rows)


def _fetch_resource(conn: Connection, resource_id: int) -> Resource:
    row = conn.execute(select(t.resources).where(t.resources.c.id == resource_id)).one_or_none()
    if row is None:
        raise NotFound(f"no resource {resource_id}")
    return to_resource(row._mapping)


def _resources_by_id(conn: Connection, ids: Sequence[int]) -> list[Resource]:
    """Resources with these ids, in the order given, fetched in chunks of ``BATCH``."""
    found: dict[int, Resource] = {}
    for first in range(0, len(ids), BATCH):
        chunk = ids[first : first + BATCH]
        found |= {r.id: r for r in _select_resources(conn, chunk, None, len(chunk), 0)}
    return [found[resource_id] for resource_id in ids]


def _select_resources(
    conn: Connection, ids: Sequence[int] | None, kind: str | None, limit: int, offset: int
) -> list[Resource]:
    c = t.resources.c
    query = select(t.resources).order_by(c.id).limit(limit).offset(offset)
    if ids is not None:
        query = query.where(c.id.in_(list(ids)))
    if kind is not None:
        query = query.where(c.kind == kind)
    return [to_resource(row._mapping) for row in conn.execute(query)]
