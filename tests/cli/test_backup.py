"""``aidmap db backup`` while a real server takes a stream of status updates: each copy is
one consistent moment of the source, and a copy served again shows that moment."""

from __future__ import annotations

import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.services.seeding import bundled_seed
from app.storage import open_store
from tests.cli.serving import child_env, free_port, start_serve, stop, wait_healthy
from tests.cli.status_stream import SERVICE, StatusStream, stream_targets
from tests.cli.test_cli import one_error_line, run_aidmap
from tests.cli.test_status_concurrency import create_volunteer_token, read_history

CLIENTS = 8
BACKUPS = 3
UPDATES_BETWEEN_BACKUPS = 60


@dataclass(frozen=True)
class Snapshot:
    """What a database file holds that status updates change, read in one transaction."""

    counts: dict[str, int]
    history: list[tuple]  # (id, resource_id, service, resource_version, note), by id
    statuses: dict[tuple[int, str], str]  # (resource_id, service) → current note
    versions: dict[int, int]  # resource id → version

    @classmethod
    def read(cls, path: Path) -> Snapshot:
        """Read ``path`` (checking its integrity first)."""
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            con.execute("BEGIN")
            tables = con.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
            return cls(
                counts={name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                        for (name,) in tables},
                history=con.execute("SELECT id, resource_id, service, resource_version, note "
                                    "FROM status_history ORDER BY id").fetchall(),
                statuses={(r, s): note for r, s, note in con.execute(
                    "SELECT resource_id, service, note FROM intake_status")},
                versions=dict(con.execute("SELECT id, version FROM resources")),
            )  # fmt: skip
        finally:
            con.close()


def check_consistent(copy: Snapshot, source: Snapshot, acknowledged_before: int) -> None:
    """``copy`` is the source as it was at one moment after ``acknowledged_before`` updates."""
    # The copy's history is exactly the source's first rows: nothing torn, nothing extra.
    assert copy.history == source.history[: len(copy.history)]
    assert len(copy.history) >= acknowledged_before
    # Current statuses and versions agree with that history (seeded resources start at 1).
    last = {(r, s): note for _id, r, s, _version, note in copy.history}
    assert copy.statuses == last
    for rid in source.versions:
        versions = [v for _id, r, _s, v, _note in copy.history if r == rid]
        assert versions == list(range(2, 2 + len(versions)))
        assert copy.versions[rid] == 1 + len(versions)
    unchanged = set(source.counts) - {"status_history", "intake_status"}
    assert {t: copy.counts[t] for t in unchanged} == {t: source.counts[t] for t in unchanged}
    assert copy.counts["status_history"] == len(copy.history)


