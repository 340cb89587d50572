"""``aidmap serve --workers 2`` on one SQLite file: the rules that must hold once for the
whole server (rate limits, claims, sessions) hold whichever worker answers, and a page
connected to one worker sees what was written through the other.

The workers share one listening socket and the kernel picks who accepts (an idle worker
that wakes first takes every connection waiting), so each step is sent to the worker it
names by stopping the other (SIGSTOP) while the step's requests are sent and answered:
a stopped worker accepts nothing.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


class Workers:
    """The server's base URL, settings and its two worker processes."""

    def __init__(self, base: str, settings: Settings, pids: list[int]) -> None:
        self.base, self.settings, self.pids = base, settings, pids

    @contextmanager
    def only(self, worker: int) -> Iterator[None]:
        """Within the block, only worker ``worker`` (0 or 1) accepts connections."""
        others = [pid for n, pid in enumerate(self.pids) if n != worker]
        for pid in others:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in others:
                os.kill(pid, signal.SIGCONT)


def worker_pids(parent: int) -> list[int]:
    """The worker processes of ``aidmap serve`` ``parent`` (not multiprocessing's tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and "spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    """``aidmap serve --workers 2`` on a seeded SQLite copy."""
    data_dir = tmp_path / "data"
    seeded.copy_seeded(data_dir)
    port, log = free_port(), tmp_path / "serve.log"
    server = start_serve(data_dir, port, log, "--workers", "2", "--log-level", "warning")
    try:
        wait_healthy(server, port)
        pids = worker_pids(server.pid)
        assert len(pids) == 2, pids
        served = Workers(f"http://127.0.0.1:{port}", Settings(data_dir=data_dir), pids)
        for n in (0, 1):
            with served.only(n):  # each worker is up and answering before the test
                assert httpx.get(f"{served.base}/livez", timeout=30).status_code == 200
        yield served
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


def test_the_31st_share_from_one_address_is_refused_whichever_worker_answers(workers):
    def share(n: int) -> httpx.Response:
        view = VIEW | {"center": [121.4 + n / 100, 31.23]}
        return httpx.post(f"{workers.base}/api/v1/share", json=view, timeout=30)

    for worker, numbers in ((0, range(15)), (1, range(15, 30))):
        with workers.only(worker):
            assert {share(n).status_code for n in numbers} == {201}
    for worker in (0, 1):
        with workers.only(worker):
            refused = share(30 + worker)
            assert refused.status_code == 429, refused.text
            assert 1 <= int(refused.headers["Retry-After"]) <= 600


def test_one_claim_holds_and_a_session_ends_on_every_worker(workers):
    base, settings = workers.base, workers.settings
    wang, li = (bearer(settings, Role.volunteer, name) for name in ("王阿姨", "李医生"))
    with workers.only(0):
        assert httpx.post(f"{base}/api/v1/resources/1/claim", headers=wang).status_code == 200
    with workers.only(1):
        refused = httpx.post(f"{base}/api/v1/resources/1/claim", headers=li)
        assert refused.status_code == 409 and refused.json()["holder"] == "王阿姨"

    origin = {"Origin": base}
    with workers.only(1):
        invite = httpx.post(f"{base}/api/v1/invites", json={"name": "张", "role": "verifier"},
                            headers=bearer(settings, Role.admin, "管理员"))  # fmt: skip
        assert invite.status_code == 201, invite.text
        joined = httpx.post(base + urlsplit(invite.json()["url"]).path, headers=origin)
        assert joined.status_code == 303, joined.text
    cookie = {"Cookie": f"aidmap_session={joined.cookies['aidmap_session']}"}
    with workers.only(0):
        assert httpx.get(f"{base}/api/v1/session", headers=cookie).json()["name"] == "张"
        ended = httpx.post(f"{base}/api/v1/session/end",
                           headers=cookie | origin | {"X-Aidmap-Page": "1"})  # fmt: skip
        assert ended.status_code == 204, ended.text
    with workers.only(1):
        assert httpx.get(f"{base}/api/v1/session", headers=cookie).status_code == 401


def test_a_page_on_one_worker_sees_a_change_written_through_the_other(workers):
    base = workers.base
    volunteer = bearer(workers.settings, Role.volunteer, "王阿姨")
    seen: list[dict] = []
    listening, done = threading.Event(), threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{base}/api/v1/events", timeout=60) as response:
            for line in response.iter_lines():
                if line.startswith("event: ready"):
                    listening.set()
                if line.startswith("data: ") and "resource_id" in line:
                    seen.append(json.loads(line.removeprefix("data: ")))
                    done.set()
                    return

    with workers.only(0):
        threading.Thread(target=listen, daemon=True).start()
        assert listening.wait(20)
    with workers.only(1):
        etag = httpx.get(f"{base}/api/v1/resources/3").headers["ETag"]
        put = httpx.put(f"{base}/api/v1/resources/3/status/emergency",
                        json={"state": "open", "note": "via the other worker"},
                        headers=volunteer | {"If-Match": etag})  # fmt: skip
        assert put.status_code == 200, put.text
    assert done.wait(20)
    assert [(e["resource_id"], e["status"]["note"]) for e in seen] == [(3, "via the other worker")]
