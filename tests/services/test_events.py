"""Status events: every committed change reaches every listener, once, in order; streams
are admitted against a total and a share per client and give their slot back exactly once;
polled changes are the entries a stream replays."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from app.domain.statuses import State, StatusChange, StatusReport
from app.services import events as events_module
from app.services.events import StatusEvents
from app.services.stream_slots import (
    StreamSlots,
    TooManyFromClient,
    TooManyListeners,
    client_key,
)
from app.storage.errors import StoreUnavailable
from app.storage.port import Store

pytestmark = pytest.mark.anyio
HOME = "203.0.113.7"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def change(store: Store, resource_id: int, state: State, service: str = "dialysis") -> None:
    version = store.get_resource(resource_id).version
    report = StatusReport(state, "tester")
    store.set_statuses([StatusChange(resource_id, service, report, version)])


async def next_event(stream, kind: str = "status") -> tuple[str | None, dict]:
    """The next event of ``kind`` (skipping retry lines, pings and others): its id and data."""
    while True:
        text = await asyncio.wait_for(anext(stream), 5)
        fields = dict(line.split(": ", 1) for line in text.strip().splitlines() if ": " in line)
        if fields.get("event") == kind:
            return fields.get("id"), json.loads(fields["data"])


@pytest.fixture
def events(seeded_store: Store, monkeypatch) -> StatusEvents:
    monkeypatch.setattr(events_module, "POLL_S", 0.01)
    slots = StreamSlots(total=5, per_client=3)
    return StatusEvents(seeded_store, lambda: datetime.now(UTC), 12.0, slots)


async def listen(events: StatusEvents, after: int | None, address: str = HOME):
    """A stream's text from ``address``."""
    return (await events.stream(address, after)).body


async def test_listeners_get_each_change_once_in_order(events: StatusEvents, seeded_store):
    first, second = await listen(events, None), await listen(events, None)
    await next_event(first, "ready"), await next_event(second, "ready")
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
    stream = await listen(events, mark)
    got = [await next_event(stream), await next_event(stream)]
    assert [d["resource_id"] for _, d in got] == [3, 4]
    assert await next_event(stream, "ready") == (got[1][0], {"last_id": int(got[1][0])})
    change(seeded_store, 5, State.open)
    assert (await next_event(stream))[1]["resource_id"] == 5
    await stream.aclose()
    await events.close()


async def test_a_new_listener_is_told_where_history_stands(events: StatusEvents, seeded_store):
    change(seeded_store, 1, State.open)
    stream = await listen(events, None)
    newest = seeded_store.last_history_id()
    assert await next_event(stream, "ready") == (str(newest), {"last_id": newest})
    await stream.aclose()
    await events.close()


async def test_a_listener_too_far_behind_is_told_to_reload(events, seeded_store, monkeypatch):
    monkeypatch.setattr(events_module, "REPLAY_LIMIT", 2)
    for resource_id in (1, 2, 3):
        change(seeded_store, resource_id, State.open)
    newest = seeded_store.last_history_id()
    assert await next_event(await listen(events, 0), "reset") == (str(newest), {"last_id": newest})
    # an id this store never reached (a restored database): reload too
    beyond = await listen(events, newest + 5)
    assert await next_event(beyond, "reset") == (str(newest), {"last_id": newest})
    await events.close()


async def test_a_client_holds_at_most_its_share_and_the_process_its_total(events):
    held = [await events.stream(HOME, None) for _ in range(3)]
    with pytest.raises(TooManyFromClient):
        await events.stream(HOME, None)
    neighbour = [await events.stream("198.51.100.1", None) for _ in range(2)]
    with pytest.raises(TooManyListeners):
        await events.stream("192.0.2.9", None)
    assert events.slots.open == 5 and events.slots.held_by(HOME) == 3
    for listener in held + neighbour:
        listener.close()
    await events.close()


