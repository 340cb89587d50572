"""Liveness and what is loaded."""

from __future__ import annotations

from fastapi import APIRouter

from app import __version__
from app.api.deps import StoreDep
from app.models import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def read_health(store: StoreDep) -> Health:
    """Report that the service answers, its storage backend and the loaded counts."""
    return Health(
        status="ok",
        version=__version__,
        storage=store.backend,
        seed_version=store.get_meta("seed_version"),
        counts=store.counts(),
    )


@router.get("/livez")
async def read_liveness() -> dict[str, str]:
    """Answer without touching storage: the process is up (for load balancers)."""
    return {"status": "ok"}
