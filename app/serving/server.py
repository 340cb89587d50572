"""Running the app under uvicorn with the connection layer's limits and trusted proxies."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import resource
import socket
import sys

import uvicorn
from fastapi import FastAPI
from uvicorn.server import STARTUP_FAILURE

from app.core.addresses import IPNetwork
from app.core.config import Settings
from app.serving.forwarded import ForwardedHost
from app.serving.peers import PeerTable
from app.serving.protocol import Deadlines, guarded_protocol

RESERVED_FILES = 256
"""Open files kept free of connections: the database and its WAL, log, event loop,
worker threads' SQLite handles, uploads being read, geocoders' sockets."""
GRACEFUL_SHUTDOWN_S = 3
"""Seconds a stopping server waits for open requests (live pages reconnect elsewhere)."""
NO_HARD_LIMIT_FILES = 1 << 20
"""Soft open-files limit asked for when the hard limit is unlimited (Linux's usual cap)."""

log = logging.getLogger("aidmap")


def run(app: FastAPI, settings: Settings, host: str, port: int, log_level: str) -> None:
    """Serve ``app`` on ``host:port`` until SIGINT or SIGTERM."""
    if settings.base_url:
        log.info("links start with %s (AIDMAP_BASE_URL)", settings.base_url)
    elif settings.trusted_proxies and not settings.allowed_hosts:
        log.warning(
            "links name this server's own address and are not publicly cached: a proxy's "
            "X-Forwarded-Host is used only if AIDMAP_ALLOWED_HOSTS names it; set "
            "AIDMAP_BASE_URL (or AIDMAP_ALLOWED_HOSTS) to the public address"
        )
    elif host not in {"127.0.0.1", "::1", "localhost"} and not settings.allowed_hosts:
        log.warning(
            "listening on %s without AIDMAP_BASE_URL: links name the address each request "
            "reached (a container's own address, say), uncached; set AIDMAP_BASE_URL",
            host,
        )
    else:
        log.info("links name the address each request reached (set AIDMAP_BASE_URL to fix one)")
    files = raise_open_files_limit()
    total = connection_cap(settings.max_connections, files)
    if total < settings.max_connections:
        log.warning("open-files limit %d: at most %d connections", files, total)
    trusted = tuple(settings.trusted_proxies)
    peers = PeerTable(total, min(settings.max_connections_per_client, total), trusted)
    deadlines = Deadlines(
        header_s=settings.header_timeout_s,
        body_s=settings.body_timeout_s,
        body_min_rate=settings.body_min_rate,
        send_s=settings.send_timeout_s,
    )
    log.info(
        "connections: at most %d, %d per client; forwarded headers %s",
        total, peers.per_client, f"from {len(trusted)} networks" if trusted else "ignored",
    )  # fmt: skip
    served = ForwardedHost(app, trusted, forwarded_allow_ips(trusted))  # X-Forwarded-* applied
    config = uvicorn.Config(
        served, host=host, port=port, log_level=log_level,
        log_config=None, access_log=False,  # logging is set up; aidmap.access replaces uvicorn's
        http=guarded_protocol(deadlines, peers), ws="none",  # no WebSocket routes to upgrade to
        proxy_headers=False,  # ForwardedHost applies them, seeing the proxy's own address first
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )  # fmt: skip
    server = AnnouncingServer(config, map_address(settings, host, port))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class AnnouncingServer(uvicorn.Server):
    """uvicorn's server, which says where to open the map once it listens."""

    def __init__(self, config: uvicorn.Config, address: str) -> None:
        super().__init__(config)
        self.address = address

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Listen; then name the address to open."""
        await super().startup(sockets)
        if self.started:
            log.info("ready: open %s in a browser", self.address)


def map_address(settings: Settings, host: str, port: int) -> str:
    """The map's address for a person: the public one when AIDMAP_BASE_URL names it, else
    this machine's (``127.0.0.1`` for a server listening on every interface)."""
    if settings.base_url:
        return f"{settings.base_url}{settings.root_path}/"
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"


def raise_open_files_limit() -> int:
    """Raise this process's soft open-files limit to its hard limit; the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = NO_HARD_LIMIT_FILES if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):  # a container may refuse: keep what we have
            pass
    return NO_HARD_LIMIT_FILES if soft == resource.RLIM_INFINITY else soft


def connection_cap(wanted: int, files: int) -> int:
    """``wanted`` connections, or fewer so that ``files`` open files leave room for the rest."""
    return max(1, min(wanted, max(files - RESERVED_FILES, files // 2)))


def forwarded_allow_ips(trusted: tuple[IPNetwork, ...]) -> list[str]:
    """uvicorn's list of trusted proxies: each network, and an IPv4 network also as IPv4-mapped
    IPv6 (how an IPv4 peer appears on a dual-stack ``--host ::`` socket)."""
    allowed = [str(network) for network in trusted]
    for network in trusted:
        if isinstance(network, ipaddress.IPv4Network):
            mapped = ipaddress.IPv6Address(f"::ffff:{network.network_address}")
            allowed.append(f"{mapped}/{96 + network.prefixlen}")
    return allowed
