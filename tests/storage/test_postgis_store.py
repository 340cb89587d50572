"""What is particular to PostGIS: spatial columns, in-database rules, concurrent start-up."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from app.core.config import Settings
from app.domain.records import SeedData
from app.domain.statuses import State, StatusReport
from app.storage import open_store, postgis
from app.storage.errors import StoreUnavailable
from app.storage.revisions import SCHEMA_VERSION
from tests import postgres
from tests.storage.test_store_contract import SERVICES, _hospital


def test_points_have_a_geography_column_with_a_gist_index(postgis_url: str):
    store = open_store(Settings(database_url=postgis_url))
    added = store.add_resource(_hospital(lon=121.4737, lat=31.2304))
    store.close()
    engine = create_engine(postgis_url)
    with engine.connect() as conn:
        point = conn.execute(
            text("SELECT ST_X(geog::geometry), ST_Y(geog::geometry) FROM resources WHERE id = :id"),
            {"id": added.id},
        ).one()
        indexes = set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gist (geog)%'"
        )).scalars())  # fmt: skip
    engine.dispose()
    assert tuple(point) == (121.4737, 31.2304)
    assert indexes == {"ix_resources_geog", "ix_admin_units_geog"}


def test_history_is_append_only_in_the_database(postgis_url: str):
    engine = create_engine(postgis_url)
    for statement in ("UPDATE status_history SET state = 'closed'", "DELETE FROM status_history"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


def test_replicas_starting_together_migrate_once():
    name = postgres.create_database()  # empty: the first opener installs everything
    url = postgres.database_url(name)
    try:
        failures: list[BaseException] = []

        def start() -> None:
            try:
                open_store(Settings(database_url=url)).close()
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=start) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        store = open_store(Settings(database_url=url))
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
        store.close()
    finally:
        postgres.drop_database(name)


def test_a_newer_schema_is_refused(postgis_url: str):
    engine = create_engine(postgis_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(StoreUnavailable, match="newer"):
        open_store(Settings(database_url=postgis_url))


def test_an_unreachable_server_is_store_unavailable():
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    with pytest.raises(StoreUnavailable, match="unavailable"):
        open_store(Settings(database_url=url))


def test_the_sqlite_default_never_imports_the_postgresql_driver(tmp_path):
    code = (
        "import sys; from app.main import create_app; from app.core.config import Settings;"
        "from app.storage import open_store;"
        f"open_store(Settings(data_dir={str(tmp_path)!r})).close(); create_app();"
        "assert 'psycopg' not in sys.modules, 'psycopg imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_queries_of_one_read_see_one_snapshot(postgis_url: str):
    reader, writer = (open_store(Settings(database_url=postgis_url)) for _ in range(2))
    try:
        with reader._read() as conn:
            before = conn.execute(text("SELECT count(*) FROM resources")).scalar_one()
            writer.add_resource(_hospital())  # committed by another connection meanwhile
            after = conn.execute(text("SELECT count(*) FROM resources")).scalar_one()
        assert before == after == 0
        assert len(reader.list_resources()) == 1  # the next read sees it
    finally:
        reader.close()
        writer.close()


def test_status_writes_commit_their_history_ids_in_order(postgis_url: str):
    """A sequence hands out ids as transactions ask; history readers follow ids (the event
    stream, the nearest caches), so a write holding an id must commit before the next
    write takes one. A transaction holding the history lock stands for a write between
    taking its id and committing: another write to another resource waits for it."""
    from app.storage.postgis import HISTORY_LOCK  # here: without the driver the module skips

    store = open_store(Settings(database_url=postgis_url))
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    first = store.add_resource(_hospital(ref="a"))
    second = store.add_resource(_hospital(ref="b", name="第二医院"))
    store.set_status(first.id, "dialysis", StatusReport(State.open, "甲"), 1)
    engine = create_engine(postgis_url)
    done = threading.Event()
    try:
        with engine.connect() as holder:
            holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": HISTORY_LOCK})
            writer = threading.Thread(
                target=lambda: (
                    store.set_status(second.id, "dialysis", StatusReport(State.closed, "乙"), 1),
                    done.set(),
                )
            )
            writer.start()
            assert not done.wait(1.0)  # waits for the earlier write to commit
            holder.rollback()
        assert done.wait(10)
        writer.join()
        assert [e.resource_version for e in store.history_after(0)] == [2, 2]
    finally:
        engine.dispose()
        store.close()


def test_a_connection_the_server_dropped_while_idle_is_replaced(
    postgis_url: str, monkeypatch: pytest.MonkeyPatch
):
    store = open_store(Settings(database_url=postgis_url))
    try:
        store.add_resource(_hospital())
        assert len(store.list_resources()) == 1  # a read connection now waits in the pool
        admin = create_engine(postgis_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            dropped = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalar_one()  # fmt: skip
        admin.dispose()
        assert dropped >= 1
        monkeypatch.setattr(postgis, "PING_AFTER_IDLE_S", 0.0)  # every connection idle enough
        assert len(store.list_resources()) == 1
        store.add_resource(_hospital(ref="h2"))
    finally:
        store.close()
