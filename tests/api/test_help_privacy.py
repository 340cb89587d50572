"""No public surface holds a requester's phone, name, text or exact position (issue 18).

A real ``aidmap serve`` on loopback: requests are sent with marker values (a phone, a
name, a text, an answer's free text, information added later, an exact point), volunteers
claim, reveal, note, match and close them; then every GET route of the app's own OpenAPI
document (its path parameters filled with real ids and the real tracking secret, every
export format), the page, a share's page, text card and preview, ``/metrics``, the OGC
collections, the event stream and the server's log are read without a token, and none may
hold a marker, on both backends. The same markers are there for the request's holder: the
sweep could find them if they leaked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from app.core.config import Settings
from app.domain.enums import Role
from app.services.auth import create_token
from app.services.seeding import ensure_seeded
from app.storage import open_store
from tests import postgres
from tests.api.test_status_privacy import body_text, public_urls, replay_events
from tests.cli.serving import free_port, start_serve, stop, wait_healthy

pytestmark = pytest.mark.server

PHONE = "13987654321"
NAME = "Qm4Name"
TEXT = "Wv3Text 父亲需要透析"
NEED = "Xk5Need 胰岛素"
ADDED = "Yp6Added 住在3楼"
LON, LAT = 121.473719, 31.230483
MARKERS = (PHONE, "87654321", "9876543", NAME, "Wv3Text", "Xk5Need", "Yp6Added",
           "121.47371", "31.23048")  # fmt: skip
"""The phone, whole and in part (the board may show ``139****4321``, never more), and the
point to five decimals (about 1 m; answers round it to three)."""
NOT_IN_THE_DOCUMENT = ("/", "/help", "/s/{code}", "/s/{code}.txt", "/s/{code}/preview.png",
                       "/metrics")  # fmt: skip


@dataclass(frozen=True)
class Server:
    """A running server, its log, and the volunteers' Authorization headers."""

    base: str
    log: Path
    volunteer: dict[str, str]
    coordinator: dict[str, str]


