"""The storage contract of sources, on every backend: adding, listing and removing them,
recording runs and held plans, and the lease that lets exactly one replica run each."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.core.config import Settings
from app.domain.sources import (
    FileState,
    GoodFile,
    HeldPlan,
    NewSource,
    RunOutcome,
    RunRecord,
    SourceKind,
)
from app.storage import open_store
from app.storage.errors import AlreadyExists, NotFound
from app.storage.port import Store

NOW = datetime(2026, 4, 12, 6, 30, tzinfo=UTC)
SECRET_URL = "https://docs.example.org/spreadsheets/d/SECRET/export?format=csv"


def _new(name: str = "xuhui", **changes) -> NewSource:
    values = {"name": name, "url": SECRET_URL, "kind": SourceKind.statuses, "every_s": 600,
              "created_at": NOW} | changes  # fmt: skip
    return NewSource(**values)


def test_a_source_is_stored_due_at_once_with_a_free_lease(store: Store):
    added = store.add_source(_new(sheet="血透", review=True, max_change=0.5, created_by="李"))
    assert (added.name, added.url, added.kind, added.sheet, added.every_s) == (
        "xuhui", SECRET_URL, SourceKind.statuses, "血透", 600,
    )  # fmt: skip
    assert (added.review, added.max_change, added.created_by) == (True, 0.5, "李")
    assert added.next_run_at == NOW and added.last_run_at is None and added.last_outcome is None
    assert added.file is None and added.good is None and added.held is None
    assert added.lease_holder is None and added.lease_until is None
    assert store.get_source("xuhui") == added
    with pytest.raises(AlreadyExists):
        store.add_source(_new(kind=SourceKind.hospitals))
    store.add_source(_new("anting", kind=SourceKind.contacts))
    assert [s.name for s in store.list_sources()] == ["anting", "xuhui"]
    with pytest.raises(NotFound):
        store.get_source("nowhere")


def test_due_sources_are_the_ones_whose_next_run_has_come(store: Store):
    store.add_source(_new("late", created_at=NOW - timedelta(minutes=5)))
    store.add_source(_new("now"))
    store.add_source(_new("later", created_at=NOW + timedelta(seconds=1)))
    assert [s.name for s in store.due_sources(NOW)] == ["late", "now"]
    store.record_run("late", RunRecord(NOW, RunOutcome.unchanged, NOW + timedelta(minutes=10)))
    assert [s.name for s in store.due_sources(NOW + timedelta(seconds=1))] == ["now", "later"]


def test_a_run_leaves_its_health_and_none_keeps_what_is_stored(store: Store):
    store.add_source(_new())
    file = FileState('"v1"', "Sun, 12 Apr 2026 06:00:00 GMT", "a" * 64)
    good = GoodFile(("医院名称", "血透"), ("瑞金医院", "华山医院"))
    applied = RunRecord(NOW, RunOutcome.applied, NOW + timedelta(minutes=10), rows_understood=40,
                        rows_not_understood=2, file=file, good=good)  # fmt: skip
    source = store.record_run("xuhui", applied)
    assert (source.last_outcome, source.rows_understood, source.rows_not_understood) == (
        RunOutcome.applied, 40, 2,
    )  # fmt: skip
    assert (source.file, source.good, source.next_run_at) == (file, good, applied.next_run_at)
    later = NOW + timedelta(minutes=10)
    failed = RunRecord(later, RunOutcome.failed, later + timedelta(minutes=10),
                       error="an HTML page, not a file")  # fmt: skip
    source = store.record_run("xuhui", failed)
    assert (source.last_outcome, source.last_error, source.last_run_at) == (
        RunOutcome.failed, "an HTML page, not a file", later,
    )  # fmt: skip
    assert (source.rows_understood, source.file, source.good) == (40, file, good)  # kept
    with pytest.raises(NotFound):
        store.record_run("nowhere", failed)


def test_a_held_plan_and_its_file_are_kept_until_cleared(store: Store):
    store.add_source(_new())
    assert store.held_file("xuhui") is None
    held = HeldPlan(NOW, "changes 80% of the statuses (more than 30%)", "f" * 64,
                    GoodFile(("医院名称",), ("瑞金医院",)), {"counts": {"change": 8}})  # fmt: skip
    blob = bytes(range(256)) * 100
    record = RunRecord(NOW, RunOutcome.held, NOW + timedelta(minutes=10), held=held,
                       held_file=blob, file=FileState(None, None, "b" * 64))  # fmt: skip
    source = store.record_run("xuhui", record)
    assert source.held == held and source.last_outcome is RunOutcome.held
    assert store.held_file("xuhui") == blob
    assert store.list_sources()[0].held == held  # listed without the file
    kept = store.record_run("xuhui", RunRecord(NOW, RunOutcome.not_modified, NOW))
    assert kept.held == held and store.held_file("xuhui") == blob
    cleared = store.record_run("xuhui", RunRecord(NOW, RunOutcome.held, NOW, clear_held=True))
    assert cleared.held is None and store.held_file("xuhui") is None
    with pytest.raises(NotFound):
        store.held_file("nowhere")
    store.record_run("xuhui", record)
    dropped = store.drop_held("xuhui")
    assert dropped.held is None and store.held_file("xuhui") is None
    assert dropped.last_outcome is RunOutcome.held  # the last run's, as it was
    with pytest.raises(NotFound):
        store.drop_held("nowhere")


def test_a_lease_is_the_holders_until_it_expires(store: Store):
    store.add_source(_new())
    assert store.take_lease("xuhui", "replica-a", NOW, NOW + timedelta(seconds=30))
    source = store.get_source("xuhui")
    assert (source.lease_holder, source.lease_until) == ("replica-a", NOW + timedelta(seconds=30))
    later = NOW + timedelta(seconds=20)
    assert not store.take_lease("xuhui", "replica-b", later, later + timedelta(seconds=30))
    assert store.take_lease("xuhui", "replica-a", later, later + timedelta(seconds=30))  # renewed
    expired = NOW + timedelta(seconds=50)
    assert store.take_lease("xuhui", "replica-b", expired, expired + timedelta(seconds=30))
    store.release_lease("xuhui", "replica-a")  # not a's any more: nothing
    assert store.get_source("xuhui").lease_holder == "replica-b"
    store.release_lease("xuhui", "replica-b")
    assert store.get_source("xuhui").lease_holder is None
    assert store.take_lease("xuhui", "replica-a", expired, expired + timedelta(seconds=30))
    with pytest.raises(NotFound):
        store.take_lease("nowhere", "replica-a", NOW, NOW)
    store.release_lease("nowhere", "replica-a")  # a source removed meanwhile: nothing


def test_removing_a_source_removes_its_lease_and_plan(store: Store):
    store.add_source(_new())
    store.take_lease("xuhui", "replica-a", NOW, NOW + timedelta(seconds=30))
    store.remove_source("xuhui")
    assert store.list_sources() == []
    with pytest.raises(NotFound):
        store.remove_source("xuhui")
    again = store.add_source(_new())  # the name is free again, with a free lease
    assert again.lease_holder is None


def test_of_replicas_racing_for_a_lease_exactly_one_gets_it(store: Store, store_settings: Settings):
    store.add_source(_new())
    replicas = [store, *(open_store(store_settings) for _ in range(3))]
    won: list[str] = []
    start = threading.Barrier(len(replicas))

    def take(replica: Store, holder: str) -> None:
        start.wait()
        if replica.take_lease("xuhui", holder, NOW, NOW + timedelta(seconds=30)):
            won.append(holder)

    threads = [
        threading.Thread(target=take, args=(replica, f"replica-{n}"))
        for n, replica in enumerate(replicas)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and store.get_source("xuhui").lease_holder == won[0]
    for replica in replicas[1:]:
        replica.close()
