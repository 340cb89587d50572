"""``aidmap invite``: the link alone on the last line, and a link that works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.cli.serving import child_env
from tests.seeded import copy_seeded


def aidmap(*args: str, **env: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "app", *args]
    return subprocess.run(command, env=child_env() | env, capture_output=True, text=True,
                          timeout=180)  # fmt: skip


def test_invite_create_prints_the_link_alone_on_its_last_line(tmp_path: Path):
    data = copy_seeded(tmp_path / "data")
    made = aidmap("invite", "create", "--role", "verifier", "--name", "王阿姨", "--expires",
                  "2h", "--uses", "2", "--data-dir", str(data))  # fmt: skip
    assert made.returncode == 0, made.stderr
    *above, link = made.stdout.strip().splitlines()
    assert link.startswith("http://127.0.0.1:8000/join/") and " " not in link
    assert any("AIDMAP_BASE_URL is unset" in line for line in above)
    public = aidmap("invite", "create", "--role", "volunteer", "--name", "李", "--data-dir",
                    str(data), AIDMAP_BASE_URL="https://map.example.org")  # fmt: skip
    assert public.stdout.strip().splitlines()[-1].startswith("https://map.example.org/join/")

    with TestClient(create_app(Settings(data_dir=data, database_url=""))) as client:
        page = client.get(urlsplit(link).path)
        assert page.status_code == 200 and "王阿姨" in page.text

    listed = aidmap("invite", "list", "--data-dir", str(data))
    assert "王阿姨" in listed.stdout and "0/2" in listed.stdout
    assert aidmap("invite", "revoke", "1", "--data-dir", str(data)).returncode == 0
    assert "revoked" in aidmap("invite", "list", "--data-dir", str(data)).stdout


def test_invite_create_refuses_bad_input_in_one_line_and_needs_a_database(tmp_path: Path):
    data = copy_seeded(tmp_path / "data")
    for args in (["--expires", "3w"], ["--uses", "0"], ["--name", "王\u200b阿姨"]):
        refused = aidmap("invite", "create", "--role", "volunteer", "--name", "王阿姨", *args,
                         "--data-dir", str(data))  # fmt: skip
        assert refused.returncode == 2, refused.stdout
        assert refused.stderr.strip().splitlines()[-1].startswith("aidmap: error: ")
    missing = aidmap("invite", "create", "--role", "volunteer", "--name", "王阿姨",
                     "--data-dir", str(tmp_path / "none"))  # fmt: skip
    assert missing.returncode == 2 and not (tmp_path / "none").exists()
