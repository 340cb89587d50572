"""The list of services hospitals can take patients for."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.checked_route import CheckedRoute
from app.api.deps import StoreDep
from app.models import ServicePublic

router = APIRouter(prefix="/api/v1/services", tags=["services"], route_class=CheckedRoute)


@router.get("", response_model=list[ServicePublic])
def list_services(store: StoreDep) -> list[ServicePublic]:
    """List every service in display order."""
    return [
        ServicePublic(code=s.code, name_zh=s.name_zh, name_en=s.name_en)
        for s in store.list_services()
    ]
