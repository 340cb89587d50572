"""GET /api/v1/events over real HTTP: an uncompressed event stream that resumes."""

from __future__ import annotations

import json

import httpx


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
