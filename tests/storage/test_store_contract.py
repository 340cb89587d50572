"""The storage contract, run against every backend (SQLite file, PostGIS database):
round trips, versions, history, persistence, constraints."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.config import Settings
from app.domain.enums import Level, Precision, Role, SourceCrs
from app.domain.layers import Area
from app.domain.records import NewResource, SeedData, Service, Share, UnitMove
from app.domain.statuses import State, StatusChange, StatusReport
from app.storage import open_store
from app.storage.errors import (
    AlreadyExists,
    InvalidRecord,
    NotFound,
    ServiceNotListed,
    VersionConflict,
)
from app.storage.port import Store

SERVICES = [
    Service("dialysis", "血透", "Dialysis", 0),
    Service("emergency", "急诊", "Emergency", 1),
]


def _hospital(**overrides) -> NewResource:
    values = {
        "kind": "hospital",
        "name": "测试医院",
        "lon": 121.47,
        "lat": 31.23,
        "precision": Precision.approximate,
        "ref": "test-hospital",
        "phones": ("021-12345678",),
        "services": ("dialysis",),
        "source_crs": SourceCrs.gcj02,
    }
    return NewResource(**values | overrides)


@pytest.fixture
def with_services(store: Store) -> Store:
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    return store


def test_resource_round_trip(store: Store):
    created = store.add_resource(_hospital(aliases=("测试",), address="测试路1号"))
    assert created.version == 1
    assert created.created_at.tzinfo is not None
    read = store.get_resource(created.id)
    assert read == created
    assert read.phones == ("021-12345678",)
    assert read.source_crs is SourceCrs.gcj02
    assert read.precision is Precision.approximate
    assert read.location_verified is False
    assert store.list_resources(kind="hospital") == [read]
    assert store.list_resources(kind="office") == []


def test_update_bumps_version_and_refuses_stale_versions(store: Store):
    created = store.add_resource(_hospital())
    updated = store.update_resource(created.id, 1, name="新名字", phones=("021-87654321",))
    assert (updated.version, updated.name, updated.phones) == (2, "新名字", ("021-87654321",))
    assert updated.updated_at >= created.updated_at
    with pytest.raises(VersionConflict) as conflict:
        store.update_resource(created.id, 1, name="lost update")
    assert conflict.value.current_version == 2
    assert store.get_resource(created.id).name == "新名字"
    with pytest.raises(NotFound):
        store.update_resource(999, 1, name="x")
    with pytest.raises(ValueError, match="version"):
        store.update_resource(created.id, 2, version=10)


def test_constraint_violations_are_storage_errors(store: Store):
    store.add_resource(_hospital())
    with pytest.raises(AlreadyExists):
        store.add_resource(_hospital(name="another"))
    with pytest.raises(InvalidRecord):
        store.add_resource(_hospital(ref="far", lon=500.0))
    created = store.get_resource(1)
    with pytest.raises(InvalidRecord):
        store.update_resource(created.id, created.version, lat=-100.0)
    assert store.get_resource(created.id).version == created.version


def test_set_status_bumps_version_and_appends_history(with_services: Store):
    store = with_services
    hospital = store.add_resource(_hospital())
    report = StatusReport(State.open, "alice", conditions=("negative_test_48h",), note="带核酸")
    written = store.set_status(hospital.id, "dialysis", report, expected_version=1)
    assert (written.resource_id, written.version, written.late) == (hospital.id, 2, False)
    assert written.status.state is State.open and written.status.verified_at is None
    verified = StatusReport(State.limited, "bob", source="phone", verified_by="bob")
    status = store.set_status(hospital.id, "dialysis", verified, expected_version=2).status
    assert status.verified_at == status.reported_at
    store.set_status(hospital.id, "emergency", StatusReport(State.closed, "carol"), 3)

    [view] = store.view_resources(ids=[hospital.id])
    assert view.resource.version == 4
    assert {k: v.state for k, v in view.statuses.items()} == {
        "dialysis": State.limited,
        "emergency": State.closed,
    }
    history = store.history(hospital.id)
    assert [(h.status.service, h.status.state, h.resource_version, h.late) for h in history] == [
        ("emergency", State.closed, 4, False),
        ("dialysis", State.limited, 3, False),
        ("dialysis", State.open, 2, False),
    ]
    assert history[2].status.conditions == ("negative_test_48h",)
    only_dialysis = store.history(hospital.id, service="dialysis", limit=1, offset=1)
    assert [h.status.reported_by for h in only_dialysis] == ["alice"]


def test_set_status_refuses_stale_versions_and_unknown_services(with_services: Store):
    store = with_services
    hospital = store.add_resource(_hospital())
    store.set_status(hospital.id, "dialysis", StatusReport(State.open, "a"), 1)
    with pytest.raises(VersionConflict):
        store.set_status(hospital.id, "dialysis", StatusReport(State.closed, "b"), 1)
    with pytest.raises(NotFound, match="service"):
        store.set_status(hospital.id, "teleportation", StatusReport(State.open, "a"), 2)
    with pytest.raises(NotFound):
        store.set_status(999, "dialysis", StatusReport(State.open, "a"), 1)
    with pytest.raises(VersionConflict):  # past a PostgreSQL integer: was a DataError there
        store.set_status(hospital.id, "dialysis", StatusReport(State.closed, "b"), 2**31)
    with pytest.raises(VersionConflict):
        store.verify_status(hospital.id, "dialysis", "b", 10**18)
    for service in ("teleportation", "\x00"):  # NUL: PostgreSQL text cannot hold it
        with pytest.raises(NotFound, match="no service"):
            store.verify_status(hospital.id, service, "b")
    assert len(store.history(hospital.id)) == 1
    assert store.get_resource(hospital.id).version == 2


def test_set_status_offered_only_checks_the_resource_then_its_services_in_the_write(
    with_services: Store,
):
    store = with_services
    hospital = store.add_resource(_hospital())  # lists dialysis only
    report = StatusReport(State.open, "a")
    with pytest.raises(NotFound, match="no resource 999"):
        store.set_status(999, "dialysis", report, 1, offered_only=True)
    with pytest.raises(ServiceNotListed, match="does not list the service 'emergency'"):
        store.set_status(hospital.id, "emergency", report, 1, offered_only=True)
    with pytest.raises(ServiceNotListed):  # before the version: a stale one changes nothing
        store.set_status(hospital.id, "emergency", report, 7, offered_only=True)
    assert (store.history(hospital.id), store.get_resource(hospital.id).version) == ([], 1)
    written = store.set_status(hospital.id, "dialysis", report, 1, offered_only=True)
    assert written.version == 2
    assert store.set_status(hospital.id, "emergency", report, 2).version == 3  # not asked


def test_concurrent_writers_with_the_same_version_lose_nothing(with_services: Store):
    store = with_services
    hospital = store.add_resource(_hospital())
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def write(n: int) -> None:
        barrier.wait()
        try:
            store.set_status(hospital.id, "dialysis", StatusReport(State.open, f"v{n}"), 1)
            outcomes.append("ok")
        except VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
    assert len(store.history(hospital.id)) == 1
    assert store.get_resource(hospital.id).version == 2


def test_concurrent_batches_with_the_same_versions_lose_nothing(with_services: Store):
    store = with_services
    hospital = store.add_resource(_hospital())
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def batch(n: int) -> None:
        changes = [
            StatusChange(hospital.id, "dialysis", StatusReport(State.open, f"v{n}"), 1),
            StatusChange(hospital.id, "emergency", StatusReport(State.closed, f"v{n}"), 2),
        ]
        barrier.wait()
        try:
            store.set_statuses(changes)
            outcomes.append("ok")
        except VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=batch, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
    history = store.history(hospital.id)
    assert [h.resource_version for h in history] == [3, 2]
    assert len({h.status.reported_by for h in history}) == 1
    assert store.get_resource(hospital.id).version == 3


def test_data_persists_across_reopen(with_services: Store, store_settings: Settings):
    hospital = with_services.add_resource(_hospital())
    with_services.set_status(hospital.id, "dialysis", StatusReport(State.open, "a"), 1)
    with_services.close()
    reopened = open_store(store_settings)
    try:
        assert reopened.get_resource(hospital.id).version == 2
        assert len(reopened.history(hospital.id)) == 1
        assert reopened.get_meta("seed_version") == "test"
        assert reopened.seed(SeedData(services=[], units=[], aliases=[]), "again") is False
    finally:
        reopened.close()


def test_bad_field_values_are_refused_not_stored(store: Store):
    created = store.add_resource(_hospital())
    for changes in ({"aliases": "abc"}, {"phones": [1, 2]}, {"precision": "roughly"}):
        with pytest.raises(InvalidRecord):
            store.update_resource(created.id, 1, **changes)
    with pytest.raises(InvalidRecord):
        store.add_resource(_hospital(ref="other", source_crs="mars"))
    assert store.get_resource(created.id).version == 1


def test_moves_never_make_a_unit_coarser(seeded_store: Store):
    committee = seeded_store.find_units(level=Level.committee, limit=1)[0]
    exact = UnitMove(committee.id, 121.5, 31.2, Precision.exact)
    street = UnitMove(committee.id, 121.4, 31.1, Precision.street)
    assert seeded_store.move_units([exact]) == 1
    assert seeded_store.move_units([street]) == 0
    kept = seeded_store.get_unit(committee.id)
    assert (kept.lon, kept.lat, kept.precision) == (121.5, 31.2, Precision.exact)
    with pytest.raises(NotFound):
        seeded_store.move_units([UnitMove(10**9, 121.4, 31.1, Precision.street)])


def test_a_batch_writes_every_change_or_none(with_services: Store):
    store = with_services
    a = store.add_resource(_hospital(ref="a"))
    b = store.add_resource(_hospital(ref="b"))
    ok = [
        StatusChange(a.id, "dialysis", StatusReport(State.open, "v"), 1),
        StatusChange(a.id, "emergency", StatusReport(State.closed, "v"), 2),
        StatusChange(b.id, "dialysis", StatusReport(State.limited, "v"), 1),
    ]
    stale = [*ok[:2], StatusChange(b.id, "dialysis", StatusReport(State.open, "v"), 5)]
    with pytest.raises(VersionConflict) as conflict:
        store.set_statuses(stale)
    assert (conflict.value.item, conflict.value.current_version) == (2, 1)
    assert store.history(a.id) == [] and store.get_resource(a.id).version == 1
    written = store.set_statuses(ok)
    assert [(w.resource_id, w.version, w.status.service) for w in written] == [
        (a.id, 2, "dialysis"), (a.id, 3, "emergency"), (b.id, 2, "dialysis"),
    ]  # fmt: skip
    assert [h.resource_version for h in store.history(a.id)] == [3, 2]


def test_two_batch_changes_expecting_the_same_version_conflict(with_services: Store):
    # Review finding 6: both were applied (versions 2 and 3), the second overwriting the
    # first unseen. A batch is the same PUTs with If-Match, in order.
    store = with_services
    hospital = store.add_resource(_hospital())
    first = StatusChange(hospital.id, "dialysis", StatusReport(State.open, "alice"), 1)
    second = StatusChange(hospital.id, "dialysis", StatusReport(State.closed, "bob"), 1)
    with pytest.raises(VersionConflict) as conflict:
        store.set_statuses([first, second])
    assert (conflict.value.item, conflict.value.current_version) == (1, 2)
    assert store.history(hospital.id) == [] and store.get_resource(hospital.id).version == 1
    with pytest.raises(VersionConflict) as conflict:  # another service of the same resource
        store.set_statuses([first, StatusChange(hospital.id, "emergency", second.report, 1)])
    assert (conflict.value.item, conflict.value.current_version) == (1, 2)
    in_order = store.set_statuses([first, StatusChange(hospital.id, "dialysis", second.report, 2)])
    assert [w.version for w in in_order] == [2, 3]
    assert [h.status.reported_by for h in store.history(hospital.id)] == ["bob", "alice"]


def test_verification_confirms_without_changing(with_services: Store):
    store = with_services
    hospital = store.add_resource(_hospital())
    with pytest.raises(NotFound, match="no 'dialysis' report"):
        store.verify_status(hospital.id, "dialysis", "checker")
    reported = store.set_status(hospital.id, "dialysis", StatusReport(State.open, "v"), 1).status
    with pytest.raises(VersionConflict):
        store.verify_status(hospital.id, "dialysis", "checker", expected_version=1)
    written = store.verify_status(hospital.id, "dialysis", "checker")
    verified = written.status
    assert (written.version, store.get_resource(hospital.id).version) == (3, 3)
    assert (verified.state, verified.reported_by, verified.reported_at) == (
        State.open, "v", reported.reported_at,
    )  # fmt: skip
    assert verified.verified_by == "checker" and verified.verified_at >= reported.reported_at


def test_tokens_are_found_by_hash_and_revoked_once(store: Store):
    token = store.add_token("alice", Role.volunteer, "h" * 64)
    assert store.token_by_hash("h" * 64) == token and store.token_by_hash("x" * 64) is None
    with pytest.raises(AlreadyExists):
        store.add_token("bob", Role.admin, "h" * 64)
    revoked = store.revoke_token(token.id)
    assert revoked.revoked_at is not None
    assert store.revoke_token(token.id).revoked_at == revoked.revoked_at
    with pytest.raises(NotFound):
        store.revoke_token(99)
    assert [t.name for t in store.list_tokens()] == ["alice"]


def test_problem_reports_need_a_real_resource_and_service(with_services: Store):
    store = with_services
    hospital = store.add_resource(_hospital())
    report = store.add_problem_report(hospital.id, "dialysis", "电话打不通")
    assert store.list_problem_reports([hospital.id]) == [report]
    with pytest.raises(NotFound):
        store.add_problem_report(999, None, "x")
    with pytest.raises(NotFound):
        store.add_problem_report(hospital.id, "teleport", "x")


def test_problem_report_times_are_the_newest_per_service_and_carry_no_text(with_services: Store):
    store = with_services
    first, second, quiet = store.apply_resource_changes(
        [_hospital(ref=f"h{n}", services=("dialysis", "emergency")) for n in range(3)], []
    )[0]
    old = store.add_problem_report(first.id, "dialysis", "电话打不通")
    new = store.add_problem_report(first.id, "dialysis", "已停诊")
    whole = store.add_problem_report(first.id, None, "地址不对")
    other = store.add_problem_report(second.id, "emergency", "x")
    times = store.problem_report_times([first.id, second.id, quiet.id, 999])
    assert times == {
        first.id: {"dialysis": new.created_at, None: whole.created_at},
        second.id: {"emergency": other.created_at},
    }
    assert new.created_at >= old.created_at and new.created_at.tzinfo is not None
    assert store.problem_report_times([]) == {}


def test_a_view_is_shared_once_under_a_code_that_is_free(store: Store):
    codes = iter(["aaaaaa", "aaaaaa", "bbbbbb"])
    view = {"zoom": 12, "center": [121.47, 31.23], "note": "人民广场"}
    first = store.create_share(view, lambda: next(codes))
    assert first.code == "aaaaaa" and isinstance(first, Share)
    reordered = {"center": [121.47, 31.23], "note": "人民广场", "zoom": 12}
    again = store.create_share(reordered, lambda: pytest.fail("a stored view needs no new code"))
    assert again == first and store.get_share("aaaaaa") == first
    other = store.create_share({"zoom": 13, "center": [121.47, 31.23]}, lambda: next(codes))
    assert other.code == "bbbbbb" and other.view == {"zoom": 13, "center": [121.47, 31.23]}
    with pytest.raises(NotFound):
        store.get_share("cccccc")


def test_a_share_gives_up_when_every_code_drawn_is_taken(store: Store):
    store.create_share({"zoom": 3}, lambda: "aaaaaa")
    with pytest.raises(AlreadyExists):
        store.create_share({"zoom": 4}, lambda: "aaaaaa")
    assert store.get_share("aaaaaa").view == {"zoom": 3}


def test_grid_clusters_count_each_point_in_its_cell(with_services: Store):
    store, cell = with_services, 0.01
    points = [(121.4001, 31.2001), (121.4099, 31.2099), (121.4101, 31.2001), (-0.005, -0.005)]
    added, _ = store.apply_resource_changes(
        [_hospital(ref=f"h{n}", lon=x, lat=y) for n, (x, y) in enumerate(points)], []
    )
    store.set_statuses([StatusChange(added[0].id, "dialysis", StatusReport(State.open, "v"), 1)])
    everything = store.grid_clusters("hospital", Area(), cell)
    # Cells west to east, then south to north; the first two points share one.
    assert [(round(c.lon, 6), round(c.lat, 6), c.count) for c in everything] == [
        (-0.005, -0.005, 1), (121.405, 31.205, 2), (121.4101, 31.2001, 1),
    ]  # fmt: skip
    open_now = Area(service="dialysis", states=frozenset({State.open}))
    assert [c.count for c in store.grid_clusters("hospital", open_now, cell)] == [1]
    boxed = Area(bbox=(121.405, 31.0, 121.5, 31.3))
    assert [c.count for c in store.grid_clusters("hospital", boxed, cell)] == [1, 1]
    assert store.grid_clusters("office", Area(), cell) == []


def test_grid_clusters_by_state_count_what_the_map_shows(with_services: Store):
    store, cell, now = with_services, 1.0, datetime.now(UTC)
    offers = [("dialysis",)] * 5 + [("emergency",), ()]
    added, _ = store.apply_resource_changes(
        [_hospital(ref=f"h{n}", lon=121.4 + n / 100, services=s) for n, s in enumerate(offers)], []
    )
    old = now - timedelta(hours=30)
    reports = [(State.open, None), (State.limited, None), (State.closed, None),
               (State.open, old), (State.unknown, None)]  # fmt: skip
    store.set_statuses([
        StatusChange(r.id, "dialysis", StatusReport(state, "v", reported_at=at), 1)
        for r, (state, at) in zip(added, reports, strict=False)
    ])  # fmt: skip
    area = Area(service="dialysis", checked_since=now - timedelta(hours=12))
    [cluster] = store.grid_clusters("hospital", area, cell, by_state=True)
    assert cluster.count == 7
    assert cluster.states == {"open": 1, "limited": 1, "closed": 1, "unknown": 2,
                              "not_offered": 2}  # fmt: skip
    # a listed service with no status yet is unknown, not "not offered"
    for_emergency = Area(service="emergency", checked_since=area.checked_since)
    [cluster] = store.grid_clusters("hospital", for_emergency, cell, by_state=True)
    assert cluster.states["unknown"] == 1 and cluster.states["not_offered"] == 6
    # without by_state, nothing changes: only the filtered points, and no states
    open_only = Area(service="dialysis", states=frozenset({State.open}))
    [plain] = store.grid_clusters("hospital", open_only, cell)
    assert (plain.count, plain.states) == (2, None)


def test_a_late_report_is_kept_in_history_and_changes_nothing_current(with_services: Store):
    # Review finding 10: a report dated 1970 replaced the current status.
    store = with_services
    hospital = store.add_resource(_hospital())
    now = datetime.now(UTC)
    current = store.set_status(hospital.id, "dialysis", StatusReport(State.open, "alice"), 1)
    old = StatusReport(State.closed, "bob", reported_at=now - timedelta(hours=1))
    with pytest.raises(VersionConflict):  # the precondition still holds for a late report
        store.set_status(hospital.id, "dialysis", old, 1)
    late = store.set_status(hospital.id, "dialysis", old, 2)
    assert (late.version, late.late, late.status) == (2, True, current.status)
    [view] = store.view_resources(ids=[hospital.id])
    assert view.resource.version == 2 and view.statuses["dialysis"] == current.status
    history = store.history(hospital.id)
    assert [(h.status.reported_by, h.resource_version, h.late) for h in history] == [
        ("bob", 2, True), ("alice", 2, False),
    ]  # fmt: skip
    assert history[0].status.state is State.closed
    # Late rows never become current anywhere: caches and live pages follow history_after.
    assert [h.id for h in store.history_after(0)] == [history[1].id]
    assert store.last_history_id() == history[1].id
    assert store.status_snapshot("dialysis")[1] == history[1].id


def test_lateness_counts_from_the_last_check_and_batches_follow_it(with_services: Store):
    store = with_services
    hospital = store.add_resource(_hospital())
    now = datetime.now(UTC)
    two_hours_ago = StatusReport(State.open, "alice", reported_at=now - timedelta(hours=2))
    store.set_status(hospital.id, "dialysis", two_hours_ago, 1)
    store.verify_status(hospital.id, "dialysis", "checker")  # checked now: version 3
    hour_ago = StatusReport(State.closed, "bob", reported_at=now - timedelta(hours=1))
    changes = [
        StatusChange(hospital.id, "dialysis", hour_ago, 3),  # older than the verification
        StatusChange(hospital.id, "emergency", hour_ago, 3),  # the first emergency report
        StatusChange(hospital.id, "dialysis", StatusReport(State.limited, "carol"), 4),
    ]
    written = store.set_statuses(changes)
    assert [(w.version, w.late) for w in written] == [(3, True), (4, False), (5, False)]
    assert written[0].status.verified_by == "checker"
    [view] = store.view_resources(ids=[hospital.id])
    assert {s: v.reported_by for s, v in view.statuses.items()} == {
        "dialysis": "carol", "emergency": "bob",
    }  # fmt: skip


def test_a_report_time_that_utc_cannot_hold_is_refused(with_services: Store):
    # Review finding 20: year 1 at +14:00 is before year 1 in UTC: an overflow, a 500.
    store = with_services
    hospital = store.add_resource(_hospital())
    east = timezone(timedelta(hours=14))
    report = StatusReport(State.open, "a", reported_at=datetime(1, 1, 1, tzinfo=east))
    with pytest.raises(InvalidRecord, match="reported_at"):
        store.set_status(hospital.id, "dialysis", report, 1)
    naive = StatusReport(State.open, "a", reported_at=datetime(2022, 4, 1))
    with pytest.raises(InvalidRecord, match="reported_at"):
        store.set_statuses([StatusChange(hospital.id, "dialysis", naive, 1)])
    assert store.history(hospital.id) == [] and store.get_resource(hospital.id).version == 1


def test_resources_in_matches_names_english_names_and_aliases_in_sql(with_services: Store):
    store = with_services
    renji = _hospital(ref="renji", name="上海交通大学医学院附属仁济医院（东院）",
                      name_en="Renji Hospital (East)", aliases=("仁济东院",))  # fmt: skip
    ruijin = _hospital(ref="ruijin", name="瑞金医院", name_en="Ruijin Hospital",
                       aliases=("瑞金总院", "100%_医院"))  # fmt: skip
    renji, ruijin = store.add_resource(renji), store.add_resource(ruijin)
    store.add_resource(_hospital(ref="other", name="其他医院", aliases=()))
    store.set_status(renji.id, "dialysis", StatusReport(State.open, "a"), 1)

    def named(text: str, **area) -> list[int]:
        _, views = store.resources_in("hospital", Area(name=text, **area), 10, 0, count=False)
        return [view.resource.id for view in views]

    assert named("仁济") == [renji.id]  # part of the name
    assert named("东院") == [renji.id]
    assert named("瑞金总院") == [ruijin.id]  # an alias
    assert named("ruijin HOSP") == [ruijin.id]  # English in any case
    assert named("医院") == [renji.id, ruijin.id, renji.id + 2]
    assert named("100%_") == [ruijin.id] and named("%") == [ruijin.id]  # no wildcards
    assert named("_") == [ruijin.id]
    assert named("牙科") == []
    assert named("医院", service="dialysis", states=frozenset({State.open})) == [renji.id]
    total, page = store.resources_in("hospital", Area(name="医院"), 1, 1)
    assert total == 3 and [view.resource.id for view in page] == [ruijin.id]
