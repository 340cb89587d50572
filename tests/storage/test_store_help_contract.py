"""The help requests part of the storage contract, on every backend (SQLite file, PostGIS
database): intake and merged duplicates, links, the board's order and filters, exclusive
claims (also raced), lapsed claims, transitions, notes, reveals, withdrawal, purge."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.enums import Precision
from app.domain.help import (
    CloseReason,
    HelpBoardQuery,
    HelpEventKind,
    HelpLinked,
    HelpMove,
    HelpState,
    NewHelpRequest,
    Urgency,
)
from app.storage.errors import HelpClaimHeld, NotFound, StateChanged
from app.storage.port import Store

NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PHONE = "13812345678"


def _new(**overrides) -> NewHelpRequest:
    values = {
        "service": "dialysis", "answers": {"last_session": "2024-04-27"},
        "urgency": Urgency.critical, "urgency_why": ("3+ days",), "district_id": None,
        "street_id": None, "committee_id": None, "lon": 121.47, "lat": 31.23,
        "precision": Precision.exact, "phone": PHONE, "name": "李先生", "text": "父亲需要透析",
        "consent_at": NOW,
    }  # fmt: skip
    return NewHelpRequest(**values | overrides)


def _add(store: Store, secret: str = "a", now: datetime = NOW, **overrides):
    return store.add_help_request(_new(**overrides), secret * 64, now, now - DAY)


def _board(store: Store, now: datetime = NOW, **overrides) -> list[int]:
    query = HelpBoardQuery(lapsed_before=now - timedelta(minutes=30), **overrides)
    return [r.id for r in store.list_help_requests(query)]


def _move(state: HelpState, at: datetime = NOW, by: str = "王阿姨", **more) -> HelpMove:
    return HelpMove(state=state, by=by, by_key=f"token:{by}", at=at, **more)


def test_a_request_round_trips_and_its_link_leads_to_it(store: Store):
    added = _add(store)
    request = added.request
    assert not added.merged
    assert (request.state, request.phone, request.name, request.text) == (
        HelpState.new, PHONE, "李先生", "父亲需要透析")  # fmt: skip
    assert (request.lon, request.lat, request.precision) == (121.47, 31.23, Precision.exact)
    assert request.answers == {"last_session": "2024-04-27"}
    assert (request.urgency, request.urgency_why) == (Urgency.critical, ("3+ days",))
    assert request.created_at == request.state_at == NOW and request.erased_at is None
    assert store.help_request_for_link("a" * 64) == HelpLinked(request, repeat=False)
    assert request == store.get_help_request(request.id)
    assert store.help_request_for_link("b" * 64) is None
    assert [e.kind for e in store.help_events(request.id)] == [HelpEventKind.created]
    with pytest.raises(NotFound):
        store.get_help_request(request.id + 1)


def test_the_same_phone_and_service_within_a_day_is_merged(store: Store):
    first = _add(store).request
    again = _add(store, "b", NOW + timedelta(hours=5), text="第二次", urgency=Urgency.high)
    assert again.merged and again.request.id == first.id
    assert again.request.urgency is Urgency.critical  # the higher urgency stays
    for secret in "ab":  # sent twice: both links say so
        linked = store.help_request_for_link(secret * 64)
        assert (linked.request.id, linked.repeat) == (first.id, True)
    merged = store.help_events(first.id)[-1]
    assert (merged.kind, merged.text, merged.public) == (HelpEventKind.merged, "第二次", False)
    other_service = _add(store, "c", NOW + timedelta(hours=5), service="oncology")
    next_day = _add(store, "d", NOW + DAY + timedelta(seconds=1))
    other_phone = _add(store, "e", NOW, phone="13900000000")
    assert not (other_service.merged or next_day.merged or other_phone.merged)
    assert len({first.id, other_service.request.id, next_day.request.id,
                other_phone.request.id}) == 4  # fmt: skip


def test_a_more_urgent_duplicate_raises_the_urgency(store: Store):
    first = _add(store, urgency=Urgency.medium, answers={"last_session": "2024-04-30"}).request
    again = _add(store, "b", urgency=Urgency.critical, urgency_why=("later",)).request
    assert again.id == first.id
    assert (again.urgency, again.urgency_why) == (Urgency.critical, ("later",))
    assert again.answers == {"last_session": "2024-04-27"}


def test_a_finished_request_takes_no_duplicate(store: Store):
    first = _add(store).request
    store.move_help_request(first.id, HelpState.new, None, _move(
        HelpState.closed, reason=CloseReason.out_of_scope))  # fmt: skip
    assert not _add(store, "b").merged


def test_the_board_orders_by_urgency_then_age_and_filters(store: Store):
    normal = _add(store, "a", NOW, urgency=Urgency.normal, phone="13900000001").request
    old_high = _add(store, "b", NOW, urgency=Urgency.high, phone="13900000002").request
    critical = _add(store, "c", NOW + timedelta(minutes=5), phone="13900000003").request
    new_high = _add(store, "d", NOW + timedelta(minutes=1), urgency=Urgency.high,
                    service="oncology", phone="13900000004").request  # fmt: skip
    assert _board(store) == [critical.id, old_high.id, new_high.id, normal.id]
    assert _board(store, service="oncology") == [new_high.id]
    assert _board(store, limit=2, offset=1) == [old_high.id, new_high.id]
    store.claim_help_request(critical.id, "王阿姨", "token:1", NOW, NOW - timedelta(minutes=30))
    assert _board(store, states=(HelpState.new,)) == [old_high.id, new_high.id, normal.id]
    assert _board(store, states=(HelpState.claimed,)) == [critical.id]
    later = NOW + timedelta(minutes=31)  # the claim lapsed: new again on the board
    assert _board(store, later, states=(HelpState.new,))[0] == critical.id
    assert _board(store, later, states=(HelpState.claimed,)) == []


def test_the_board_filters_by_district(store: Store, with_units: list[int]):
    district, street = with_units
    inside = _add(store, "a", district_id=district, street_id=street).request
    _add(store, "b", phone="13900000000")
    assert _board(store, district_id=district) == [inside.id]


@pytest.fixture
def with_units(store: Store) -> list[int]:
    from app.domain.enums import Level
    from app.domain.records import SeedData, UnitRecord

    units = [
        UnitRecord("310101000000", Level.district, "黄浦区", "district", None, 121.48, 31.22,
                   Precision.district),
        UnitRecord("310101002000", Level.street, "南京东路街道", "subdistrict", "310101000000",
                   121.48, 31.22, Precision.district),
    ]  # fmt: skip
    store.seed(SeedData(services=[], units=units, aliases=[]), "test")
    return [store.find_units(name=name)[0].id for name in ("黄浦区", "南京东路街道")]


def test_a_claim_is_exclusive_renewable_and_lapses(store: Store):
    request = _add(store).request
    cutoff = NOW - timedelta(minutes=30)
    claimed = store.claim_help_request(request.id, "王阿姨", "token:1", NOW, cutoff)
    assert (claimed.state, claimed.claimed_by, claimed.claim_key) == (
        HelpState.claimed, "王阿姨", "token:1")  # fmt: skip
    with pytest.raises(HelpClaimHeld) as held:
        store.claim_help_request(request.id, "张医生", "token:2", NOW, cutoff)
    assert (held.value.holder, held.value.claimed_at) == ("王阿姨", NOW)
    soon = NOW + timedelta(minutes=20)
    renewed = store.claim_help_request(request.id, "王阿姨", "token:1", soon, soon - (NOW - cutoff))
    assert (renewed.claimed_at, renewed.state_at) == (NOW, soon)
    late = soon + timedelta(minutes=31)
    taken = store.claim_help_request(request.id, "张医生", "token:2", late,
                                     late - timedelta(minutes=30))  # fmt: skip
    assert (taken.claimed_by, taken.claimed_at) == ("张医生", late)
    kinds = [(e.kind, e.state, e.by) for e in store.help_events(request.id)]
    assert kinds == [
        (HelpEventKind.created, HelpState.new, None),
        (HelpEventKind.state, HelpState.claimed, "王阿姨"),
        (HelpEventKind.lapsed, HelpState.new, None),
        (HelpEventKind.state, HelpState.claimed, "张医生"),
    ]
    with pytest.raises(NotFound):
        store.claim_help_request(request.id + 1, "x", "token:3", NOW, cutoff)


def test_of_two_racing_claimers_one_wins(store: Store):
    request = _add(store).request
    barrier = threading.Barrier(8)
    won, lost = [], []

    def claim(n: int) -> None:
        barrier.wait()
        try:
            store.claim_help_request(request.id, f"v{n}", f"token:{n}", NOW, NOW - DAY)
            won.append(n)
        except HelpClaimHeld:
            lost.append(n)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(lost) == 7
    assert store.get_help_request(request.id).claim_key == f"token:{won[0]}"
    claims = [e for e in store.help_events(request.id) if e.kind is HelpEventKind.state]
    assert len(claims) == 1


def test_transitions_are_compared_and_set(store: Store, with_hospital: int):
    request = _add(store).request
    store.claim_help_request(request.id, "王阿姨", "token:王阿姨", NOW, NOW - DAY)
    at = NOW + timedelta(minutes=3)
    contacting = store.move_help_request(request.id, HelpState.claimed, "token:王阿姨",
                                         _move(HelpState.contacting, at))  # fmt: skip
    assert (contacting.state, contacting.contacted_at, contacting.state_at) == (
        HelpState.contacting, at, at)  # fmt: skip
    with pytest.raises(StateChanged) as changed:  # another's claim
        store.move_help_request(request.id, HelpState.contacting, "token:张医生",
                                _move(HelpState.matched, by="张医生"))  # fmt: skip
    assert (changed.value.state, changed.value.holder) == ("contacting", "王阿姨")
    with pytest.raises(StateChanged):  # moved on meanwhile
        store.move_help_request(request.id, HelpState.claimed, None, _move(HelpState.contacting))
    matched = store.move_help_request(
        request.id,
        HelpState.contacting,
        "token:王阿姨",
        _move(HelpState.matched, resource_id=with_hospital),
    )
    assert (matched.resource_id, matched.contacted_at) == (with_hospital, at)
    done = store.move_help_request(
        request.id,
        HelpState.matched,
        None,  # a coordinator
        _move(HelpState.resolved, NOW + DAY, by="协调员"),
    )
    assert (done.state, done.closed_at) == (HelpState.resolved, NOW + DAY)
    with pytest.raises(StateChanged):
        store.claim_help_request(request.id, "张医生", "token:张医生", NOW + DAY, NOW)
    moves = [(e.state, e.by, e.resource_id) for e in store.help_events(request.id)
             if e.kind is HelpEventKind.state]  # fmt: skip
    assert moves == [(HelpState.claimed, "王阿姨", None), (HelpState.contacting, "王阿姨", None),
                     (HelpState.matched, "王阿姨", with_hospital),
                     (HelpState.resolved, "协调员", None)]  # fmt: skip


@pytest.fixture
def with_hospital(store: Store) -> int:
    from tests.storage.test_store_contract import _hospital

    return store.add_resource(_hospital()).id


def test_notes_reveals_and_their_logs(store: Store):
    request = _add(store).request
    note = store.add_help_event(request.id, HelpEventKind.note, "家属电话打不通", public=False,
                                by="王阿姨", by_key="token:1", at=NOW)  # fmt: skip
    message = store.add_help_event(request.id, HelpEventKind.note, "正在联系医院", public=True,
                                   by="王阿姨", by_key="token:1", at=NOW)  # fmt: skip
    assert (note.public, message.public, note.by) == (False, True, "王阿姨")
    assert store.help_events(request.id)[1:] == [note, message]
    assert store.reveal_help_request(request.id, "王阿姨", "token:1", NOW).phone == PHONE
    store.reveal_help_request(request.id, "协调员", "token:2", NOW + DAY)
    assert [(r.by, r.at) for r in store.help_reveals(request.id)] == [
        ("王阿姨", NOW), ("协调员", NOW + DAY)]  # fmt: skip
    with pytest.raises(NotFound):
        store.reveal_help_request(request.id + 1, "x", "token:1", NOW)
    with pytest.raises(NotFound):
        store.help_reveals(request.id + 1)
    with pytest.raises(NotFound):
        store.add_help_event(request.id + 1, HelpEventKind.note, "x", public=False, by="x",
                             by_key="token:1", at=NOW)  # fmt: skip


def test_withdrawal_closes_and_erases_at_once(store: Store):
    request = _add(store).request
    store.add_help_event(request.id, HelpEventKind.added, "补充：住在3楼", public=False, by=None,
                         by_key=None, at=NOW)  # fmt: skip
    store.add_help_event(request.id, HelpEventKind.note, "已联系", public=True, by="王阿姨",
                         by_key="token:1", at=NOW)  # fmt: skip
    gone = store.withdraw_help_request(request.id, NOW + timedelta(hours=1))
    assert (gone.state, gone.close_reason, gone.erased_at) == (
        HelpState.closed, CloseReason.withdrawn, NOW + timedelta(hours=1))  # fmt: skip
    assert (gone.phone, gone.name, gone.text, gone.lon, gone.lat, gone.answers) == (None,) * 6
    texts = [(e.kind, e.text) for e in store.help_events(request.id)]
    assert texts == [(HelpEventKind.created, None), (HelpEventKind.added, None),
                     (HelpEventKind.note, "已联系"), (HelpEventKind.withdrawn, None)]  # fmt: skip
    assert store.withdraw_help_request(request.id, NOW + DAY) == gone  # twice: nothing new
    assert store.help_request_for_link("a" * 64).request == gone  # the link says what happened


def test_purge_erases_only_what_finished_long_enough_ago(store: Store):
    def finished(secret: str, state: HelpState, at: datetime, phone: str) -> int:
        request = _add(store, secret, phone=phone).request
        reason = CloseReason.unreachable if state is HelpState.closed else None
        store.move_help_request(request.id, HelpState.new, None, _move(state, at, reason=reason))
        store.add_help_event(request.id, HelpEventKind.note, "私下记录", public=False, by="x",
                             by_key="token:1", at=at)  # fmt: skip
        return request.id

    old_closed = finished("a", HelpState.closed, NOW - 31 * DAY, "13900000001")
    old_resolved = finished("b", HelpState.resolved, NOW - 40 * DAY, "13900000002")
    recent = finished("c", HelpState.closed, NOW - 29 * DAY, "13900000003")
    running = _add(store, "d", phone="13900000004").request.id
    assert store.purge_help_requests(NOW - 30 * DAY, NOW) == 2
    for rid in (old_closed, old_resolved):
        erased = store.get_help_request(rid)
        assert (erased.phone, erased.name, erased.text, erased.lon, erased.answers) == (None,) * 5
        assert erased.erased_at == NOW and erased.urgency is Urgency.critical
        assert [e.text for e in store.help_events(rid) if e.kind is HelpEventKind.note] == [None]
    for rid in (recent, running):
        kept = store.get_help_request(rid)
        assert kept.phone is not None and kept.erased_at is None
    assert store.purge_help_requests(NOW - 30 * DAY, NOW) == 0
    counts = {(c.state, c.count) for c in store.help_counts()}
    assert counts == {(HelpState.closed, 2), (HelpState.resolved, 1), (HelpState.new, 1)}


def test_contact_times_are_counted_from_asking(store: Store):
    assert store.help_history_mark() == 0
    request = _add(store).request
    marks = [store.help_history_mark()]
    store.claim_help_request(request.id, "王阿姨", "token:1", NOW, NOW - DAY)
    marks.append(store.help_history_mark())
    assert 0 < marks[0] < marks[1]  # every change a count sees moves the mark
    store.move_help_request(
        request.id,
        HelpState.claimed,
        "token:1",
        _move(HelpState.contacting, NOW + timedelta(minutes=12)),
    )
    _add(store, "b", phone="13900000000")
    assert store.help_contact_seconds() == [720.0]


def test_urgencies_are_rewritten_only_on_unfinished_requests(store: Store):
    waiting = _add(store).request
    finished = _add(store, "b", phone="13900000000").request
    store.claim_help_request(finished.id, "王阿姨", "token:王阿姨", NOW, NOW - DAY)
    store.move_help_request(finished.id, HelpState.claimed, None,
                            _move(HelpState.closed, reason=CloseReason.admitted))  # fmt: skip
    assert [r.id for r in store.unfinished_help_requests()] == [waiting.id]
    changes = {r.id: (Urgency.high, ("dialysis_2_days",)) for r in (waiting, finished)}
    assert store.set_help_urgencies(changes) == 1
    assert store.get_help_request(waiting.id).urgency_why == ("dialysis_2_days",)
    assert store.get_help_request(finished.id).urgency is Urgency.critical
