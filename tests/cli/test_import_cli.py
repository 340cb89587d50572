"""aidmap import and aidmap geocode as a coordinator runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.cli.test_cli import one_error_line, run_aidmap

ROWS = "医院名称,所属区,地址,电话\n全新医院,黄浦区,西藏南路1号,021-55559999\n坏医院,火星区,,\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_import_dry_run_then_blocked_then_applied(tmp_path: Path):
    sheet = write(tmp_path / "list.csv", ROWS, "gb18030")
    data = ["--data-dir", str(tmp_path / "data")]
    dry = run_aidmap("import", str(sheet), "--dry-run", "--json", *data)
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["counts"]["add"] == 1 and plan["counts"]["bad"] == 1 and plan["applied"] is None
    blocked = run_aidmap("import", str(sheet), *data)
    assert one_error_line(blocked).endswith(
        "1 bad rows: nothing was written (fix them, or skip bad rows)"
    )
    assert "row 3: bad: unknown district '火星区'" in blocked.stdout
    applied = run_aidmap("import", str(sheet), "--skip-bad-rows", *data)
    assert applied.returncode == 0 and "added=1" in applied.stdout
    again = run_aidmap("import", str(sheet), "--skip-bad-rows", "--json", *data)
    assert json.loads(again.stdout)["counts"]["unchanged"] == 1


def test_import_help_names_every_format_it_reads():
    result = run_aidmap("import", "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "CSV (UTF-8, GB18030 or UTF-16), XLSX, GeoJSON or GeoPackage file." in text
    assert "XLSX sheet or GeoPackage layer" in text


def test_import_of_a_broken_file_is_one_line(tmp_path: Path):
    sheet = write(tmp_path / "list.csv", "区,电话\n黄浦区,1\n")
    line = one_error_line(run_aidmap("import", str(sheet), "--data-dir", str(tmp_path)))
    assert "list.csv: no column for name" in line


def test_geocode_writes_answers_beside_the_input(tmp_path: Path):
    source = write(tmp_path / "in.csv", "地址,区,备注\n塘口村,闵行区,a\n某某路1号,,b\n")
    out = tmp_path / "out.csv"
    result = run_aidmap(
        "geocode", str(source), "--address-column", "地址", "--district-column", "区",
        "-o", str(out), "--data-dir", str(tmp_path / "data"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.read_text("utf-8-sig").splitlines()))
    assert [r["备注"] for r in rows] == ["a", "b"]
    assert (rows[0]["precision"], rows[0]["committee"], rows[0]["district"]) == (
        "district", "塘口村村委会", "闵行区",
    )  # fmt: skip
    assert rows[1]["lon"] == "" and rows[1]["precision"] == ""
    assert rows[1]["outcome"] == "not_found" and rows[1]["notes"]
    missing = run_aidmap(
        "geocode", str(source), "--address-column", "address", "-o", str(out),
        "--data-dir", str(tmp_path / "data"),
    )  # fmt: skip
    assert "no column 'address'; columns: 地址, 区, 备注" in one_error_line(missing)


def test_a_status_sheet_is_planned_then_applied_under_the_name_given(tmp_path: Path):
    sheet = write(
        tmp_path / "接诊.csv", "医院名称,血透,更新时间\n瑞金医院,暂停接收,\n火星医院,可接收,\n"
    )
    data = ["--data-dir", str(tmp_path / "data")]
    planned = run_aidmap("import", str(sheet), "--kind", "statuses", "--dry-run", *data)
    assert planned.returncode == 0, planned.stderr
    assert "火星医院" in planned.stdout and "nothing written" in planned.stdout
    applied = run_aidmap("import", str(sheet), "--kind", "statuses", "--by", "核实组", "--json",
                         *data)  # fmt: skip
    assert applied.returncode == 0, applied.stderr
    body = json.loads(applied.stdout)
    assert body["applied"]["written"] == 1 and body["counts"]["unmatched_rows"] == 1
