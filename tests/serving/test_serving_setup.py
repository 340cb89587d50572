"""How ``aidmap serve`` sets up the connection layer: settings, open files, trusted proxies."""

from __future__ import annotations

import gc
import ipaddress
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.core.config import Settings
from app.serving.protocol import Deadlines
from app.serving.server import AppConfig, connection_cap, forwarded_allow_ips


def test_trusted_proxies_are_addresses_or_networks():
    settings = Settings(trusted_proxies=" 10.0.0.0/8, 192.0.2.1 ,fd00::/8")
    assert [str(network) for network in settings.trusted_proxies] == [
        "10.0.0.0/8", "192.0.2.1/32", "fd00::/8",
    ]  # fmt: skip
    assert Settings().trusted_proxies == []  # the default: forwarded headers are ignored


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"trusted_proxies": "10.0.0.1/8"}, "'10.0.0.1/8' is not an IP address or network"),
        ({"trusted_proxies": "proxy.internal"}, "'proxy.internal' is not an IP address"),
        ({"max_connections": 100, "max_connections_per_client": 101}, "PER_CLIENT is above"),
        ({"header_timeout_s": 0}, "greater than 0"),
        ({"body_min_rate": 0}, "greater than 0"),
    ],
)
def test_unusable_serving_settings_are_refused(settings: dict, message: str):
    with pytest.raises(ValidationError, match=message):
        Settings(**settings)


def test_a_bad_trusted_proxy_stops_serve_with_one_line(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIDMAP_")}
    result = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--port", "1", "--data-dir", str(tmp_path)],
        env=env | {"AIDMAP_TRUSTED_PROXIES": "10.0.0.0/8,localhost"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "aidmap: error: configuration error: AIDMAP_TRUSTED_PROXIES: "
        "'localhost' is not an IP address or network (10.0.0.0/8)"
    ]


def test_connections_leave_room_for_the_other_open_files():
    assert connection_cap(10_000, 20_000) == 10_000
    assert connection_cap(10_000, 4_096) == 4_096 - 256
    assert connection_cap(10_000, 400) == 200  # a small limit: half of it


def test_the_open_files_limit_is_raised_to_the_hard_limit():
    script = (
        "from app.serving.server import raise_open_files_limit; print(raise_open_files_limit())"
    )

    def low_soft_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 1024))

    result = subprocess.run(
        [sys.executable, "-c", script], preexec_fn=low_soft_limit,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "1024"


def test_a_trusted_ipv4_proxy_is_trusted_on_a_dual_stack_socket_too():
    """With ``--host ::`` an IPv4 proxy's connections come from ``::ffff:10.1.2.3``."""
    trusted = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))
    middleware = ProxyHeadersMiddleware(app=None, trusted_hosts=forwarded_allow_ips(trusted))
    assert "10.1.2.3" in middleware.trusted_hosts
    assert "::ffff:10.1.2.3" in middleware.trusted_hosts
    assert "fd00::5" in middleware.trusted_hosts
    assert "::ffff:11.1.2.3" not in middleware.trusted_hosts
    assert "127.0.0.1" not in middleware.trusted_hosts


def test_what_a_served_process_built_is_set_aside_from_the_garbage_collector(tmp_path: Path):
    async def app(scope, receive, send) -> None:  # the ASGI app the factory builds
        raise AssertionError("not called")

    built = []
    config = AppConfig(
        lambda settings: built.append(settings) or app, Settings(data_dir=tmp_path),
        Deadlines(header_s=5, body_s=5, body_min_rate=1, send_s=5), (10, 2), "warning",
        host="127.0.0.1", port=0,
    )  # fmt: skip
    gc.unfreeze()
    try:
        config.load()
        assert built and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
