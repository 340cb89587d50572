"""aidmap export as a coordinator runs it, and the file through aidmap import again."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas

from tests.cli.test_cli import one_error_line, run_aidmap


def test_export_then_import_changes_nothing(tmp_path: Path):
    data = ["--data-dir", str(tmp_path / "data")]
    sheet = tmp_path / "医院.xlsx"
    written = run_aidmap("export", "--layer", "hospitals", "-o", str(sheet), *data)
    assert written.returncode == 0, written.stderr
    assert f"wrote {sheet}: 77 hospitals" in written.stdout
    again = run_aidmap("import", str(sheet), "--dry-run", "--json", *data)
    assert again.returncode == 0, again.stderr
    counts = json.loads(again.stdout)["counts"]
    assert counts == {
        "add": 0, "change": 0, "unchanged": 77, "duplicate": 0, "choice": 0, "bad": 0
    }  # fmt: skip


def test_the_format_follows_the_option_or_the_file_name(tmp_path: Path):
    data = ["--data-dir", str(tmp_path / "data")]
    out = tmp_path / "districts.json"
    written = run_aidmap(
        "export", "--layer", "districts", "--format", "geojson", "-o", str(out), *data
    )
    assert written.returncode == 0, written.stderr
    frame = geopandas.read_file(out)
    assert len(frame) == 16 and frame.crs.to_epsg() == 4326
    assert "no format 'json'" in one_error_line(
        run_aidmap("export", "--layer", "districts", "-o", str(out), *data)
    )
    assert {p.name for p in tmp_path.iterdir()} == {"data", out.name}  # no partial files


def test_bad_export_arguments_are_one_line(tmp_path: Path):
    data = ["--data-dir", str(tmp_path / "data")]
    out = str(tmp_path / "x.pdf")
    assert "no layer 'streets'" in one_error_line(
        run_aidmap("export", "--layer", "streets", "-o", out, *data)
    )
    assert "no format 'pdf'" in one_error_line(
        run_aidmap("export", "--layer", "hospitals", "-o", out, *data)
    )
    missing = str(tmp_path / "nowhere" / "x.csv")
    assert "no such directory" in one_error_line(
        run_aidmap("export", "--layer", "hospitals", "-o", missing, *data)
    )
