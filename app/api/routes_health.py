"""Liveness (the process is up) and readiness (worker threads and the store answer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
from fastapi import APIRouter

from app import __version__
from app.api.checked_route import CheckedRoute
from app.api.context import AppContext
from app.api.deps import ContextDep
from app.api.error_responses import errors
from app.core.errors import AppError
from app.models import Health
from app.storage.meta_keys import MetaKey
from app.storage.port import Store

router = APIRouter(tags=["health"], route_class=CheckedRoute)
T = TypeVar("T")


class NotReady(AppError):
    """No worker thread and store answer within the readiness deadline."""

    status_code = 503
    code = "not_ready"


async def _within_deadline(context: AppContext, work: Callable[[Store], T]) -> T:
    """``work(store)`` on the threads that reads and writes use, or NotReady when a thread
    and the store do not answer within ``AIDMAP_READY_TIMEOUT_S``."""
    store, deadline = context.store, context.settings.ready_timeout_s
    with anyio.move_on_after(deadline):
        return await anyio.to_thread.run_sync(work, store, abandon_on_cancel=True)
    raise NotReady(f"no worker thread and store answer within {deadline:g} s")


@router.get("/readyz", responses=errors(503))
async def read_readiness(context: ContextDep) -> dict[str, str]:
    """Ready for traffic (for load balancers): a worker thread read the store in time."""
    await _within_deadline(context, lambda store: store.get_meta(MetaKey.schema_version))
    return {"status": "ok"}


@router.get("/healthz", response_model=Health, responses=errors(503))
async def read_health(context: ContextDep) -> Health:
    """Readiness, the storage backend and the loaded counts."""
    return await _within_deadline(context, _health)


def _health(store: Store) -> Health:
    return Health(
        status="ok",
        version=__version__,
        storage=store.backend,
        seed_version=store.get_meta(MetaKey.seed_version),
        counts=store.counts(),
    )


@router.get("/livez")
async def read_liveness() -> dict[str, str]:
    """Answer without touching storage or threads: the process is up (for restarts)."""
    return {"status": "ok"}
