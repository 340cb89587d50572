"""aidmap snapshot as an operator runs it: the file written, the share it links to kept in
the store, and bad arguments as one line."""

from __future__ import annotations

import re
from pathlib import Path

from app.core.config import Settings
from app.storage import open_store
from tests.cli.test_cli import one_error_line, run_aidmap
from tests.seeded import copy_seeded


def test_the_file_is_written_and_its_link_is_a_share_in_the_store(tmp_path: Path):
    data = copy_seeded(tmp_path / "data")
    out = tmp_path / "浦东.html"
    written = run_aidmap(
        "snapshot", "-o", str(out), "--service", "血透", "--district", "浦东", "--lang", "en",
        "--base-url", "https://aid.example.org", "--data-dir", str(data),
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    found = re.fullmatch(
        rf"wrote {re.escape(str(out))}: (\d+) hospitals, \d+ KiB; "
        r"live map: https://aid\.example\.org/s/(\w{6})\n",
        written.stdout,
    )
    assert found, written.stdout
    body = out.read_text(encoding="utf-8")
    assert body.startswith("<!DOCTYPE html>") and '<html lang="en">' in body
    assert f'href="https://aid.example.org/s/{found[2]}"' in body
    store = open_store(Settings(data_dir=data, database_url=""))
    try:
        assert store.get_share(found[2]).view["service"] == "dialysis"
    finally:
        store.close()
    assert {p.name for p in tmp_path.iterdir()} == {"data", out.name}  # no partial file


def test_the_base_url_may_come_from_the_environment(tmp_path: Path):
    data = copy_seeded(tmp_path / "data")
    out = tmp_path / "map.html"
    env = {"AIDMAP_BASE_URL": "https://aid.example.org", "AIDMAP_ROOT_PATH": "/aidmap"}
    written = run_aidmap("snapshot", "-o", str(out), "--data-dir", str(data), env=env)
    assert written.returncode == 0, written.stderr
    assert "live map: https://aid.example.org/aidmap/s/" in written.stdout


def test_bad_snapshot_arguments_are_one_line(tmp_path: Path):
    data = ["--data-dir", str(copy_seeded(tmp_path / "data"))]
    out, base = str(tmp_path / "map.html"), ["--base-url", "https://aid.example.org"]
    assert "pass --base-url" in one_error_line(run_aidmap("snapshot", "-o", out, *data))
    assert "no district '火星区'" in one_error_line(
        run_aidmap("snapshot", "-o", out, "--district", "火星区", *base, *data)
    )
    assert "no service '牙科'" in one_error_line(
        run_aidmap("snapshot", "-o", out, "--service", "牙科", *base, *data)
    )
    assert "lang must be zh or en" in one_error_line(
        run_aidmap("snapshot", "-o", out, "--lang", "fr", *base, *data)
    )
    missing = str(tmp_path / "nowhere" / "map.html")
    refused = run_aidmap("snapshot", "-o", missing, *base, *data)
    assert "no such directory" in one_error_line(refused)
    assert not (tmp_path / "map.html").exists()
