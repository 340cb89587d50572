"""Reads and writes have their own connections, on every backend: a load that holds every
read connection neither blocks a write nor turns a read into anything but
``StoreUnavailable`` (issue 13, finding 15)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from app.core.config import Settings
from app.domain.enums import Precision
from app.domain.records import NewResource, SeedData, Service
from app.domain.statuses import State, StatusReport
from app.storage import open_store, sql_support
from app.storage.errors import StoreUnavailable
from app.storage.port import Store

READ_TIMEOUT_S = 0.3


@pytest.fixture
def quick_store(store_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A store whose reads wait ``READ_TIMEOUT_S`` for a connection, with one service."""
    monkeypatch.setattr(sql_support, "READ_POOL_TIMEOUT_S", READ_TIMEOUT_S, raising=False)
    store = open_store(store_settings)
    store.seed(SeedData(services=[Service("dialysis", "血透", "Dialysis", 0)], units=[],
                        aliases=[]), "test")  # fmt: skip
    yield store
    store.close()


def hold_every_read_connection(store: Store, stack: ExitStack) -> None:
    """Check out connections from the read pool until it has none left."""
    pool = store._engine.pool
    for _ in range(pool.size() + max(pool._max_overflow, 0)):
        stack.enter_context(store._engine.connect())


def test_writes_go_on_while_reads_hold_every_read_connection(quick_store: Store):
    hospital = quick_store.add_resource(
        NewResource(kind="hospital", name="医院", lon=121.47, lat=31.23,
                    precision=Precision.approximate, services=("dialysis",))
    )  # fmt: skip
    with ExitStack() as stack:
        hold_every_read_connection(quick_store, stack)
        start = time.monotonic()
        written = quick_store.set_status(
            hospital.id, "dialysis", StatusReport(State.open, "志愿者"), hospital.version
        )
        assert time.monotonic() - start < READ_TIMEOUT_S  # never waited for a read connection
        assert (written.version, written.status.state) == (2, State.open)
        start = time.monotonic()
        with pytest.raises(StoreUnavailable, match="busy"):
            quick_store.get_resource(hospital.id)
        assert READ_TIMEOUT_S <= time.monotonic() - start < READ_TIMEOUT_S + 2
    assert quick_store.get_resource(hospital.id).version == 2  # connections back: reads work
