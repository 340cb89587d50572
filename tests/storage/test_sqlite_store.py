"""What is particular to the SQLite file: WAL, in-database rules, file errors, migration."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import Settings
from app.domain.records import SeedData
from app.domain.statuses import State, StatusReport
from app.storage import open_store
from app.storage.errors import StoreUnavailable
from app.storage.port import Store
from app.storage.revisions import SCHEMA_VERSION
from tests.storage.first_revision import later_tables
from tests.storage.test_store_contract import SERVICES, _hospital


@pytest.fixture
def settings(sqlite_settings: Settings) -> Settings:
    """A SQLite file even under TEST_BACKEND=postgis: these tests are about the file."""
    return sqlite_settings


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """A store on a SQLite file only (the contract suite covers the other backends)."""
    store = open_store(settings)
    yield store
    store.close()


@pytest.fixture
def with_services(store: Store) -> Store:
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    return store


def _db_path(settings: Settings) -> Path:
    return settings.data_dir / "aidmap.sqlite3"


def test_file_is_wal_with_foreign_keys_and_schema_version(store: Store, settings: Settings):
    con = sqlite3.connect(_db_path(settings))
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    with store._engine.connect() as conn:  # the store's own connections enforce foreign keys
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_history_is_append_only_in_the_database(with_services: Store, settings: Settings):
    store = with_services
    hospital = store.add_resource(_hospital())
    store.set_status(hospital.id, "dialysis", StatusReport(State.open, "a"), 1)
    con = sqlite3.connect(_db_path(settings))
    for statement in ("UPDATE status_history SET state = 'closed'", "DELETE FROM status_history"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(statement)
    assert con.execute("SELECT count(*) FROM status_history").fetchone()[0] == 1


def test_newer_schema_is_refused(store: Store, settings: Settings):
    store.close()
    con = sqlite3.connect(_db_path(settings))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    with pytest.raises(StoreUnavailable, match="newer"):
        open_store(settings)


def test_text_is_stored_readably(store: Store, settings: Settings):
    store.add_resource(_hospital(aliases=("瑞金医院",)))
    con = sqlite3.connect(_db_path(settings))
    assert con.execute("SELECT count(*) FROM resources WHERE aliases LIKE '%瑞金%'").fetchone() == (
        1,
    )


@pytest.mark.parametrize(
    "spoil",
    [
        lambda path: path.write_bytes(b"this is not a database" * 100),
        lambda path: path.mkdir(parents=True),
    ],
    ids=["not-a-database", "a-directory"],
)
def test_unusable_database_files_are_store_unavailable(tmp_path: Path, spoil):
    settings = Settings(data_dir=tmp_path, database_url="")
    spoil(_db_path(settings))
    with pytest.raises(StoreUnavailable):
        open_store(settings)


def test_an_older_schema_is_migrated_in_place(store: Store, settings: Settings):
    store.close()
    con = sqlite3.connect(_db_path(settings))
    con.execute("DROP INDEX ix_resources_kind_lon_lat")
    con.execute("DROP TABLE problem_reports")
    con.execute("DROP TABLE shares")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.execute("DROP TABLE alembic_version")  # made before Alembic
    for name in later_tables():
        con.execute(f"DROP TABLE {name}")
    con.commit()
    con.close()
    migrated = open_store(settings)
    try:
        assert migrated.get_meta("schema_version") == str(SCHEMA_VERSION)
        names = {row[0] for row in sqlite3.connect(_db_path(settings)).execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}  # fmt: skip
        assert {"problem_reports", "shares", "ix_resources_kind_lon_lat"} <= names
    finally:
        migrated.close()


def test_shared_views_are_stored_as_canonical_json(store: Store, settings: Settings):
    store.create_share(
        {"zoom": 12, "center": [121.47, 31.23], "note": "人民广场"}, lambda: "aaaaaa"
    )
    stored = sqlite3.connect(_db_path(settings)).execute(
        "SELECT view FROM shares WHERE code = 'aaaaaa'").fetchone()[0]  # fmt: skip
    assert stored == '{"center":[121.47,31.23],"note":"人民广场","zoom":12}'
