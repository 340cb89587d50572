"""Every command finds the database ``aidmap serve`` uses (issue 14): ``aidmap token
create`` run from another folder made a second, empty database under that folder's ./data,
and its token was refused by the running server. The default data directory is now the
source checkout's data/, and a command names the database it wrote to on stderr."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.cli.serving import child_env, free_port, stop, wait_healthy

pytestmark = pytest.mark.server
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the source checkout (app/, pyproject.toml; geodata/ linked), so the
    default data directory is this copy's data/, never the real checkout's."""
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(REPO / "app", root / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root)
    (root / "geodata").symlink_to(REPO / "geodata")
    return root


def aidmap(checkout: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m app ARGS`` of the copy, run in ``cwd`` with no AIDMAP_* setting."""
    cwd.mkdir(parents=True, exist_ok=True)
    env = child_env() | {"PYTHONPATH": str(checkout)}
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_a_token_made_in_another_folder_works_on_the_running_server(checkout: Path, tmp_path):
    database = checkout / "data" / "aidmap.sqlite3"
    made = aidmap(checkout, tmp_path / "first", "token", "create", "--create-db",
                  "--name", "管理员", "--role", "admin")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert made.stderr.strip().splitlines()[-1] == (
        f"aidmap: wrote to {database}: a new database, made now "
        "(is aidmap serve using another data directory?)"
    )
    secret = made.stdout.strip().splitlines()[-1]
    port = free_port()
    env = child_env() | {"PYTHONPATH": str(checkout)}
    (tmp_path / "second").mkdir()
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--log-level", "warning"],
            cwd=tmp_path / "second", env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_healthy(server, port)
        again = aidmap(checkout, tmp_path / "third", "token", "create", "--name", "志愿者",
                       "--role", "volunteer")  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert again.stderr.strip().splitlines()[-1] == f"aidmap: wrote to {database}"
        for token in (secret, again.stdout.strip().splitlines()[-1]):
            answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/resources/1",
                               headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            assert answer.status_code == 200, answer.text
        listed = aidmap(checkout, tmp_path / "fourth", "token", "list")
        assert "志愿者" in listed.stdout and listed.stderr.strip().endswith(f"read {database}")
    finally:
        stop(server)
    for folder in ("first", "second", "third", "fourth"):
        assert not (tmp_path / folder / "data").exists()  # no second database anywhere


def test_an_explicit_data_dir_is_named_and_kept(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIDMAP_")}
    args = ["token", "create", "--create-db", "--name", "甲", "--role", "volunteer",
            "--data-dir", "rel"]  # fmt: skip
    made = subprocess.run([sys.executable, "-m", "app", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert made.returncode == 0, made.stderr
    database = (tmp_path / "rel" / "aidmap.sqlite3").resolve()
    assert f"aidmap: wrote to {database}: a new database" in made.stderr
