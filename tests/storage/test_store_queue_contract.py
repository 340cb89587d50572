"""The storage contract of the call queue, on every backend: claims, placed locations and
their history, closing problem reports, and where each status change came from."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.core.config import Settings
from app.domain.enums import Precision, ProblemOutcome, SourceCrs, WriteSource
from app.domain.statuses import StatusReport
from app.storage import open_store
from app.storage.errors import AlreadyClosed, ClaimHeld, NotFound, VersionConflict
from app.storage.port import Store
from tests.storage.test_store_contract import _hospital, with_services  # noqa: F401

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_a_claim_holds_against_others_until_it_expires(store: Store):
    rid = store.add_resource(_hospital()).id
    claim = store.claim(rid, "王阿姨", "token:1", NOW, NOW + timedelta(minutes=10))
    assert (claim.holder, claim.claimed_at, claim.expires_at) == (
        "王阿姨", NOW, NOW + timedelta(minutes=10),
    )  # fmt: skip
    with pytest.raises(ClaimHeld) as held:
        store.claim(
            rid, "李医生", "token:2", NOW + timedelta(minutes=3), NOW + timedelta(minutes=13)
        )
    assert held.value.holder == "王阿姨"
    again = store.claim(
        rid, "王阿姨", "token:1", NOW + timedelta(minutes=5), NOW + timedelta(minutes=15)
    )
    assert (again.claimed_at, again.expires_at) == (NOW, NOW + timedelta(minutes=15))
    assert store.active_claims(NOW + timedelta(minutes=14)) == {rid: again}
    assert store.active_claims(NOW + timedelta(minutes=15)) == {}  # expired: free
    late = NOW + timedelta(minutes=16)
    taken = store.claim(rid, "李医生", "token:2", late, late + timedelta(minutes=10))
    assert (taken.holder, taken.claimed_at) == ("李医生", late)
    with pytest.raises(NotFound):
        store.claim(999, "x", "token:1", NOW, NOW + timedelta(minutes=1))


def test_only_the_holder_releases_unless_anyone_may(store: Store):
    rid = store.add_resource(_hospital()).id
    store.claim(rid, "王阿姨", "token:1", NOW, NOW + timedelta(minutes=10))
    with pytest.raises(ClaimHeld):
        store.release_claim(rid, "token:2", NOW)
    released = store.release_claim(rid, "token:1", NOW)
    assert released is not None and released.holder == "王阿姨"
    assert store.release_claim(rid, "token:1", NOW) is None  # nothing left to release
    store.claim(rid, "王阿姨", "token:1", NOW, NOW + timedelta(minutes=10))
    assert store.release_claim(rid, None, NOW).holder == "王阿姨"  # a verifier frees it
    assert store.active_claims(NOW, [rid]) == {}


def test_claims_survive_reopening_and_one_of_two_racing_claimers_wins(
    store: Store, store_settings: Settings
):
    rid = store.add_resource(_hospital()).id
    other = open_store(store_settings)  # a second replica on the same database
    won, lost = [], []

    def claim(replica: Store, key: str) -> None:
        try:
            won.append(replica.claim(rid, key, key, NOW, NOW + timedelta(minutes=10)))
        except ClaimHeld as exc:
            lost.append(exc.holder)

    pairs = ((store, "a"), (other, "b"))
    threads = [threading.Thread(target=claim, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and lost == [won[0].holder]
    other.close()
    store.close()
    reopened = open_store(store_settings)
    assert reopened.active_claims(NOW)[rid].holder == won[0].holder
    reopened.close()


def test_placing_a_point_keeps_the_old_one_in_history(store: Store):
    before = store.add_resource(_hospital())
    placed = store.place_resource(
        before.id, 1, 121.5, 31.25, SourceCrs.bd09, "核实员", WriteSource.workspace
    )
    assert (placed.lon, placed.lat, placed.precision, placed.location_verified, placed.version) == (
        121.5, 31.25, Precision.exact, True, 2,
    )  # fmt: skip
    assert placed.source_crs is SourceCrs.bd09
    with pytest.raises(VersionConflict):
        store.place_resource(before.id, 1, 121.6, 31.3, SourceCrs.wgs84, "x", WriteSource.api)
    [change] = store.location_history(before.id)
    assert change.old == {"lon": 121.47, "lat": 31.23, "precision": "approximate",
                          "location_verified": False, "source_crs": "gcj02"}  # fmt: skip
    assert change.new["lon"] == 121.5 and change.new["precision"] == "exact"
    assert (change.changed_by, change.via, change.resource_version) == (
        "核实员", WriteSource.workspace, 2,
    )  # fmt: skip
    with pytest.raises(NotFound):
        store.place_resource(999, 1, 121.5, 31.25, SourceCrs.wgs84, "x", WriteSource.api)


def test_a_closed_problem_report_is_neither_listed_nor_timed(with_services: Store):  # noqa: F811
    store = with_services
    rid = store.add_resource(_hospital()).id
    kept = store.add_problem_report(rid, "dialysis", "电话打不通")
    closed = store.add_problem_report(rid, None, "地址不对")
    done = store.close_problem_report(closed.id, ProblemOutcome.resolved, "核实员", "已改", NOW)
    assert (done.closed_as, done.closed_by, done.close_note) == (
        ProblemOutcome.resolved, "核实员", "已改",
    )  # fmt: skip
    assert store.list_problem_reports([rid]) == [kept]
    assert [r.id for r in store.list_problem_reports([rid], closed=True)] == [closed.id, kept.id]
    assert set(store.problem_report_times([rid])[rid]) == {"dialysis"}
    with pytest.raises(AlreadyClosed):
        store.close_problem_report(closed.id, ProblemOutcome.dismissed, "x", None, NOW)
    with pytest.raises(NotFound):
        store.close_problem_report(999, ProblemOutcome.dismissed, "x", None, NOW)


def test_history_says_where_each_change_came_from(with_services: Store):  # noqa: F811
    store = with_services
    rid = store.add_resource(_hospital()).id
    report = StatusReport("open", "王阿姨", via=WriteSource.workspace)
    store.set_status(rid, "dialysis", report, 1)
    store.verify_status(rid, "dialysis", "核实员", 2)
    assert [e.via for e in store.history(rid)] == [WriteSource.api, WriteSource.workspace]
