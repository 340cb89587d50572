"""Two ``aidmap serve`` replicas on one PostGIS database: nothing lost, live across them."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.domain.enums import Role
from app.services.auth import create_token
from app.storage import open_store
from tests import postgres
from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.cli.test_status_concurrency import write_concurrently

pytestmark = pytest.mark.server
UPDATES = 12


@pytest.fixture
def replicas(tmp_path: Path, seeded_postgis: str):
    """Two servers on different ports sharing a copy of the seeded PostGIS database, the
    first answering nearest queries from memory, the second with the database's KNN;
    their base URLs and a volunteer's secret."""
    name = postgres.create_database(template=seeded_postgis)
    env = {"AIDMAP_DATABASE_URL": postgres.database_url(name)}
    store = open_store(Settings(database_url=env["AIDMAP_DATABASE_URL"]))
    try:
        _, secret = create_token(store, "load", Role.volunteer)
    finally:
        store.close()
    servers, bases = [], []
    try:
        for n, index in enumerate(("memory", "database")):
            port = free_port()
            env_n = env | {"AIDMAP_NEAREST_INDEX": index}
            servers.append(start_serve(tmp_path / "unused", port, tmp_path / f"serve{n}.log",
                                       "--log-level", "warning", env=env_n))  # fmt: skip
            wait_healthy(servers[-1], port)
            bases.append(f"http://127.0.0.1:{port}")
        yield tuple(bases), secret
    finally:
        for server in servers:
            stop(server)
        postgres.drop_database(name)
    for n in range(2):
        assert "Traceback" not in (tmp_path / f"serve{n}.log").read_text()


def test_updates_through_both_replicas_lose_nothing(replicas):
    bases, secret = replicas
    write_concurrently(bases, secret, UPDATES)


def test_a_page_on_one_replica_sees_updates_made_through_the_other(replicas):
    (first, second), secret = replicas
    seen: list[dict] = []
    listening = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", first + "/api/v1/events", timeout=30) as response:
            for line in response.iter_lines():
                listening.set()
                if line.startswith("data: ") and "resource_id" in line:
                    seen.append(json.loads(line.removeprefix("data: ")))
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert listening.wait(10)
    version = httpx.get(f"{second}/api/v1/resources/3").json()["version"]
    put = httpx.put(
        f"{second}/api/v1/resources/3/status/emergency",
        json={"state": "open", "note": "via the other replica"},
        headers={"Authorization": f"Bearer {secret}", "If-Match": f'"{version}"'},
    )
    assert put.status_code == 200, put.text
    thread.join(timeout=10)
    assert [(e["resource_id"], e["status"]["note"]) for e in seen] == [
        (3, "via the other replica"),
    ]  # fmt: skip
    assert 3 in open_for_emergency(first)  # its in-memory index caught up with the other
    assert 3 in open_for_emergency(second)
    put = httpx.put(
        f"{first}/api/v1/resources/3/status/emergency",
        json={"state": "closed"},
        headers={"Authorization": f"Bearer {secret}", "If-Match": put.headers["ETag"]},
    )
    assert put.status_code == 200, put.text
    assert 3 not in open_for_emergency(second)  # the database's KNN answers from the commit


def open_for_emergency(base: str) -> list[int]:
    """Ids of the 50 hospitals nearest People's Square open for emergencies, per ``base``."""
    nearest = httpx.get(
        f"{base}/api/v1/nearest",
        params={"lon": 121.47, "lat": 31.23, "service": "emergency", "k": 50},
    )
    assert nearest.status_code == 200, nearest.text
    if nearest.json()["answer"] != "open":  # none open: the nearest offering it, as a fallback
        return []
    return [feature["id"] for feature in nearest.json()["features"]]


def test_the_31st_share_from_one_address_is_refused_whichever_replica_answers(replicas):
    bases, _ = replicas
    view = {"center": [121.4737, 31.2304], "service": "dialysis"}
    answers = [
        httpx.post(f"{bases[n % 2]}/api/v1/share", json=view | {"zoom": 3 + n % 15})
        for n in range(31)
    ]
    assert {a.status_code for a in answers[:30]} <= {200, 201}, [a.text for a in answers]
    assert answers[30].status_code == 429 and int(answers[30].headers["Retry-After"]) >= 1
    assert httpx.post(f"{bases[0]}/api/v1/share", json=view | {"zoom": 3}).status_code == 429
    failed = [httpx.get(f"{bases[n % 2]}/api/v1/session",
                        headers={"Authorization": "Bearer wrong"}) for n in range(11)]  # fmt: skip
    assert [f.status_code for f in failed] == [401] * 10 + [429]
