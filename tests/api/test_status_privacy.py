"""Volunteers' names never reach a public surface (review finding 7).

A real ``aidmap serve`` on loopback: a verifier whose token name carries a marker reports,
verifies, batches, files a late report, shares and reports a problem; then every GET route
of the app's own OpenAPI document (and the page, the shared page and the metrics, which it
does not list) is read without a token, the event stream replayed from the start, and no
answer, nor the server's log, may hold the marker (nor the problem report's words). The
same reads with the token show the marker.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.domain.enums import Role
from app.services.auth import create_token
from app.services.seeding import ensure_seeded
from app.storage import open_store
from tests.cli.serving import free_port, start_serve, stop, wait_healthy

pytestmark = pytest.mark.server

MARKER = "Zq7x9"
NAME = f"王阿姨 {MARKER}"
REPORTED = "Rq3v8"
"""In a public problem report's text: unverified words that no public read may repeat."""
FORMATS = ("geojson", "csv", "xlsx", "gpkg")
NOT_IN_THE_DOCUMENT = ("/", "/s/{code}", "/metrics")


@dataclass(frozen=True)
class Server:
    """A running server, its log, and the marked verifier's Authorization header."""

    base: str
    log: Path
    auth: dict[str, str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("privacy")
    settings = Settings(data_dir=tmp / "data", database_url="")
    store = open_store(settings)
    try:
        ensure_seeded(store, settings.geodata_dir)
        _, secret = create_token(store, NAME, Role.verifier)
    finally:
        store.close()
    port, log = free_port(), tmp / "serve.log"
    base = f"http://127.0.0.1:{port}"
    process = start_serve(settings.data_dir, port, log, "--log-level", "info",
                          env={"AIDMAP_BASE_URL": base})  # fmt: skip
    try:
        wait_healthy(process, port)
        yield Server(base, log, {"Authorization": f"Bearer {secret}"})
    finally:
        stop(process)


def write_everything(http: httpx.Client, auth: dict[str, str]) -> dict[str, object]:
    """Every kind of status write, by the marked verifier; the values the reads need."""
    hospitals = http.get("/api/v1/resources", params={"kind": "hospital", "limit": 2}).json()
    first, second = hospitals
    rid = first["id"]

    def put(service: str, body: dict) -> httpx.Response:
        etag = http.get(f"/api/v1/resources/{rid}").headers["ETag"]
        answer = http.put(f"/api/v1/resources/{rid}/status/{service}", json=body,
                          headers=auth | {"If-Match": etag})  # fmt: skip
        assert answer.status_code == 200, answer.text
        return answer

    put("dialysis", {"state": "open", "verified": True, "note": "需预约"})
    put("emergency", {"state": "limited"})
    etag = http.get(f"/api/v1/resources/{rid}").headers["ETag"]
    verified = http.post(f"/api/v1/resources/{rid}/status/emergency/verify",
                         headers=auth | {"If-Match": etag})  # fmt: skip
    assert verified.status_code == 200
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    put("dialysis", {"state": "closed", "reported_at": an_hour_ago})  # late: history only
    item = {"resource_id": second["id"], "service": "dialysis",
            "expected_version": second["version"], "update": {"state": "open"}}  # fmt: skip
    assert http.post("/api/v1/status-batch", json={"items": [item]}, headers=auth).is_success
    report = http.post(f"/api/v1/resources/{rid}/reports", json={"text": f"电话打不通 {REPORTED}"})
    assert report.status_code == 201
    nearest = {"lon": first["lon"], "lat": first["lat"], "service": "dialysis", "k": 3}
    share = http.post("/api/v1/share", json={"center": [first["lon"], first["lat"]], "zoom": 14,
                                             "service": "dialysis", "resource_id": rid,
                                             "nearest": nearest})  # fmt: skip
    assert share.status_code == 201, share.text
    return {"resource_id": rid, "unit_id": 1, "collection_id": "hospitals", "feature_id": rid,
            "layer": "hospitals", "code": share.json()["code"],
            "token_id": 1, "lon": first["lon"], "lat": first["lat"], "name": "a-source",
            "request_id": 1, "secret": "not-a-secret"}  # fmt: skip


def public_urls(paths: list[str], values: dict[str, object]) -> Iterator[str]:
    """Each path with its parameters filled in (every format of an export), and the query
    strings that make an answer carry statuses."""
    near = f"lon={values['lon']}&lat={values['lat']}&service=dialysis&state=open,limited,closed"
    queries = {
        "/api/v1/resources": ["", "?kind=hospital&service=dialysis&state=open&state=closed"],
        "/api/v1/nearest": [f"?{near}&fresh=false"],
        "/api/v1/layers/{collection_id}/clusters": ["?zoom=12&service=dialysis"],
        "/api/v1/geocode": ["?q=人民广场"],
        "/ogc/collections/{collection_id}/items": ["", "?service=dialysis", "?f=html"],
        "/ogc/collections/{collection_id}/items/{feature_id}": ["", "?f=html"],
        "/api/v1/events": ["?after=0"],
    }
    for path in paths:
        names = re.findall(r"{(\w+)}", path)
        unknown = set(names) - {*values, "fmt"}
        assert not unknown, f"{path}: give this sweep a value for {unknown}"
        for fmt in FORMATS if "fmt" in names else (None,):
            filled = path.replace("{fmt}", fmt or "")
            for name in names:
                filled = filled.replace(f"{{{name}}}", str(values.get(name, "")))
            for query in queries.get(path, [""]):
                yield filled + query


def body_text(response: httpx.Response) -> str:
    """What an answer carries, spreadsheets unzipped; undecodable bytes kept as escapes."""
    if response.content[:2] == b"PK":  # xlsx: the text is in the zipped XML
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return response.content.decode("utf-8", "backslashreplace")


def replay_events(base: str) -> str:
    """The event stream from its start, until it falls quiet."""
    lines = []
    timeout = httpx.Timeout(10, read=1.5)
    with httpx.stream("GET", f"{base}/api/v1/events?after=0", timeout=timeout) as stream:
        assert stream.status_code == 200
        try:
            for line in stream.iter_lines():
                lines.append(line)
        except httpx.ReadTimeout:
            pass
    return "\n".join(lines)


def test_no_public_read_names_a_volunteer(server: Server):
    with httpx.Client(base_url=server.base, timeout=30) as http:
        values = write_everything(http, server.auth)
        document = http.get("/openapi.json").json()
        paths = [p for p, operations in document["paths"].items() if "get" in operations]
        urls = list(public_urls([*paths, *NOT_IN_THE_DOCUMENT], values))
        assert len(urls) > len(paths) + len(NOT_IN_THE_DOCUMENT) + len(FORMATS)
        for url in urls:
            if url.startswith("/api/v1/events"):
                text = replay_events(server.base)
                assert text.count("event: status") == 4  # every status write but the late one
            else:
                response = http.get(url)
                assert response.status_code < 500, f"{url}: {response.status_code}"
                text = body_text(response)
            assert MARKER not in text, f"GET {url} names the volunteer"
            assert REPORTED not in text, f"GET {url} repeats a problem report's words"
        # The marker is there to be found: signed-in callers see who reported and verified.
        rid = values["resource_id"]
        read = http.get(f"/api/v1/resources/{rid}", headers=server.auth)
        dialysis = next(s for s in read.json()["statuses"] if s["service"] == "dialysis")
        assert (dialysis["reported_by"], dialysis["verified_by"]) == (NAME, NAME)
        history = http.get(f"/api/v1/resources/{rid}/history", headers=server.auth)
        assert {h["status"]["reported_by"] for h in history.json()} == {NAME}
        for named in (read, history):  # never kept by a shared cache for the public
            assert named.headers["Cache-Control"] == "private"
            assert "Authorization" in named.headers["Vary"].split(", ")
        public_read = http.get(f"/api/v1/resources/{rid}")
        assert "Authorization" in public_read.headers["Vary"].split(", ")
        public = public_read.json()
        shown = next(s for s in public["statuses"] if s["service"] == "dialysis")
        assert (shown["verified"], shown["reported_by"], shown["verified_by"]) == (True, None, None)
        assert shown["verified_at"] and shown["reported_at"]
        assert public["problem_reported_at"]  # the public learns a problem is being checked
    assert MARKER not in server.log.read_text() and REPORTED not in server.log.read_text()
