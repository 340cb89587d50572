"""Shared request dependencies and parameter types as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from app.core.config import Settings
from app.storage.base import Store

MAX_ID = 2**63 - 1
"""Largest id a database integer holds; larger path ids are refused with 422, not a 500."""
MAX_OFFSET = 10_000_000

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def get_store(request: Request) -> Store:
    """The store opened by the app's lifespan."""
    return request.app.state.store


def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
