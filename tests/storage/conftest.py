"""The storage tests run against every backend: a SQLite file and a PostGIS database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.core.config import Settings
from app.storage import open_store
from app.storage.port import Store


@pytest.fixture(params=["sqlite", "postgis"])
def store_settings(request: pytest.FixtureRequest, sqlite_settings: Settings) -> Settings:
    """Settings naming a fresh store of each backend."""
    if request.param == "sqlite":
        return sqlite_settings
    url = request.getfixturevalue("postgis_url")
    return Settings(data_dir=sqlite_settings.data_dir, database_url=url)


@pytest.fixture
def store(store_settings: Settings) -> Iterator[Store]:
    """An empty, migrated store of the backend under test."""
    store = open_store(store_settings)
    yield store
    store.close()
