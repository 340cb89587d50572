"""The aidmap command as a user runs it: one-line errors, import-boundaries, stats."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def run_aidmap(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AIDMAP_")}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=clean | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AIDMAP_DATABASE_URL": "not a url"}, "AIDMAP_DATABASE_URL is not a database URL"),
        ({"AIDMAP_DATABASE_URL": "mysql://db/aidmap"}, "AIDMAP_DATABASE_URL uses 'mysql'"),
        ({"AIDMAP_STATUS_TTL_HOURS": "-1"}, "AIDMAP_STATUS_TTL_HOURS"),
        ({"AIDMAP_GEODATA_DIR": "/nonexistent"}, "bundled data not found in /nonexistent"),
    ],
)
def test_bad_configuration_is_one_line_and_non_zero(tmp_path: Path, env: dict, message: str):
    result = run_aidmap("geodata", "stats", "--data-dir", str(tmp_path), env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aidmap: error:")
    assert message in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aidmap: error:"), result.stderr
    return lines[0]


def test_unusable_database_files_are_one_line(tmp_path: Path):
    (tmp_path / "aidmap.sqlite3").write_bytes(b"not sqlite" * 100)
    line = one_error_line(run_aidmap("geodata", "stats", "--data-dir", str(tmp_path)))
    assert "database unusable: file is not a database" in line
    newer = tmp_path / "newer"
    newer.mkdir()
    con = sqlite3.connect(newer / "aidmap.sqlite3")
    con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    con.commit()
    con.close()
    line = one_error_line(run_aidmap("serve", "--port", "1", "--data-dir", str(newer)))
    assert "schema 99, newer than this aidmap's" in line


def test_unknown_log_level_is_a_usage_error(tmp_path: Path):
    result = run_aidmap("serve", "--log-level", "bogus", "--data-dir", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "bogus" in result.stderr


def test_unwritable_data_dir_is_one_line_and_non_zero(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for command in (["geodata", "stats"], ["serve", "--port", "1"]):
        result = run_aidmap(*command, "--data-dir", str(blocker / "data"))
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines() == [
            f"aidmap: error: cannot create data directory {blocker / 'data'}: Not a directory"
        ]


def test_import_boundaries_reports_and_moves(tmp_path: Path, eval_dir: Path):
    outlines = str(eval_dir / "streets_2018.geojson")
    data = ["--data-dir", str(tmp_path)]
    dry = run_aidmap("geodata", "import-boundaries", outlines, "--dry-run", *data)
    assert dry.returncode == 0, dry.stderr
    assert "matched 213" in dry.stdout and "dry run: nothing changed" in dry.stdout
    assert "五角场镇" in dry.stdout
    real = run_aidmap("geodata", "import-boundaries", outlines, *data)
    assert real.returncode == 0, real.stderr
    assert "moved" in real.stdout
    stats = run_aidmap("geodata", "stats", *data)
    assert "district=21, street=213" in stats.stdout


def test_import_boundaries_from_a_table_without_geometry_is_one_line(tmp_path: Path):
    table = tmp_path / "streets.csv"
    table.write_text("street,district\n陆家嘴街道,浦东新区\n", "utf-8")
    result = run_aidmap("geodata", "import-boundaries", str(table), "--data-dir", str(tmp_path))
    line = one_error_line(result)
    assert line == "aidmap: error: streets.csv has no geometries"


def test_import_boundaries_with_a_wrong_column_is_one_line(tmp_path: Path, eval_dir: Path):
    outlines = str(eval_dir / "streets_2018.geojson")
    result = run_aidmap(
        "geodata",
        "import-boundaries",
        outlines,
        "--name-field",
        "名称",
        "--data-dir",
        str(tmp_path),
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith(
        "aidmap: error: streets_2018.geojson has no column 名称"
    )


def test_token_create_prints_the_secret_alone_on_the_last_line(tmp_path: Path):
    data = ["--data-dir", str(tmp_path)]
    created = run_aidmap(
        "token", "create", "--create-db", "--name", "核查组", "--role", "verifier", *data
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("aidmap_") and " " not in secret and len(secret) > 40
    assert "核查组" in run_aidmap("token", "list", *data).stdout
    assert secret not in run_aidmap("token", "list", *data).stdout
    assert run_aidmap("token", "revoke", "1", *data).stdout.strip() == "token 1 (核查组) revoked"
    assert (
        one_error_line(run_aidmap("token", "revoke", "99", *data)) == "aidmap: error: no token 99"
    )
    bad_role = run_aidmap("token", "create", "--create-db", "--name", "x", "--role", "king", *data)
    assert bad_role.returncode == 2 and "Traceback" not in bad_role.stderr


def test_token_commands_refuse_a_data_dir_without_a_database(tmp_path: Path):
    """A mistyped --data-dir used to make (and seed) a new empty database silently."""
    typo = ["--data-dir", str(tmp_path / "dta")]
    for args in (("create", "--name", "甲", "--role", "volunteer"), ("list",), ("revoke", "1")):
        refused = run_aidmap("token", *args, *typo)
        assert refused.returncode == 2, (args, refused.stderr)
        assert one_error_line(refused).startswith(f"aidmap: error: no database at {tmp_path}")
        assert "--create-db" in refused.stderr
    assert not (tmp_path / "dta").exists()


def test_a_new_database_is_private_to_its_owner(tmp_path: Path):
    data_dir = tmp_path / "new" / "data"
    made = run_aidmap("token", "create", "--create-db", "--name", "甲", "--role", "volunteer",
                      "--data-dir", str(data_dir))  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    files = sorted(data_dir.glob("aidmap.sqlite3*"))
    assert files and {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}, files
    again = run_aidmap("token", "create", "--name", "乙", "--role", "volunteer",
                       "--data-dir", str(data_dir))  # fmt: skip
    assert again.returncode == 0 and "a new database" not in again.stderr
