"""Shared request dependencies as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from app.core.config import Settings
from app.storage.base import Resource, Store


def get_store(request: Request) -> Store:
    """The store opened by the app's lifespan."""
    return request.app.state.store


def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_resource(store: StoreDep, resource_id: Annotated[int, Path(ge=1)]) -> Resource:
    """The resource named in the path; 404 through the NotFound handler otherwise."""
    return store.get_resource(resource_id)


ResourceById = Annotated[Resource, Depends(get_resource)]
