"""A database made by the last release before Alembic upgrades in place, on both backends:
every row of every table carried over, and the schema the same as a new database's.

The database is made by that release's own code (``scripts/make_release_db.py``, from git),
so these tests need git and the release commit in the history (CI has both).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.storage import open_store, revisions
from app.storage.meta_keys import MetaKey
from tests import postgres
from tests.cli.test_cli import run_aidmap

REPO = Path(__file__).resolve().parents[2]
RELEASE = "5587a24358f89361c01f78a59b1c32d98306c193"
"""main when Alembic came (issue 15): ``meta.schema_version`` 6, no ``alembic_version``."""
EVERY_TABLE = {
    "meta", "admin_units", "unit_aliases", "services", "resources", "intake_status",
    "status_history", "geocode_cache", "tokens", "problem_reports", "shares",
}  # fmt: skip


@pytest.fixture(scope="module")
def release_available(require: Callable[[bool, str], None]) -> None:
    require(shutil.which("git") is not None, "git is not installed")

    def known() -> bool:
        ask = ["git", "-C", str(REPO), "cat-file", "-e", f"{RELEASE}^{{commit}}"]
        return subprocess.run(ask, capture_output=True).returncode == 0

    if not known():  # a shallow clone: fetch the history from where it was cloned
        subprocess.run(["git", "-C", str(REPO), "fetch", "-q", "--unshallow"],
                       capture_output=True, timeout=120)  # fmt: skip
    require(known(), f"release {RELEASE[:7]} is not in this clone's history")


def make_release_db(url: str) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_release_db.py"), RELEASE, url],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(params=["sqlite", "postgis"])
def release_url(request: pytest.FixtureRequest, release_available: None, tmp_path: Path) -> str:
    """A database the release made and filled, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'release.sqlite3'}"
    else:
        problem = postgres.server_problem()
        request.getfixturevalue("require")(problem is None, problem or "")
        name = postgres.create_database()
        request.addfinalizer(lambda: postgres.drop_database(name))
        url = postgres.database_url(name)
    make_release_db(url)
    return url


@pytest.fixture
def connect() -> Iterator[Callable[[str], Connection]]:
    """Plain connections to a database by URL, closed after the test."""
    engines = []

    def connect(url: str) -> Connection:
        address = make_url(url)
        if address.get_backend_name() == "postgresql":
            address = address.set(drivername="postgresql+psycopg")
        engines.append(create_engine(address))
        return engines[-1].connect()

    yield connect
    for engine in engines:
        engine.dispose()


def rows_by_table(conn: Connection) -> dict[str, list[tuple]]:
    """Every row of every aidmap table, in a stable order."""
    names = set(inspect(conn).get_table_names()) - {"spatial_ref_sys", "alembic_version"}
    return {
        name: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
        for name in names
    }


def schema_of(conn: Connection) -> set[tuple]:
    """Tables, columns, indexes, constraints and triggers as the database describes them."""
    if conn.dialect.name == "sqlite":
        query = "SELECT type, name, tbl_name, sql FROM sqlite_master"
        return set(map(tuple, conn.execute(text(query))))
    queries = [
        """SELECT table_name, column_name, data_type, is_nullable, column_default,
                  generation_expression FROM information_schema.columns
           WHERE table_schema = 'public'""",
        "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'",
        """SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE connamespace = 'public'::regnamespace""",
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal",
        """SELECT attrelid::regclass::text, attname, col_description(attrelid, attnum)
           FROM pg_attribute JOIN pg_class ON pg_class.oid = attrelid
           WHERE relnamespace = 'public'::regnamespace AND attnum > 0""",
    ]
    return {row for query in queries for row in map(tuple, conn.execute(text(query)))}


def test_a_release_database_upgrades_with_every_row(release_url: str, connect, tmp_path: Path):
    with connect(release_url) as conn:
        before = rows_by_table(conn)
    assert set(before) == EVERY_TABLE and all(before.values()), "every table holds rows"
    assert revisions.stored_revision(release_url) is None

    open_store(Settings(database_url=release_url)).close()

    with connect(release_url) as conn:
        after = rows_by_table(conn)
        upgraded_schema = schema_of(conn)
    backend = make_url(release_url).get_backend_name()
    print(f"\n{backend} rows carried over:", {name: len(after[name]) for name in sorted(after)})
    for name, rows in before.items():
        if name != "meta":  # later revisions may add columns, at the end
            kept = [row[: len(rows[0])] for row in after[name]]
            assert kept == rows, f"{name} changed"
    version = ("schema_version", str(revisions.SCHEMA_VERSION))
    secret = [row for row in after["meta"] if row[0] == MetaKey.rate_limit_key]
    assert len(secret) == 1 and len(secret[0][1]) == 64  # revision 0007 made it
    assert set(after["meta"]) == {row for row in before["meta"] if row[0] != version[0]} | {
        version,
        secret[0],
    }
    assert revisions.stored_revision(release_url) == revisions.HEAD
    fresh = postgres.database_url(postgres.create_database()) if backend == "postgresql" else (
        f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    )  # fmt: skip
    try:
        open_store(Settings(database_url=fresh)).close()
        with connect(fresh) as conn:
            assert upgraded_schema == schema_of(conn)
    finally:
        if backend == "postgresql":
            postgres.drop_database(make_url(fresh).database)


def test_two_processes_upgrading_at_once_both_succeed(release_available: None, require):
    problem = postgres.server_problem()
    require(problem is None, problem or "")
    name = postgres.create_database()
    url = postgres.database_url(name)
    try:
        make_release_db(url)
        command = [sys.executable, "-m", "app", "db", "upgrade"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIDMAP_")}
        env |= {"AIDMAP_DATABASE_URL": url}
        runs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
            for _ in range(2)
        ]  # fmt: skip
        for run in runs:
            out, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
            assert f"revision {revisions.HEAD} (head)" in out
        current = run_aidmap("db", "current", env={"AIDMAP_DATABASE_URL": url})
        assert f"revision {revisions.HEAD} (head)" in current.stdout
    finally:
        postgres.drop_database(name)