@pytest.mark.server
def test_backups_during_a_stream_of_updates_are_consistent_snapshots(tmp_path: Path):
    data_dir, log = tmp_path / "data", tmp_path / "serve.log"
    secret = create_volunteer_token(data_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serve(data_dir, port, log, "--log-level", "warning")
    backups: list[tuple[Path, int, int, str]] = []
    try:
        wait_healthy(server, port)
        ids = stream_targets(base)
        with StatusStream(base, secret, ids, CLIENTS, "backup") as stream:
            for n in range(BACKUPS):
                stream.wait_acknowledged(UPDATES_BETWEEN_BACKUPS * (n + 1))
                before = stream.acknowledged()
                path = tmp_path / f"backup-{n}.sqlite3"
                result = run_aidmap("db", "backup", str(path), "--data-dir", str(data_dir))
                assert result.returncode == 0, result.stderr
                backups.append((path, before, stream.acknowledged(), result.stdout))
        outcomes = stream.outcomes
        source = Snapshot.read(data_dir / "aidmap.sqlite3")
        served = httpx.get(f"{base}/healthz").json()["counts"]
    finally:
        stop(server)
    assert outcomes.unexpected == [] and outcomes.unanswered == set()
    assert len(source.history) == len(outcomes.acknowledged)
    # The server kept answering while the backups ran.
    assert any(after > before for _path, before, after, _out in backups)
    for path, before, after, printed in backups:
        copy = Snapshot.read(path)
        print(f"{path.name}: {len(copy.history)} history rows; {before} → {after} updates "
              f"acknowledged while `aidmap db backup` ran")  # fmt: skip
        check_consistent(copy, source, before)
        [line] = [line for line in printed.splitlines() if "status_history" in line]
        assert f"{copy.counts['status_history']:,}" in line, printed
        assert f"written to {path}" in printed

    # Restoring: the last copy as the data directory's database, served again.
    last = Snapshot.read(backups[-1][0])
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copyfile(backups[-1][0], restored / "aidmap.sqlite3")
    port = free_port()
    server = start_serve(restored, port, tmp_path / "restored.log", "--log-level", "warning")
    try:
        assert wait_healthy(server, port)["counts"] == served
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            for rid in ids:
                history = read_history(http, rid, SERVICE)
                assert sorted(row["status"]["note"] for row in history) == sorted(
                    note for _id, r, _s, _v, note in last.history if r == rid
                )
    finally:
        stop(server)
    assert "Traceback" not in log.read_text() + (tmp_path / "restored.log").read_text()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory with a seeded SQLite store (whatever TEST_BACKEND says)."""
    settings = Settings(data_dir=tmp_path / "data", database_url="")
    store = open_store(settings)
    try:
        store.seed(*bundled_seed(settings.geodata_dir))
    finally:
        store.close()
    return settings.data_dir


def test_backup_refuses_to_overwrite_without_force(data_dir: Path, tmp_path: Path):
    target = tmp_path / "backup.sqlite3"
    target.write_text("yesterday's backup")
    line = one_error_line(run_aidmap("db", "backup", str(target), "--data-dir", str(data_dir)))
    assert line == f"aidmap: error: {target} exists; pass --force to replace it"
    assert target.read_text() == "yesterday's backup"
    forced = run_aidmap("db", "backup", str(target), "--force", "--data-dir", str(data_dir))
    assert forced.returncode == 0, forced.stderr
    assert Snapshot.read(target).counts == Snapshot.read(data_dir / "aidmap.sqlite3").counts


def test_backup_into_a_missing_directory_or_of_nothing_is_one_line(data_dir: Path, tmp_path: Path):
    missing = tmp_path / "no" / "backup.sqlite3"
    line = one_error_line(run_aidmap("db", "backup", str(missing), "--data-dir", str(data_dir)))
    assert line == f"aidmap: error: no directory {missing.parent} to write backup.sqlite3 in"
    empty = tmp_path / "empty"
    line = one_error_line(run_aidmap("db", "backup", str(tmp_path / "b"), "--data-dir", str(empty)))
    assert line == f"aidmap: error: no database at {empty / 'aidmap.sqlite3'}"
    assert not empty.exists() and not (tmp_path / "b").exists()


def _small_files_only() -> None:
    """In the child: files stop growing at 256 KiB, like a full disk (EFBIG, no signal)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))


def test_a_backup_failing_half_way_leaves_no_file(data_dir: Path, tmp_path: Path):
    target = tmp_path / "backups" / "backup.sqlite3"
    target.parent.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "app", "db", "backup", str(target), "--data-dir", str(data_dir)],
        env=child_env(), capture_output=True, text=True, timeout=120,
        preexec_fn=_small_files_only,  # the database is ~1.7 MB: the copy fails part-way
    )  # fmt: skip
    line = one_error_line(result)
    assert line.startswith(f"aidmap: error: backup failed, nothing written at {target}: ")
    assert list(target.parent.iterdir()) == []


def test_backup_of_postgresql_points_to_pg_dump(tmp_path: Path):
    url = "postgresql+psycopg://aidmap:secret@127.0.0.1:1/aidmap"  # never connected to
    result = run_aidmap("db", "backup", str(tmp_path / "b"), env={"AIDMAP_DATABASE_URL": url})
    line = one_error_line(result)
    assert "pg_dump" in line and "secret" not in line
    assert list(tmp_path.iterdir()) == []


def test_a_backup_moves_into_postgis_with_db_copy(data_dir: Path, tmp_path: Path,
                                                   postgis_url: str):  # fmt: skip
    backup = tmp_path / "backup.sqlite3"
    assert run_aidmap("db", "backup", str(backup), "--data-dir", str(data_dir)).returncode == 0
    backup_url = f"sqlite:///{backup}"
    moved = run_aidmap("db", "copy", "--from", backup_url, "--to", postgis_url)
    assert moved.returncode == 0, moved.stderr
    stores = [open_store(Settings(database_url=url)) for url in (backup_url, postgis_url)]
    try:
        source, target = stores
        assert target.counts() == source.counts()
        assert target.get_resource(1) == source.get_resource(1)
    finally:
        for store in stores:
            store.close()
