"""The aidmap command as a user runs it: one-line errors, import-boundaries, stats."""

from __future__ import annotations

import os
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
