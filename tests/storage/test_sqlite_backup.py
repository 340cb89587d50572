"""Backing up the SQLite file: a checked copy that opens as a store, or nothing at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import Settings
from app.domain.enums import Role
from app.domain.records import SeedData
from app.domain.statuses import State, StatusReport
from app.services.auth import create_token
from app.storage import backup, open_store
from app.storage.backup import BackupFailed, backup_database, backup_sqlite
from app.storage.errors import AlreadyExists, StoreUnavailable
from app.storage.port import Store
from app.storage.sqlite import SqliteStore


@pytest.fixture
def source(tmp_path: Path, bundled: tuple[SeedData, str]) -> Iterator[SqliteStore]:
    """A seeded store on a SQLite file (whatever TEST_BACKEND says: this is SQLite's own)."""
    store = open_store(Settings(data_dir=tmp_path / "data", database_url=""))
    store.seed(*bundled)
    store.set_status(1, "dialysis", StatusReport(State.open, "小王", note="第一次"), 1)
    create_token(store, "志愿者", Role.volunteer)
    yield store
    store.close()


def _path(store: Store) -> Path:
    return Path(store._engine.url.database)


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        tables = con.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for (name,) in tables}  # fmt: skip
    finally:
        con.close()


def test_the_copy_is_checked_counted_and_opens_as_the_same_store(source, tmp_path: Path):
    target = tmp_path / "backup.sqlite3"
    steps: list[tuple[str, int, int]] = []
    counts = backup_sqlite(_path(source), target, progress=lambda *step: steps.append(step))
    assert counts == _counts(_path(source))
    assert counts["status_history"] == 1 and counts["tokens"] == 1
    assert counts["admin_units"] == 6_759
    assert steps[-1][0] == "pages" and steps[-1][1] == steps[-1][2] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.sqlite3", "data"]
    con = sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True)  # one file: no -wal needed
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()
    copy = open_store(Settings(database_url=f"sqlite:///{target}"))
    try:
        assert copy.get_resource(1) == source.get_resource(1)
        assert copy.history(1) == source.history(1)
        assert copy.list_tokens() == source.list_tokens()
        assert copy.counts() == source.counts()
    finally:
        copy.close()


def test_an_interrupted_backup_leaves_nothing_behind(source, tmp_path: Path):
    target = tmp_path / "backup.sqlite3"

    def interrupt(_step: str, done: int, _total: int) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backup_sqlite(_path(source), target, progress=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_an_existing_file_is_replaced_only_when_asked(source, tmp_path: Path):
    target = tmp_path / "backup.sqlite3"
    target.write_text("yesterday's backup")
    with pytest.raises(AlreadyExists, match=r"backup\.sqlite3 exists"):
        backup_sqlite(_path(source), target)
    assert target.read_text() == "yesterday's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.sqlite3", "data"]
    backup_sqlite(_path(source), target, replace=True)
    assert _counts(target) == _counts(_path(source))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.sqlite3", "data"]


def test_a_file_made_at_the_target_during_the_backup_is_never_replaced(
    source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Another process may write the target just after the last check: the backup then
    refuses, as if the file had been there from the start, and leaves no copy behind."""
    target = tmp_path / "backup.sqlite3"
    checks: list[Path] = []

    def check_then_race(source: Path, target: Path, replace: bool) -> None:
        check_target(source, target, replace)
        checks.append(target)
        if len(checks) == 2:  # the check just before the copy is published
            target.write_text("another process's backup")

    check_target = backup._check_target
    monkeypatch.setattr(backup, "_check_target", check_then_race)
    with pytest.raises(AlreadyExists, match=r"backup\.sqlite3 exists"):
        backup_sqlite(_path(source), target)
    assert target.read_text() == "another process's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.sqlite3", "data"]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/backup.sqlite3", r"no directory .*missing to write backup\.sqlite3 in"),
        (".", "is a directory; name the backup file"),
        ("data/aidmap.sqlite3", "is the database itself"),
    ],
)
def test_unusable_targets_are_refused(source, tmp_path: Path, where: str, message: str):
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(BackupFailed, match=message):
        backup_sqlite(_path(source), tmp_path / where, replace=True)
    assert sorted(tmp_path.rglob("*")) == before


def test_sources_that_are_not_aidmap_databases_give_no_file(tmp_path: Path):
    target = tmp_path / "backup.sqlite3"
    with pytest.raises(BackupFailed, match="no database at"):
        backup_sqlite(tmp_path / "nothing.sqlite3", target)
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not sqlite" * 1000)
    with pytest.raises(BackupFailed, match="file is not a database"):
        backup_sqlite(garbage, target)
    other = tmp_path / "other.sqlite3"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes (text TEXT)")
    con.commit()
    con.close()
    with pytest.raises(BackupFailed, match="no schema version"):
        backup_sqlite(other, target)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["garbage.sqlite3", "other.sqlite3"]


def test_postgresql_urls_are_sent_to_pg_dump(tmp_path: Path):
    url = "postgresql+psycopg://aidmap:secret@db-host/aidmap"
    with pytest.raises(StoreUnavailable, match="pg_dump") as raised:
        backup_database(url, tmp_path / "backup.sqlite3")
    assert "secret" not in str(raised.value)
    assert list(tmp_path.iterdir()) == []
