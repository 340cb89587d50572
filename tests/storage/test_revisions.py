"""The revisions build exactly what ``schema.py`` describes, on both backends; a database at
a revision this code does not know is refused; SQLite's batch mode can copy any table."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Text, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SAWarning

from app.core.config import Settings
from app.domain.records import SeedData
from app.domain.statuses import StatusReport
from app.storage import open_store, revisions
from app.storage import schema as t
from app.storage.errors import StoreUnavailable
from app.storage.port import Store
from tests.storage.first_revision import later_tables
from tests.storage.test_store_contract import SERVICES, _hospital

POSTGIS_ONLY = {"spatial_ref_sys", "geog", "unit_xyz", "ix_resources_geog", "ix_admin_units_geog",
                "ix_resources_unit_xyz"}  # fmt: skip
"""What the first revision adds on PostGIS beyond the shared tables (and PostGIS's own)."""


def _engine(settings: Settings):
    address = make_url(settings.database_url)
    if address.get_backend_name() == "postgresql":
        address = address.set(drivername="postgresql+psycopg")
    return create_engine(address)


def test_the_revisions_build_the_tables_of_schema_py(store: Store, store_settings: Settings):
    engine = _engine(store_settings)
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Did not recognize type", SAWarning)  # PostGIS types
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda _object, name, *_: name not in POSTGIS_ONLY,
            },
        )
        differences = compare_metadata(context, t.metadata)
    engine.dispose()
    assert differences == []


def test_a_database_at_an_unknown_revision_is_refused(store: Store, store_settings: Settings):
    store.close()
    engine = _engine(store_settings)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreUnavailable, match="revision 9999, newer than this aidmap's"):
        open_store(store_settings)


def test_sqlite_migrations_can_copy_a_table_others_refer_to(store: Store, store_settings: Settings):
    """Batch mode changes a SQLite table by copying it; ``resources`` is referred to by
    statuses, history and problem reports, whose rows must survive and still be checked."""
    if store.backend != "sqlite":
        pytest.skip("PostgreSQL alters tables in place: batch mode copies nothing there")
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    hospital = store.add_resource(_hospital())
    store.set_status(hospital.id, "dialysis", StatusReport("open", "王阿姨"), 1)
    with store._migrating() as conn:
        operations = Operations(MigrationContext.configure(conn))
        with operations.batch_alter_table("resources", recreate="always") as batch:
            batch.add_column(Column("note", Text))
    assert [entry.status.state for entry in store.history(hospital.id)] == ["open"]
    with pytest.raises(StoreUnavailable, match="broken references"), store._migrating() as conn:
        conn.exec_driver_sql("DELETE FROM resources")  # statuses and history refer to it
        conn.exec_driver_sql("DROP TABLE alembic_version")  # so that there is work to do
        for name in later_tables():
            conn.exec_driver_sql(f"DROP TABLE {name}")
        revisions.upgrade(conn)
    assert store.get_resource(hospital.id).name == hospital.name  # nothing kept
    with store._write() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_head_names_the_newest_revision():
    assert revisions.scripts().get_current_head() == revisions.HEAD
