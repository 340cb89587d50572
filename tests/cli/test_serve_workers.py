"""``aidmap serve --workers 2`` on one SQLite file: the rules that must hold once for the
whole server (rate limits, claims, sessions) hold whichever worker answers, and a page
connected to one worker sees what was written through the other.

Which worker takes a connection is the kernel's choice; each test sends its requests on
many connections at once and then reads every worker's own ``/metrics`` (told apart by
its process start time) to check that both answered some of them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from app.core.config import Settings
from app.domain.enums import Role
from app.services.auth import create_token
from app.storage import open_store
from tests import seeded
from tests.cli.serving import free_port, start_serve, stop, wait_healthy

pytestmark = pytest.mark.server
VIEW = {"center": [121.4737, 31.2304], "zoom": 13, "service": "dialysis"}
STARTED = re.compile(r"^process_start_time_seconds (\S+)$", re.MULTILINE)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """``aidmap serve --workers 2`` on a seeded SQLite copy; its base URL and settings."""
    data_dir = tmp_path / "data"
    seeded.copy_seeded(data_dir)
    port, log = free_port(), tmp_path / "serve.log"
    server = start_serve(data_dir, port, log, "--workers", "2", "--log-level", "warning")
    try:
        wait_healthy(server, port)
        yield f"http://127.0.0.1:{port}", Settings(data_dir=data_dir)
    finally:
        assert stop(server) == 0
    text = log.read_text()
    assert "Traceback" not in text and "died" not in text, text


def bearer(settings: Settings, role: Role, name: str) -> dict[str, str]:
    """A new token's Authorization header, made in the store the workers share."""
    store = open_store(settings)
    try:
        _, secret = create_token(store, name, role)
    finally:
        store.close()
    return {"Authorization": f"Bearer {secret}"}


def at_once(count: int, send: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """``send(0 … count-1)`` from 8 threads, each request on a connection of its own."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(send, range(count)))


def requests_by_worker(base: str, route: str) -> dict[str, float]:
    """Each worker's count of answered requests to ``route`` (any method and status), read
    from its own /metrics, scraped 8 at a time until both workers have answered."""
    pattern = re.compile(rf'^aidmap_http_requests_total{{[^}}]*route="{re.escape(route)}"'
                         rf"[^}}]*}} (\S+)$", re.MULTILINE)  # fmt: skip
    seen: dict[str, float] = {}
    for _ in range(50):
        for scrape in at_once(8, lambda _: httpx.get(f"{base}/metrics", timeout=30)):
            started = STARTED.search(scrape.text)
            assert started, "no process_start_time_seconds in /metrics"
            seen[started.group(1)] = sum(float(n) for n in pattern.findall(scrape.text))
        if len(seen) == 2:
            return seen
    raise AssertionError(f"only {len(seen)} worker answered 400 scrapes")


def test_the_31st_share_from_one_address_is_refused_whichever_worker_answers(workers):
    base, _ = workers

    def share(n: int) -> httpx.Response:
        return httpx.post(f"{base}/api/v1/share", json=VIEW | {"zoom": 3 + n % 15}, timeout=30)

    answers = at_once(31, share)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(429) == 1 and set(statuses[:30]) <= {200, 201}, statuses
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    assert httpx.post(f"{base}/api/v1/share", json=VIEW).status_code == 429
    by_worker = requests_by_worker(base, "/api/v1/share")
    assert all(count > 0 for count in by_worker.values()), by_worker
    assert sum(by_worker.values()) == 32


def test_one_claim_wins_and_a_session_ends_on_every_worker(workers):
    base, settings = workers
    volunteers = [bearer(settings, Role.volunteer, f"志愿者{n}") for n in range(12)]
    claims = at_once(12, lambda n: httpx.post(f"{base}/api/v1/resources/1/claim",
                                               headers=volunteers[n], timeout=30))  # fmt: skip
    assert sorted(c.status_code for c in claims) == [200] + [409] * 11, [c.text for c in claims]
    holder = next(c for c in claims if c.status_code == 200).json()["holder"]
    assert {c.json()["holder"] for c in claims if c.status_code == 409} == {holder}

    origin = {"Origin": base}
    invite = httpx.post(f"{base}/api/v1/invites", json={"name": "王阿姨", "role": "verifier"},
                        headers=bearer(settings, Role.admin, "管理员"))  # fmt: skip
    assert invite.status_code == 201, invite.text
    joined = httpx.post(base + urlsplit(invite.json()["url"]).path, headers=origin)
    assert joined.status_code == 303, joined.text
    cookie = {"Cookie": f"aidmap_session={joined.cookies['aidmap_session']}"}
    reads = at_once(16, lambda _: httpx.get(f"{base}/api/v1/session", headers=cookie))
    assert {r.status_code for r in reads} == {200}
    ended = httpx.post(f"{base}/api/v1/session/end", headers=cookie | origin |
                       {"X-Aidmap-Page": "1"})  # fmt: skip
    assert ended.status_code == 204, ended.text
    reads = at_once(16, lambda _: httpx.get(f"{base}/api/v1/session", headers=cookie))
    assert {r.status_code for r in reads} == {401}
    by_worker = requests_by_worker(base, "/api/v1/session")
    assert all(count > 0 for count in by_worker.values()), by_worker


def test_a_page_sees_status_changes_made_through_either_worker(workers):
    base, settings = workers
    volunteer = bearer(settings, Role.volunteer, "王阿姨")
    hospitals = httpx.get(f"{base}/api/v1/resources", params={"kind": "hospital", "limit": 50})
    ids = [h["id"] for h in hospitals.json() if "emergency" in h["services"]][:8]
    assert len(ids) == 8
    notes: set[str] = set()
    listening, done = threading.Event(), threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{base}/api/v1/events", timeout=60) as response:
            for line in response.iter_lines():
                if line.startswith("event: ready"):
                    listening.set()
                if line.startswith("data: ") and "resource_id" in line:
                    notes.add(json.loads(line.removeprefix("data: "))["status"]["note"])
                    if len(notes) == len(ids):
                        done.set()
                        return

    threading.Thread(target=listen, daemon=True).start()
    assert listening.wait(20)

    etags = [httpx.get(f"{base}/api/v1/resources/{i}").headers["ETag"] for i in ids]

    def put(n: int) -> httpx.Response:
        return httpx.put(f"{base}/api/v1/resources/{ids[n]}/status/emergency",
                         json={"state": "open", "note": f"note {n}"},
                         headers=volunteer | {"If-Match": etags[n]}, timeout=30)  # fmt: skip

    assert {answer.status_code for answer in at_once(len(ids), put)} == {200}
    assert done.wait(20), notes
    assert notes == {f"note {n}" for n in range(len(ids))}
    by_worker = requests_by_worker(base, "/api/v1/resources/{resource_id}/status/{service}")
    assert all(count > 0 for count in by_worker.values()), by_worker
