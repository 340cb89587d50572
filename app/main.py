"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from app import __version__
from app.api import (
    body_limits,
    routes_desk,
    routes_docs,
    routes_events,
    routes_exports,
    routes_geocode,
    routes_health,
    routes_help_board,
    routes_help_intake,
    routes_help_page,
    routes_help_stats,
    routes_help_tracking,
    routes_imports,
    routes_invites,
    routes_join,
    routes_layers,
    routes_locations,
    routes_nearest,
    routes_ogc,
    routes_ogc_part3,
    routes_page,
    routes_queue,
    routes_reports,
    routes_resource_writes,
    routes_resources,
    routes_services,
    routes_sessions,
    routes_share,
    routes_snapshot,
    routes_sources,
    routes_status,
    routes_tokens,
    routes_units,
)
from app.api.body_limits import JsonTooLarge
from app.api.checked_route import CheckedRoute
from app.api.context import AppContext, Limiters
from app.api.error_responses import json_errors
from app.api.import_gate import ImportGate
from app.api.load_limits import LoadLimits
from app.api.observability import add_observability
from app.api.root_path import RootPath
from app.api.routes_page import mount_static
from app.api.security_headers import SecurityHeaders
from app.api.storage_errors import add_storage_error_handler
from app.core.config import Settings, get_settings
from app.core.errors import add_exception_handlers
from app.services.auth import RecentSignIns
from app.services.events import StatusEvents
from app.services.geocoding import ChainHolder
from app.services.help.upkeep import HelpUpkeep
from app.services.nearest import NearestFinder
from app.services.seeding import ensure_seeded
from app.services.sources.poller import SourcePoller, wake_interval
from app.services.sources.run import runner_for
from app.services.stream_slots import StreamSlots
from app.storage import open_store
from app.web.error_page import error_page


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """Build the app; the store is opened (and seeded if new) when it starts.

    ``clock`` gives "now" for freshness (tests pass a frozen one).
    """
    settings = settings or get_settings()
    now = clock or (lambda: datetime.now(UTC))
    signed_in = RecentSignIns()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(settings)
        try:
            ensure_seeded(store, settings.geodata_dir)
            slots = StreamSlots(settings.event_streams, settings.event_streams_per_client)
            context = AppContext(
                settings=settings,
                clock=now,
                store=store,
                geocoders=ChainHolder(settings, store),
                nearest=NearestFinder(store, settings.nearest_index == "database"),
                events=StatusEvents(store, now, settings.status_ttl_hours, slots),
                imports=ImportGate(),
                signed_in=signed_in,
                limits=Limiters.in_store(store),
            )
            app.state.context = context
            poller = None
            if settings.source_polling:
                runner = runner_for(settings, store, context.geocoders.get)
                wake = wake_interval(settings.source_min_interval_s, settings.source_lease_s)
                poller = SourcePoller(runner, wake)
                poller.start()
            retention = timedelta(days=settings.help_retention_days)
            upkeep = HelpUpkeep(store, now, retention)
            upkeep.start()
            yield
            await upkeep.close()
            if poller is not None:
                await poller.close()  # a run in progress stops before it writes
            await context.events.close()
            context.nearest.close()
        finally:
            store.close()

    app = FastAPI(
        title="aidmap",
        version=__version__,
        summary="Which hospitals near me take patients now: a resource map for mutual aid.",
        lifespan=lifespan,
        redirect_slashes=False,  # its redirects would name the Host a client sent
        docs_url=None,  # routes_docs serves /docs from our origin; FastAPI's uses a CDN
        openapi_url=None,  # routes_docs serves it, naming the root path each request came by
        redoc_url=None,
    )
    add_exception_handlers(app)
    add_storage_error_handler(app)
    app.state.error_page = error_page  # browsers opening a page path get errors as a page
    app.add_middleware(
        LoadLimits, signed_in=signed_in
    )  # innermost: its 503s get every other middleware's headers
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(JsonTooLarge)
    app.add_middleware(SecurityHeaders)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "X-Request-ID",
            ],  # never X-Aidmap-Page: other sites' pages cannot send a session's writes
            expose_headers=["ETag", "Retry-After", "Location", "X-Request-ID"],
            max_age=600,
        )
    add_observability(app, settings)  # after GZip: outside it, so it sees every answer
    app.add_middleware(RootPath, configured=settings.root_path)  # outermost: paths as routed
    routers = (
        routes_health,
        routes_nearest,  # the busiest public route: matched before the ones that follow
        routes_services,
        routes_units,
        routes_resources,
        routes_resource_writes,
        routes_ogc,
        routes_ogc_part3,
        routes_layers,
        routes_status,
        routes_queue,
        routes_locations,
        routes_reports,
        routes_tokens,
        routes_invites,
        routes_join,
        routes_desk,
        routes_sessions,
        routes_geocode,
        routes_imports,
        routes_sources,
        routes_help_intake,
        routes_help_board,
        routes_help_stats,
        routes_help_tracking,
        routes_help_page,
        routes_snapshot,  # before routes_exports, whose /{layer}.{fmt} would take map.html
        routes_exports,
        routes_events,
        routes_docs,
        routes_share,  # before routes_page's GET /s/{code}, so /s/{code}.txt is not a page
        routes_page,
    )
    for module in routers:
        if module.router.route_class is not CheckedRoute:  # its checks would be skipped
            raise TypeError(f"{module.__name__}'s router does not use CheckedRoute")
        app.include_router(module.router, max_body_size=body_limits.DEFAULT)
    mount_static(app)
    json_errors(app)
    return app
