"""Status events: every committed change reaches every listener, once, in order."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from app.services import events as events_module
from app.services.events import StatusEvents
from app.storage.base import State, StatusChange, StatusReport, Store

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def change(store: Store, resource_id: int, state: State, service: str = "dialysis") -> None:
    version = store.get_resource(resource_id).version
    report = StatusReport(state, "tester")
    store.set_statuses([StatusChange(resource_id, service, report, version)])


async def next_event(stream, kind: str = "status") -> tuple[str | None, dict]:
    """The next event of ``kind`` (skipping retry lines and pings): its id and data."""
    while True:
        text = await asyncio.wait_for(anext(stream), 5)
        fields = dict(line.split(": ", 1) for line in text.strip().splitlines() if ": " in line)
        if fields.get("event") == kind:
            return fields.get("id"), json.loads(fields["data"])


@pytest.fixture
def events(seeded_store: Store, monkeypatch) -> StatusEvents:
    monkeypatch.setattr(events_module, "POLL_S", 0.01)
    return StatusEvents(seeded_store, lambda: datetime.now(UTC), 12.0)


async def test_listeners_get_each_change_once_in_order(events: StatusEvents, seeded_store):
    first, second = await events.stream(None), await events.stream(None)
    await anext(first), await anext(second)  # retry: — the listener is set up
    change(seeded_store, 1, State.open)
    change(seeded_store, 2, State.closed)
    for stream in (first, second):
        got = [await next_event(stream), await next_event(stream)]
        assert [(d["resource_id"], d["status"]["state"]) for _, d in got] == [
            (1, "open"), (2, "closed"),
        ]  # fmt: skip
        assert int(got[0][0]) < int(got[1][0])
        assert got[0][1]["status"]["stale"] is False
    await first.aclose(), await second.aclose()
    await events.close()


async def test_a_reconnecting_listener_gets_what_it_missed(events: StatusEvents, seeded_store):
    change(seeded_store, 1, State.open)
    mark = seeded_store.last_history_id()
    change(seeded_store, 3, State.limited)
    change(seeded_store, 4, State.closed)
    stream = await events.stream(mark)
    got = [await next_event(stream), await next_event(stream)]
    assert [d["resource_id"] for _, d in got] == [3, 4]
    change(seeded_store, 5, State.open)
    assert (await next_event(stream))[1]["resource_id"] == 5
    await stream.aclose()
    await events.close()


async def test_a_listener_too_far_behind_is_told_to_reload(events, seeded_store, monkeypatch):
    monkeypatch.setattr(events_module, "REPLAY_LIMIT", 2)
    for resource_id in (1, 2, 3):
        change(seeded_store, resource_id, State.open)
    stream = await events.stream(0)
    assert await next_event(stream, "reset") == (None, {})
    await events.close()
