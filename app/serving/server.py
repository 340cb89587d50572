"""Running the app under uvicorn, in one process or several workers, with the connection
layer's limits and trusted proxies."""

from __future__ import annotations

import contextlib
import gc
import ipaddress
import logging
import os
import resource
import socket
import sys
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from app.core.addresses import IPNetwork
from app.core.config import Settings
from app.core.logging import configure_logging
from app.core.metrics import counted_together, forget_dead_processes
from app.serving.forwarded import ForwardedHost
from app.serving.peers import PeerTable
from app.serving.protocol import Deadlines, guarded_protocol

RESERVED_FILES = 256
"""Open files kept free of connections: the database and its WAL, log, event loop,
worker threads' SQLite handles, uploads being read, geocoders' sockets."""
GRACEFUL_SHUTDOWN_S = 3
"""Seconds a stopping server waits for open requests (live pages reconnect elsewhere)."""
WORKER_START_S = 60
"""Seconds a worker may take to answer the parent's health check (a new one imports the
app and opens the store first: seconds on a busy machine) before it is replaced."""
NO_HARD_LIMIT_FILES = 1 << 20
"""Soft open-files limit asked for when the hard limit is unlimited (Linux's usual cap)."""

AppFactory = Callable[[Settings], Any]
"""Builds the ASGI app from the settings (``app.main.create_app``)."""
log = logging.getLogger("aidmap")


def run(
    factory: AppFactory, settings: Settings, host: str, port: int, log_level: str,
    workers: int = 1,
) -> None:  # fmt: skip
    """Serve ``factory(settings)`` on ``host:port`` in ``workers`` processes until SIGINT
    or SIGTERM (``factory``: a module-level function, so a worker receives it by name).

    Each worker builds its own app (store connections, caches, event poller) and drains
    its own requests when stopped; with more than one, a parent process holds the socket,
    starts them, replaces one that dies and passes SIGTERM on to each.
    """
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
    deadlines = Deadlines(
        header_s=settings.header_timeout_s,
        body_s=settings.body_timeout_s,
        body_min_rate=settings.body_min_rate,
        send_s=settings.send_timeout_s,
    )
    per_client = min(settings.max_connections_per_client, total)
    log.info(
        "connections: at most %d, %d per client%s; forwarded headers %s",
        total, per_client, " in each worker" if workers > 1 else "",
        f"from {len(trusted)} networks" if trusted else "ignored",
    )  # fmt: skip
    config = AppConfig(
        factory, settings, deadlines, (total, per_client), log_level,
        host=host, port=port, log_level=log_level, workers=workers,
        log_config=None, access_log=False,  # logging is set up; aidmap.access replaces uvicorn's
        ws="none",  # no WebSocket routes to upgrade to
        proxy_headers=False,  # ForwardedHost applies them, seeing the proxy's own address first
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        timeout_worker_healthcheck=WORKER_START_S,
    )  # fmt: skip
    address = map_address(settings, host, port)
    if workers > 1:
        log.info("%d workers starting: open %s in a browser once they are ready", workers, address)
        with counted_together():  # any worker's /metrics: the server's totals
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    server = AnnouncingServer(config, address)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class AppConfig(uvicorn.Config):
    """uvicorn's configuration, building the app and its connection guard in the process
    that serves them (``load``): a worker process gets this object pickled, and an app, a
    connection table or a protocol class made for these limits cannot travel that way."""

    def __init__(
        self,
        build_app: AppFactory,
        settings: Settings,
        deadlines: Deadlines,
        connections: tuple[int, int],
        aidmap_log_level: str,
        **options: Any,
    ) -> None:
        self.build_app, self.settings = build_app, settings  # not uvicorn's factory flag
        self.deadlines, self.connections = deadlines, connections
        self.aidmap_log_level = aidmap_log_level
        super().__init__("app.main:create_app", **options)  # a name: uvicorn only checks it

    def configure_logging(self) -> None:
        """aidmap's handlers, then uvicorn's levels and its access log off (aidmap.access
        replaces it), again in each worker process."""
        configure_logging(self.settings.log_format, self.aidmap_log_level)
        super().configure_logging()

    def load(self) -> None:
        """Build the app and the protocol class in this process, then let uvicorn wrap it;
        then set what import and building made aside from the garbage collector
        (``gc.freeze``): ~200,000 objects (modules, functions, classes) that live as long
        as the process, which each full collection walked holding the GIL, so the event
        loop: 0.13-0.34 s at a time, every request under way waiting it out (the tail of
        a page of hospitals, docs/decisions.md). Frozen objects are still freed by
        reference counting; only cycles among them would stay."""
        if self.loaded:
            return
        forget_dead_processes()  # replacing a killed worker: its open connections go
        trusted = tuple(self.settings.trusted_proxies)
        total, per_client = self.connections
        self.app = ForwardedHost(
            self.build_app(self.settings), trusted, forwarded_allow_ips(trusted)
        )
        self.http = guarded_protocol(self.deadlines, PeerTable(total, per_client, trusted))
        super().load()
        gc.collect()
        gc.freeze()


def worker_count(wanted: int | str) -> int:
    """Processes to run: ``wanted``, or one per CPU this process may use for ``auto``."""
    if wanted != "auto":
        return int(wanted)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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
