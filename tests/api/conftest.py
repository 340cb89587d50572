"""The app under test: a real app on a real SQLite file, with a clock tests can move."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app


@pytest.fixture
def client(settings: Settings, clock) -> Iterator[TestClient]:
    """A TestClient of ``create_app(settings, clock=clock)``, started and stopped."""
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client
