"""The mixed load of scripts/bench_load.py for 15 s against a real ``aidmap serve``: 32
clients, 80 % reads and 20 % status writes. No errors, and no write lost: the history holds
one new row per PUT answered 200. The figures are printed and kept in tests/artifacts/
(a benchmark, not an assertion on speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.serving import child_env

pytestmark = [pytest.mark.server, pytest.mark.bench]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
SECONDS = 15
CLIENTS = 32


def test_mixed_load_has_no_errors_and_loses_no_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, "scripts/bench_load.py", "--seconds", str(SECONDS),
         "--clients", str(CLIENTS), "--baseline-seconds", "3", "--json", str(figures)],
        cwd=REPO, env=child_env(), capture_output=True, text=True, timeout=SECONDS + 200,
        check=False,
    )  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.txt").write_text(done.stdout + done.stderr)
    with capsys.disabled():
        print(f"\n{done.stdout}", end="")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(figures.read_text())
    assert result["errors"] == {}
    assert result["history_rows"] == result["writes_ok"] > 0
    kinds = result["kinds"]
    assert set(kinds) == {"nearest", "items", "clusters", "write"}
    share = kinds["write"]["count"] / result["overall"]["count"]
    assert 0.15 < share < 0.25, f"writes are {share:.0%} of the requests, not about 20 %"