async def test_each_way_a_stream_ends_frees_its_slot_once(events, seeded_store):
    started = await events.stream(HOME, None)
    await next_event(started.body, "ready")
    await started.body.aclose()  # ended or cancelled while running: the body frees it
    never_started = await events.stream(HOME, None)
    never_started.close()  # the client left before the first byte: the response frees it
    never_started.close()  # twice is once
    behind = await events.stream(HOME, seeded_store.last_history_id() + 1)
    await next_event(behind.body, "reset")  # a stream that ends by itself
    with pytest.raises(StopAsyncIteration):
        await anext(behind.body)
    assert events.slots.open == 0 and events.slots.held_by(HOME) == 0
    assert events._queues == set()
    again = [await events.stream(HOME, None) for _ in range(3)]
    assert events.slots.held_by(HOME) == 3
    for listener in again:
        listener.close()
    await events.close()


def test_a_home_is_its_ipv6_64_or_its_ipv4_address():
    one, other = "2001:db8:1:2:aaaa::1", "2001:db8:1:2:ffff:1:2:3"
    assert client_key(one) == client_key(other) == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key(one)
    assert client_key("::ffff:203.0.113.7") == client_key(HOME) == HOME
    assert client_key("unknown") == "unknown"
    slots = StreamSlots(total=10, per_client=1)
    slots.take(one)
    with pytest.raises(TooManyFromClient):
        slots.take(other)


async def test_polled_changes_are_the_entries_a_stream_replays(events, seeded_store):
    mark = seeded_store.last_history_id()
    for resource_id, state in ((1, State.open), (2, State.limited), (3, State.closed)):
        change(seeded_store, resource_id, state)
    stream = await listen(events, mark)
    replayed = [await next_event(stream) for _ in range(3)]
    await stream.aclose()
    polled = events.changes(mark, limit=10)
    assert polled["changes"] == [{"id": int(i), **data} for i, data in replayed]
    assert polled["last_id"] == seeded_store.last_history_id()
    assert (polled["reset"], polled["more"]) == (False, False)
    first = events.changes(mark, limit=2)
    assert [c["resource_id"] for c in first["changes"]] == [1, 2] and first["more"] is True
    rest = events.changes(first["last_id"], limit=2)
    assert [c["resource_id"] for c in rest["changes"]] == [3] and rest["more"] is False
    nothing = events.changes(rest["last_id"], limit=2)
    assert nothing == {"changes": [], "last_id": rest["last_id"], "reset": False, "more": False}
    await events.close()


async def test_polled_changes_say_where_to_start_and_when_to_reload(
    events, seeded_store, monkeypatch
):
    monkeypatch.setattr(events_module, "REPLAY_LIMIT", 2)
    for resource_id in (1, 2, 3):
        change(seeded_store, resource_id, State.open)
    newest = seeded_store.last_history_id()
    here = {"changes": [], "last_id": newest, "reset": False, "more": False}
    assert events.changes(None, limit=10) == here
    assert events.changes(newest - 2, limit=10)["reset"] is True  # too far behind
    assert events.changes(newest + 1, limit=10) == here | {"reset": True}  # never reached
    assert len(events.changes(newest - 1, limit=10)["changes"]) == 1
    await events.close()


async def test_the_poller_outlives_a_store_that_cannot_be_read_for_a_while(
    events: StatusEvents, seeded_store: Store, monkeypatch
):
    """A database that fails a few reads (a restart, a full disk) pauses live updates; open
    streams then get every change made meanwhile, instead of pings for good."""
    monkeypatch.setattr(events_module, "MAX_RETRY_S", 0.05)
    stream = await listen(events, None)
    await next_event(stream, "ready")
    read, failures = seeded_store.history_after, [StoreUnavailable("database unavailable")] * 3

    def failing_then_reading(*args, **kwargs):
        if failures:
            raise failures.pop()
        return read(*args, **kwargs)

    monkeypatch.setattr(seeded_store, "history_after", failing_then_reading)
    change(seeded_store, 1, State.closed)
    _, data = await next_event(stream)
    assert (data["resource_id"], data["status"]["state"], failures) == (1, "closed", [])
    await stream.aclose()
    await events.close()
