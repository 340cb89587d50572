"""A store with no connection free in time is a 503 with Retry-After, never a 500
(issue 13, finding 15)."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.storage import sql_support
from tests.storage.test_store_pools import hold_every_read_connection


def test_a_read_with_no_connection_free_is_503_with_retry_after(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(sql_support, "READ_POOL_TIMEOUT_S", 0.3, raising=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/resources/1").status_code == 200
        with ExitStack() as stack:
            hold_every_read_connection(client.app.state.context.store, stack)
            busy = client.get("/api/v1/resources/1")
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
        assert busy.json() == {
            "error": {"code": "storage_unavailable", "message": "storage is unavailable"}
        }
        assert client.get("/api/v1/resources/1").status_code == 200
