"""Store implementation shared by the SQL backends, over SQLAlchemy Core.

``SqlStore`` joins the unit, resource, edit, status, location, layer, access, claim, share,
rate, source and help parts (``sql_units``, ``sql_resources``, ``sql_edits``,
``sql_statuses``, ``sql_locations``, ``sql_layers``, ``sql_access``, ``sql_claims``,
``sql_shares``, ``sql_rates``, ``sql_sources``, ``sql_help``) and adds
migrations (``revisions``), seeding, counts, the geocoder cache and services. Subclasses
supply the engines (one for reads, one for writes) and what differs per database: how a
write transaction begins (``_begin_write``) and how migrations are serialised
(``_lock_schema``). Everything here is plain SQL that SQLite and PostgreSQL both run.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, insert, select

from app.domain.enums import Kind, Level
from app.domain.records import SeedData, Service, field_names
from app.storage import revisions
from app.storage import schema as t
from app.storage.meta_keys import MetaKey
from app.storage.port import Progress, Store
from app.storage.rows import resource_row
from app.storage.sql_access import AccessQueries
from app.storage.sql_claims import ClaimQueries
from app.storage.sql_edits import EditQueries
from app.storage.sql_features import FeatureQueries, PageCounts
from app.storage.sql_help import HelpQueries
from app.storage.sql_layers import LayerQueries
from app.storage.sql_learned import LearnedQueries
from app.storage.sql_locations import LocationQueries
from app.storage.sql_rates import RateQueries
from app.storage.sql_sessions import SessionQueries
from app.storage.sql_shares import ShareQueries
from app.storage.sql_sources import SourceQueries
from app.storage.sql_statuses import StatusQueries
from app.storage.sql_support import BATCH, insert_many, start_of_day, utcnow
from app.storage.sql_units import UnitQueries


class SqlStore(
    UnitQueries,
    StatusQueries,
    LocationQueries,
    EditQueries,
    LayerQueries,
    FeatureQueries,
    AccessQueries,
    SessionQueries,
    ClaimQueries,
    ShareQueries,
    RateQueries,
    SourceQueries,
    HelpQueries,
    LearnedQueries,
    Store,
):
    """A ``Store`` over an SQLAlchemy engine."""

    def __init__(self, engine: Engine, write_engine: Engine | None = None) -> None:
        """``engine`` serves reads, ``write_engine`` (default: the same) writes."""
        self._engine = engine
        self._write_engine = write_engine or engine
        self._services: tuple[Service, ...] | None = None
        self._page_counts = PageCounts()  # FeatureQueries'
        try:
            self._migrate()
        except BaseException:
            engine.dispose()  # a store that cannot open keeps no connections
            self._write_engine.dispose()
            raise

    def _after_copy(self, conn: Connection) -> None:
        """Fix up what a copy with explicit ids leaves behind (sequences); nothing here."""

    def _lock_schema(self, conn: Connection) -> None:
        """Serialise migrations across processes inside ``conn``'s transaction; SQLite's
        write lock already does."""

    def _migrating(self) -> AbstractContextManager[Connection]:
        """The write transaction that migrations run in."""
        return self._write()

    def _migrate(self) -> None:
        with self._migrating() as conn:
            self._lock_schema(conn)
            revisions.upgrade(conn)

    def close(self) -> None:
        """Dispose of the engines' pooled connections."""
        self._engine.dispose()
        self._write_engine.dispose()

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
            seeded = conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == MetaKey.seed_version)
            )
            if seeded.scalar_one_or_none() is not None:
                return False
            services = [{n: getattr(s, n) for n in field_names(Service)} for s in data.services]
            insert_many(conn, t.services, services)
            ids = self._insert_units(conn, data, report)
            insert_many(
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
            insert_many(conn, t.resources, rows)
            report("resources", len(rows), len(rows))
            meta = [
                {"key": MetaKey.seed_version, "value": version},
                {"key": MetaKey.seeded_at, "value": now.isoformat()},
            ]
            if rows:  # resources were added: caches built from them (kept page counts) see it
                meta.append({"key": MetaKey.resources_changed, "value": now.isoformat()})
            conn.execute(insert(t.meta), meta)
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
        counts = dict.fromkeys([level.plural for level in Level], 0) | {Kind.hospital.plural: 0}
        counts.update({Level(level).plural: n for level, n in units})
        counts.update({_layer_name(kind): n for kind, n in kinds})
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

    # -- geocoder cache ----------------------------------------------------------
    def cached_answer(
        self, provider: str, query_key: str, *, since: datetime | None = None
    ) -> dict | None:
        """A cached provider answer, if cached on ``since``'s day or later."""
        c = t.geocode_cache.c
        query = select(c.answer).where(c.provider == provider, c.query_key == query_key)
        if since is not None:
            query = query.where(c.created_at >= start_of_day(since))
        with self._read() as conn:
            return conn.execute(query).scalar_one_or_none()

    def cache_answer(self, provider: str, query_key: str, answer: dict) -> None:
        """Store a provider answer, replacing an older one, dated by its UTC day."""
        c = t.geocode_cache.c
        with self._write() as conn:
            conn.execute(
                delete(t.geocode_cache).where(c.provider == provider, c.query_key == query_key)
            )
            conn.execute(
                insert(t.geocode_cache).values(
                    provider=provider,
                    query_key=query_key,
                    answer=answer,
                    created_at=start_of_day(utcnow()),
                )
            )

    def forget_cached_answers(self, before: datetime) -> int:
        """Delete the answers cached before ``before``."""
        with self._write() as conn:
            done = conn.execute(
                delete(t.geocode_cache).where(t.geocode_cache.c.created_at < before)
            )
            return done.rowcount

    # -- services ----------------------------------------------------------------
    def list_services(self) -> list[Service]:
        """All services in display order, read once they are there (the seed writes them
        all in one transaction, and nothing changes them after)."""
        known = self.known_services()
        if known is not None:
            return known
        c = t.services.c
        query = select(c.code, c.name_zh, c.name_en, c.position).order_by(c.position)
        with self._read() as conn:
            services = tuple(Service(*row) for row in conn.execute(query))
        if services:
            self._services = services
        return list(services)

    def known_services(self) -> list[Service] | None:
        """The services if read already, else None."""
        return None if self._services is None else list(self._services)


def _layer_name(kind: str) -> str:
    """The plural a kind's count goes under: its layer's name, or the kind itself for a
    kind no layer shows."""
    return Kind(kind).plural if kind in Kind.__members__ else kind
