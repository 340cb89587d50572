"""GET /api/v1/events and /api/v1/changes over real HTTP (a real ``aidmap serve``): an
uncompressed event stream that resumes, polled changes that match it, and a limit on
streams per client whose slots come back however a stream ends."""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.requests import ClientDisconnect

from app.api.routes_events import EventStream
from app.services.events import StatusEvents
from app.services.stream_slots import StreamSlots
from tests import event_loop
from tests.polling import wait_until
from tests.web.conftest import Served, serving
from tests.web.streams import client_at, close_all, hold_all, open_stream, streams_open


def read_events(response: httpx.Response, wanted: int) -> list[dict]:
    """The first ``wanted`` status events of an open stream."""
    found, fields = [], {}
    for line in response.iter_lines():
        if line == "":
            if fields.get("event") == "status":
                found.append({"id": int(fields["id"]), **json.loads(fields["data"])})
                if len(found) == wanted:
                    return found
            fields = {}
        elif ": " in line:
            key, value = line.split(": ", 1)
            fields[key] = value
    return found


def test_the_stream_replays_from_last_event_id(served):
    before = served.store.last_history_id()
    served.put_status(9, "dialysis", "open")
    served.put_status(10, "dialysis", "limited")
    headers = {"Last-Event-ID": str(before), "Accept-Encoding": "gzip"}
    with httpx.stream("GET", served.base + "/api/v1/events", headers=headers, timeout=10) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in r.headers and r.headers["cache-control"] == "no-cache"
        events = read_events(r, 2)
    assert [(e["resource_id"], e["status"]["state"]) for e in events] == [
        (9, "open"), (10, "limited"),
    ]  # fmt: skip
    assert events[0]["id"] == before + 1 and events[0]["status"]["reported_by"] is None


def test_a_bad_resume_point_is_a_422(served):
    response = httpx.get(served.base + "/api/v1/events?after=-1")
    assert response.status_code == 422
    assert "query.after" in response.json()["error"]["message"]


def test_a_last_event_id_beyond_any_history_id_is_a_422(served):
    response = httpx.get(served.base + "/api/v1/events", headers={"Last-Event-ID": "9" * 20})
    assert response.status_code == 422
    assert "Last-Event-ID" in response.json()["error"]["message"]


def test_a_last_event_id_that_is_not_a_decimal_number_is_ignored(served):
    # "²" (latin-1 byte 0xB2) passed str.isdigit() and then failed int(): a 500
    headers = {"Last-Event-ID": b"\xb2"}
    with httpx.stream("GET", served.base + "/api/v1/events", headers=headers, timeout=10) as r:
        assert r.status_code == 200
        assert next(r.iter_lines()) == "retry: 2000"


def test_polled_changes_are_what_the_stream_replays(served):
    before = served.store.last_history_id()
    served.put_status(11, "emergency", "closed")
    served.put_status(12, "emergency", "open")
    answer = httpx.get(served.base + "/api/v1/changes", params={"after": before})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=5"
    body = answer.json()
    with httpx.stream("GET", f"{served.base}/api/v1/events?after={before}", timeout=10) as r:
        replayed = read_events(r, 2)
    for change in [*body["changes"], *replayed]:  # ages are counted when each is answered
        del change["status"]["age_seconds"]
    assert body["changes"] == replayed
    assert body["last_id"] == served.store.last_history_id() and body["poll_s"] == 15
    assert (body["reset"], body["more"]) == (False, False)
    start = httpx.get(served.base + "/api/v1/changes").json()
    assert (start["changes"], start["last_id"]) == ([], body["last_id"])
    bad = httpx.get(served.base + "/api/v1/changes", params={"after": "x", "limit": 5000})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


PER_CLIENT = 8


@pytest.fixture(scope="module")
def limited(tmp_path_factory) -> Iterator[Served]:
    """A server that streams to 12 pages at most (8 per client, the default)."""
    with serving(tmp_path_factory.mktemp("limited"), "none", AIDMAP_EVENT_STREAMS="12") as s:
        yield s


@pytest.mark.server
def test_one_client_holds_at_most_eight_streams_and_others_still_get_theirs(limited):
    url = limited.base + "/api/v1/events"
    with client_at("127.0.0.1") as one, client_at("127.0.0.2") as two:
        held = [open_stream(one, url) for _ in range(PER_CLIENT)]
        assert [r.status_code for r in held] == [200] * PER_CLIENT
        refused = open_stream(one, url).response
        assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
        assert refused.json()["error"]["code"] == "too_many_requests"
        others = [open_stream(two, url) for _ in range(12 - PER_CLIENT)]
        assert [r.status_code for r in others] == [200] * (12 - PER_CLIENT)
        with client_at("127.0.0.3") as three:
            busy = open_stream(three, url).response
        assert busy.status_code == 503 and busy.headers["retry-after"] == "30"
        assert busy.json()["error"]["code"] == "busy"
        close_all(held + others)
        wait_until(lambda: streams_open(limited.base) == 0)
        again = hold_all(one, url, PER_CLIENT)  # every slot came back, and no more
        assert open_stream(one, url).status_code == 429
        close_all(again)
        wait_until(lambda: streams_open(limited.base) == 0)


def leave_before_the_answer(base: str, path: str) -> None:
    """Send a request and hang up at once, before any byte of the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset


@pytest.mark.server
def test_streams_that_end_or_lose_their_client_give_their_slot_back(limited):
    url = limited.base + "/api/v1/events"
    beyond = limited.store.last_history_id() + 1000  # a resume point it never reached
    with client_at("127.0.0.1") as one:
        for _ in range(3):  # streams that end by themselves (reset)
            ended = [one.get(f"{url}?after={beyond}") for _ in range(PER_CLIENT)]
            assert all("event: reset" in r.text for r in ended)
        for _ in range(3):  # clients that hang up mid-stream
            close_all(hold_all(one, url, PER_CLIENT))
        for _ in range(3 * PER_CLIENT):  # clients that hang up before the answer starts
            leave_before_the_answer(limited.base, "/api/v1/events")
        wait_until(lambda: streams_open(limited.base) == 0)
        held = hold_all(one, url, PER_CLIENT)
        assert open_stream(one, url).status_code == 429
        close_all(held)


@pytest.mark.server
def test_polls_are_limited_per_client(limited):
    with client_at("127.0.0.4") as four:
        answers = [four.get(limited.base + "/api/v1/changes") for _ in range(121)]
    assert [r.status_code for r in answers[:120]] == [200] * 120
    assert answers[120].status_code == 429 and int(answers[120].headers["retry-after"]) > 0


def test_a_client_gone_before_the_first_byte_gives_the_slot_back(seeded_store):
    """A server that speaks ASGI 2.4 raises on the first send once the client has gone: the
    body never starts (its own cleanup never runs), yet the slot comes back."""

    async def gone(message: dict) -> None:
        raise OSError("the client hung up")

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def answer_once() -> StatusEvents:
        events = StatusEvents(seeded_store, lambda: datetime.now(UTC), 12.0, StreamSlots(1, 1))
        listener = await events.stream("203.0.113.7", None)
        with pytest.raises(ClientDisconnect):
            await EventStream(listener)({"type": "http", "asgi": {"spec_version": "2.4"}},
                                        receive, gone)  # fmt: skip
        (await events.stream("203.0.113.7", None)).close()  # the one slot is free again
        await events.close()
        return events

    assert event_loop.run(answer_once()).slots.open == 0
