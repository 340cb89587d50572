"""Readiness means the store answers: a PostGIS table locked by another session makes
/readyz and /healthz 503 within the deadline while /livez still says the process is up.
(Worker threads held by real requests: tests/cli/test_serve_geocoding.py.)"""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text

from app.core.config import Settings
from app.main import create_app
from tests import postgres


def busy_sessions_end(conn: Connection, database: str) -> None:
    """Wait until no other session of ``database`` runs a query or holds a transaction."""
    busy = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
        " AND state IN ('active', 'idle in transaction')"
    )
    while conn.execute(busy, {"name": database}).scalar_one():
        conn.rollback()
        time.sleep(0.01)


def test_readiness_fails_while_the_store_does_not_answer(seeded_postgis: str, tmp_path: Path):
    name = postgres.create_database(template=seeded_postgis)
    url = postgres.database_url(name)
    engine = create_engine(url)
    try:
        settings = Settings(data_dir=tmp_path / "data", database_url=url, ready_timeout_s=0.5)
        with TestClient(create_app(settings)) as client:
            assert client.get("/readyz").json() == {"status": "ok"}
            with engine.connect() as other:
                other.execute(text("LOCK TABLE meta IN ACCESS EXCLUSIVE MODE"))
                stuck, health = client.get("/readyz"), client.get("/healthz")
                live = client.get("/livez")
                other.rollback()
                busy_sessions_end(other, name)  # the probes given up on: not to leak at close
            assert client.get("/readyz").status_code == 200
    finally:
        engine.dispose()
        postgres.drop_database(name)
    assert (stuck.status_code, stuck.json()["error"]["code"]) == (503, "not_ready")
    assert "0.5 s" in stuck.json()["error"]["message"]
    assert health.status_code == 503 and live.status_code == 200
