"""Running a real ``aidmap serve`` on loopback for the tests that need one."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

MARKED_SERVER = False
"""Whether the running test carries the ``server`` mark (set by tests/conftest.py)."""


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env() -> dict[str, str]:
    """This environment without AIDMAP_* settings, so a child uses only its flags."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AIDMAP_")}


def start_serve(
    data_dir: Path,
    port: int,
    log: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    open_files: int | None = None,
) -> subprocess.Popen:
    """``python -m app serve`` on ``port`` with ``data_dir``, its output into ``log``;
    ``env`` adds settings (AIDMAP_*) for the child, ``open_files`` sets its open-files
    limit (soft and hard), so a test can exhaust it without starving the machine."""
    assert MARKED_SERVER, "a test that starts a server is marked pytest.mark.server"
    command = [sys.executable, "-m", "app", "serve", "--port", str(port),
               "--data-dir", str(data_dir), *extra]  # fmt: skip

    def limit_open_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command, env=child_env() | (env or {}), stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=limit_open_files if open_files else None,
        )  # fmt: skip


def wait_healthy(process: subprocess.Popen, port: int, timeout: float = 60) -> dict:
    """The first ready /healthz answer (a 503 while the store or the worker threads are
    slow to answer is asked again); fails if the server exits or is not ready in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "aidmap serve exited early"
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        if response.status_code != 503:
            response.raise_for_status()
            return response.json()
        time.sleep(0.2)
    raise AssertionError(f"no /healthz answer within {timeout} s")


def stop(process: subprocess.Popen) -> int:
    """SIGTERM (SIGKILL after 30 s); the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
    return process.returncode
