"""Fixtures of the API tests: one seeded database per session and backend, copied by each
test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import Settings
from app.services.seeding import ensure_seeded
from app.storage import open_store
from tests import postgres


def _seed(settings: Settings) -> None:
    store = open_store(settings)
    try:
        ensure_seeded(store, settings.geodata_dir)
    finally:
        store.close()


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding a seeded SQLite file, made once and copied by each test."""
    data_dir = tmp_path_factory.mktemp("seeded") / "data"
    _seed(Settings(data_dir=data_dir, database_url=""))
    return data_dir


@pytest.fixture(scope="session")
def seeded_postgis(postgis_template: str) -> Iterator[str]:
    """The name of a seeded PostGIS database, made once, for tests to copy as a template."""
    name = postgres.create_database(template=postgis_template)
    try:
        _seed(Settings(database_url=postgres.database_url(name)))
        yield name
    finally:
        postgres.drop_database(name)