@pytest.fixture(scope="module", params=["sqlite", "postgis"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           ) -> Iterator[Server]:  # fmt: skip
    """A seeded server on each backend (a SQLite file, a fresh PostGIS database)."""
    tmp = tmp_path_factory.mktemp("help-privacy")
    database = None
    if request.param == "postgis":
        database = postgres.create_database(template=request.getfixturevalue("postgis_template"))
    url = postgres.database_url(database) if database else ""
    try:
        yield from _serve(tmp, Settings(data_dir=tmp / "data", database_url=url))
    finally:
        if database:
            postgres.drop_database(database)


def _serve(tmp: Path, settings: Settings) -> Iterator[Server]:
    store = open_store(settings)
    try:
        ensure_seeded(store, settings.geodata_dir)
        _, volunteer = create_token(store, "王阿姨", Role.volunteer)
        _, coordinator = create_token(store, "协调员", Role.coordinator)
    finally:
        store.close()
    port, log = free_port(), tmp / "serve.log"
    base = f"http://127.0.0.1:{port}"
    env = {"AIDMAP_BASE_URL": base} | (
        {"AIDMAP_DATABASE_URL": settings.database_url} if settings.database_url else {}
    )
    process = start_serve(settings.data_dir, port, log, "--log-level", "info", env=env)
    try:
        wait_healthy(process, port)
        yield Server(base, log, {"Authorization": f"Bearer {volunteer}"},
                     {"Authorization": f"Bearer {coordinator}"})  # fmt: skip
    finally:
        stop(process)


def ask_for_help(http: httpx.Client, server: Server) -> dict[str, object]:
    """Requests with the markers, worked on by volunteers; the values the reads need."""
    point = {"lon": LON, "lat": LAT}
    first = http.post("/api/v1/help-requests", json={
        "service": "dialysis", "answers": {}, "location": point, "phone": PHONE, "name": NAME,
        "text": TEXT, "consent": True})  # fmt: skip
    assert first.status_code == 201, first.text
    other = http.post("/api/v1/help-requests", json={
        "service": "other", "answers": {"need": NEED}, "location": point,
        "phone": f"+86 {PHONE}", "name": NAME, "text": TEXT, "consent": True})  # fmt: skip
    assert other.status_code == 201, other.text
    again = http.post("/api/v1/help-requests", json={
        "service": "dialysis", "answers": {}, "location": point, "phone": PHONE,
        "text": TEXT, "consent": True})  # fmt: skip
    assert again.json()["merged_into"] == first.json()["id"]
    link = urlsplit(first.json()["tracking_url"]).path
    assert http.post(f"{link}/messages", json={"text": ADDED}).status_code == 201
    rid = first.json()["id"]
    board = f"/api/v1/help-requests/{rid}"
    assert http.post(f"{board}/claim", headers=server.volunteer).status_code == 200
    revealed = http.get(board, headers=server.volunteer).json()
    assert (revealed["phone"], revealed["name"], revealed["lon"]) == (PHONE, NAME, LON)
    assert ADDED in str(revealed["events"])  # the markers are there to be found
    for note in ({"text": f"私下：{PHONE}"}, {"text": "正在联系医院", "public": True}):
        assert http.post(f"{board}/notes", json=note, headers=server.volunteer).is_success
    for body in ({"state": "contacting"}, {"state": "matched", "resource_id": 2}):
        moved = http.post(f"{board}/transition", json=body, headers=server.volunteer)
        assert moved.status_code == 200, moved.text
    assert http.get(f"{board}/matches", headers=server.volunteer).status_code == 200
    closed = http.post(f"/api/v1/help-requests/{other.json()['id']}/transition",
                       json={"state": "closed", "reason": "out_of_scope"},
                       headers=server.coordinator)  # fmt: skip
    assert closed.status_code == 200
    hospital = http.get("/api/v1/resources/2").json()
    nearest = {"lon": hospital["lon"], "lat": hospital["lat"], "service": "dialysis", "k": 3}
    share = http.post("/api/v1/share", json={
        "center": [hospital["lon"], hospital["lat"]], "zoom": 14, "service": "dialysis",
        "resource_id": 2, "nearest": nearest})  # fmt: skip
    assert share.status_code == 201, share.text
    return {"request_id": rid, "secret": link.rsplit("/", 1)[1], "resource_id": 2,
            "unit_id": 1, "collection_id": "hospitals", "feature_id": 2, "layer": "hospitals",
            "code": share.json()["code"], "token_id": 1, "lon": hospital["lon"],
            "lat": hospital["lat"], "name": "a-source"}  # fmt: skip


def test_no_public_surface_holds_a_requesters_details(server: Server):
    with httpx.Client(base_url=server.base, timeout=30) as http:
        values = ask_for_help(http, server)
        document = http.get("/openapi.json").json()
        paths = [p for p, operations in document["paths"].items() if "get" in operations]
        assert {"/h/{secret}", "/api/v1/help-stats", "/api/v1/help-requests"} <= set(paths)
        urls = list(public_urls([*paths, *NOT_IN_THE_DOCUMENT], values))
        urls += [f"/h/{values['secret']}?f=json", f"/h/{values['secret']}?lang=en",
                 "/ogc/collections", "/api/v1/help-requests?state=closed"]  # fmt: skip
        read = 0
        for url in urls:
            if url.startswith("/api/v1/events"):
                text = replay_events(server.base)
            else:
                response = http.get(url)
                assert response.status_code < 500, f"{url}: {response.status_code}"
                text = body_text(response)
            read += 1
            for marker in MARKERS:
                assert marker not in text, f"GET {url} holds {marker}"
        assert read > len(paths) + len(NOT_IN_THE_DOCUMENT)
        tracking = http.get(f"/h/{values['secret']}?f=json").json()
        assert (tracking["state"], tracking["repeat"]) == ("matched", True)
        assert tracking["messages"] == []  # sent twice: its links show the state only
    log = server.log.read_text()
    assert values["secret"] not in log
    for marker in MARKERS:
        assert marker not in log, f"the server's log holds {marker}"
