"""What ``aidmap serve`` says as it starts (issue 20): readable lines with the address to
open in a terminal, JSON lines for a pipe, AIDMAP_LOG_FORMAT deciding when set; first where
the data lives and how many processes serve."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import __version__
from app.cli.serve import start_lines
from app.core.config import Settings
from app.serving.server import map_address
from tests.cli.serving import child_env, free_port, start_serve, stop, wait_healthy
from tests.seeded import copy_seeded

READY = "ready: open http://127.0.0.1:{port}/ in a browser"


def serve_in_terminal(data_dir: Path, port: int, env: dict[str, str]) -> list[str]:
    """The lines ``aidmap serve`` writes to a terminal (a pseudo-terminal) until it says it
    is ready, then stopped."""
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "app", "serve", "--port", str(port),
               "--data-dir", str(data_dir)]  # fmt: skip
    process = subprocess.Popen(command, env=child_env() | env, stdin=subprocess.DEVNULL,
                               stdout=follower, stderr=follower)  # fmt: skip
    os.close(follower)
    written, deadline = b"", time.monotonic() + 60
    try:
        while READY.format(port=port).encode() not in written:
            assert time.monotonic() < deadline, written.decode(errors="replace")
            if select.select([leader], [], [], 0.5)[0]:
                written += os.read(leader, 65536)
    finally:
        stop(process)
        os.close(leader)
    return written.decode().replace("\r\n", "\n").splitlines()


@pytest.mark.server
def test_a_terminal_gets_readable_lines_that_say_where_the_data_is_and_what_to_open(
    tmp_path: Path,
):
    data_dir, port = copy_seeded(tmp_path / "data"), free_port()
    lines = serve_in_terminal(data_dir, port, {})
    assert not any(line.startswith("{") for line in lines)
    first = [line.split(" [-] ", 1)[1] for line in lines[:2]]
    assert first == [
        f"aidmap {__version__}, 1 worker process",
        f"data: SQLite file {(data_dir / 'aidmap.sqlite3').resolve()}",
    ]
    assert lines[-1].endswith(f"INFO    aidmap [-] {READY.format(port=port)}")
    assert not any("uvicorn.error" in line for line in lines)  # shown as plain "uvicorn"


@pytest.mark.server
def test_the_setting_decides_at_a_terminal_too(tmp_path: Path):
    data_dir, port = copy_seeded(tmp_path / "data"), free_port()
    lines = serve_in_terminal(data_dir, port, {"AIDMAP_LOG_FORMAT": "json"})
    messages = [json.loads(line)["message"] for line in lines]
    assert messages[0] == f"aidmap {__version__}, 1 worker process"
    assert messages[-1] == READY.format(port=port)


@pytest.mark.server
def test_a_pipe_gets_json_lines_with_the_same_words(tmp_path: Path):
    data_dir, port, log = copy_seeded(tmp_path / "data"), free_port(), tmp_path / "serve.log"
    process = start_serve(data_dir, port, log)
    try:
        wait_healthy(process, port)
    finally:
        stop(process)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    messages = [line["message"] for line in lines if line["logger"] == "aidmap"]
    assert messages[:2] == [
        f"aidmap {__version__}, 1 worker process",
        f"data: SQLite file {(data_dir / 'aidmap.sqlite3').resolve()}",
    ]
    assert READY.format(port=port) in messages


def test_a_postgresql_database_is_named_without_its_password():
    url = "postgresql+psycopg://aidmap:s3cret@db.internal:5433/shanghai"
    lines = start_lines(Settings(database_url=url), workers=4)
    assert lines == [
        f"aidmap {__version__}, 4 worker processes",
        "data: PostgreSQL database shanghai on db.internal:5433 as aidmap",
    ]
    local = start_lines(Settings(database_url="postgresql:///shanghai"), workers=1)
    assert local[1] == "data: PostgreSQL database shanghai on the local socket"


@pytest.mark.parametrize(
    ("settings", "host", "address"),
    [
        ({}, "127.0.0.1", "http://127.0.0.1:8000/"),
        ({}, "0.0.0.0", "http://127.0.0.1:8000/"),  # every interface: this machine's
        ({}, "::", "http://[::1]:8000/"),
        ({"base_url": "https://map.example.org"}, "0.0.0.0", "https://map.example.org/"),
        ({"base_url": "https://example.org", "root_path": "/aidmap"}, "127.0.0.1",
         "https://example.org/aidmap/"),
    ],
)  # fmt: skip
def test_the_address_to_open_is_the_public_one_when_configured(settings, host, address):
    assert map_address(Settings(**settings), host, 8000) == address
