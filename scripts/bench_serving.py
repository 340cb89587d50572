"""Running ``aidmap serve`` on loopback for the benchmarks (scripts/ is not a package:
the bench scripts import this module from beside them)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
NEAREST_WRK_SCRIPT = """
math.randomseed(7)
request = function()
  local lon = 120.9 + math.random() * 1.2
  local lat = 30.7 + math.random() * 1.1
  return wrk.format("GET", string.format(
    "/api/v1/nearest?lon=%.5f&lat=%.5f&service=dialysis&k=5", lon, lat))
end
"""
"""A wrk script: /api/v1/nearest for dialysis at random points over Shanghai."""


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(settings: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without AIDMAP_* settings, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIDMAP_")}
    return env | (settings or {})


def aidmap(*args: str) -> list[str]:
    """The command line of ``aidmap <args>`` with this interpreter."""
    return [sys.executable, "-m", "app", *args]


@contextmanager
def serving(
    data_dir: Path,
    log: Path,
    settings: dict[str, str] | None = None,
    port: int | None = None,
    root: Path = ROOT,
    workers: int = 1,
) -> Iterator[str]:
    """``aidmap serve`` (``workers`` processes) on ``data_dir`` until the block ends; its
    base URL. ``root`` is the checkout whose ``app`` serves (another one's: a baseline to
    compare).

    ``{base}`` in a setting's value is replaced by the base URL (for AIDMAP_BASE_URL).
    Exits the script when the server stops early or does not answer within 120 s.
    """
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {k: v.replace("{base}", base) for k, v in (settings or {}).items()}
    command = aidmap("serve", "--host", "127.0.0.1", "--port", str(port),
                     "--data-dir", str(data_dir), "--log-level", "warning",
                     *(["--workers", str(workers)] if workers != 1 else []))  # fmt: skip
    # (no --workers for one: a baseline checkout from before it had none)
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=root, env=child_env(settings), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(
                    f"aidmap serve exited with {process.returncode}:\n{log.read_text()}"
                )
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("aidmap serve was not ready (/readyz) within 120 s")
            time.sleep(0.05)
        yield base
    finally:
        stop(process)


def create_token(data_dir: Path) -> str:
    """A volunteer token made by ``aidmap token create`` (which also seeds a new database);
    its secret."""
    done = subprocess.run(
        aidmap("token", "create", "--create-db", "--name", "bench", "--role", "volunteer",
               "--data-dir", str(data_dir)),
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"aidmap token create failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it does not stop within 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
