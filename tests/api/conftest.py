"""Fixtures of the API tests: one seeded database per session, copied by each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import Settings
from app.services.seeding import ensure_seeded
from app.storage import open_store


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding a seeded SQLite file, made once and copied by each test."""
    data_dir = tmp_path_factory.mktemp("seeded") / "data"
    settings = Settings(data_dir=data_dir, database_url="")
    store = open_store(settings)
    try:
        ensure_seeded(store, settings.geodata_dir)
    finally:
        store.close()
    return data_dir
