"""``aidmap db``: schema upgrades and moving a deployment from SQLite to PostGIS."""

from __future__ import annotations

from app.core.config import Settings
from app.domain.enums import Precision, Role
from app.domain.records import NewResource
from app.domain.statuses import State, StatusReport
from app.services.auth import create_token
from app.storage import open_store, revisions
from app.storage.port import Store
from tests.cli.test_cli import run_aidmap


def test_upgrade_migrates_and_current_reports_the_revision(tmp_path):
    env = {"AIDMAP_DATABASE_URL": f"sqlite:///{tmp_path / 'aidmap.sqlite3'}"}
    before = run_aidmap("db", "current", env=env)
    assert before.returncode == 0, before.stderr
    assert f"no revision (head is {revisions.HEAD}): run aidmap db upgrade" in before.stdout
    assert not (tmp_path / "aidmap.sqlite3").exists()  # current changes nothing
    for command in ("upgrade", "current"):
        result = run_aidmap("db", command, env=env)
        assert result.returncode == 0, result.stderr
        assert f"revision {revisions.HEAD} (head)" in result.stdout


def test_upgrade_on_postgis_reports_the_head_revision(postgis_url: str):
    result = run_aidmap("db", "upgrade", env={"AIDMAP_DATABASE_URL": postgis_url})
    assert result.returncode == 0, result.stderr
    assert f"revision {revisions.HEAD} (head)" in result.stdout


def test_copy_moves_everything_with_ids_and_new_ids_follow(seeded_store: Store, settings,
                                                           postgis_url: str):  # fmt: skip
    source = seeded_store
    version = source.get_resource(1).version
    source.set_status(1, "dialysis", StatusReport(State.open, "小王", note="<b>x</b>"), version)
    create_token(source, "志愿者", Role.volunteer)
    source.create_share({"zoom": 12, "center": [121.47, 31.23]}, lambda: "abcdef")
    result = run_aidmap("db", "copy", "--from", settings.database_url, "--to", postgis_url)
    assert result.returncode == 0, result.stderr
    assert "status_history" in result.stdout and "6,759" in result.stdout
    target = open_store(Settings(database_url=postgis_url))
    try:
        assert target.get_resource(1) == source.get_resource(1)
        assert target.history(1) == source.history(1)
        assert target.get_share("abcdef") == source.get_share("abcdef")
        assert target.list_tokens() == source.list_tokens()
        assert target.get_meta("seed_version") == source.get_meta("seed_version")
        [added], _ = target.apply_resource_changes(
            [NewResource(kind="hospital", name="新医院", lon=121.5, lat=31.2,
                         precision=Precision.exact)], [],
        )  # fmt: skip
        assert added.id == max(r.id for r in source.list_resources(limit=1000)) + 1
    finally:
        target.close()
    again = run_aidmap("db", "copy", "--from", settings.database_url, "--to", postgis_url)
    assert again.returncode == 2 and "already holds data" in again.stderr
