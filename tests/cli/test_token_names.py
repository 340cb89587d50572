"""``aidmap token create`` refuses names that are not plain visible text, in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.serving import child_env


def token_create(name: str, data_dir: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "app", "token", "create", "--create-db", "--name", name,
               "--role", "volunteer", "--data-dir", str(data_dir)]  # fmt: skip
    return subprocess.run(command, env=child_env(), capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize(
    "name", ["王阿姨\r\n伪造的一行", "\u202e姨阿王", "王\u200b阿姨", "x" * 101]
)
def test_a_name_with_control_or_invisible_characters_is_one_error_line(tmp_path: Path, name):
    result = token_create(name, tmp_path / "data")
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aidmap: error: a token name"), result.stderr
    assert not (tmp_path / "data").exists()  # refused before any database is made
