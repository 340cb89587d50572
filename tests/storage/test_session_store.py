"""The invites and sessions part of the storage contract, on every backend (SQLite file,
PostGIS database): round trips, uses counted once each, refusals, ending."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.enums import Role
from app.storage.errors import AlreadyExists, InviteRejected, NotFound
from app.storage.port import Store

NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def _invite(store: Store, code_hash: str = "c" * 64, **overrides):
    values = {
        "name": "王阿姨",
        "role": Role.verifier,
        "code_hash": code_hash,
        "created_by": "协调员",
        "expires_at": NOW + timedelta(hours=72),
        "max_uses": 1,
    }
    return store.add_invite(**values | overrides)  # fmt: skip


def test_an_invite_round_trips_and_lists_newest_first(store: Store):
    first = _invite(store)
    assert (first.name, first.role, first.created_by) == ("王阿姨", Role.verifier, "协调员")
    assert (first.uses, first.max_uses, first.revoked_at) == (0, 1, None)
    assert first.expires_at == NOW + timedelta(hours=72)
    second = _invite(store, "d" * 64, created_by=None, role=Role.admin)
    assert store.invite_by_hash("c" * 64) == first == store.get_invite(first.id)
    assert store.invite_by_hash("e" * 64) is None
    assert store.list_invites() == [second, first]
    with pytest.raises(AlreadyExists):
        _invite(store)
    with pytest.raises(NotFound):
        store.get_invite(999)


def test_joining_uses_the_invite_and_opens_a_session_named_by_it(store: Store):
    invite = _invite(store, max_uses=2)
    session = store.join_invite("c" * 64, "s" * 64, NOW)
    assert (session.name, session.role, session.invite_id) == ("王阿姨", Role.verifier, invite.id)
    assert session.created_at == session.last_seen_at == NOW and session.ended_at is None
    assert store.session_by_hash("s" * 64) == session == store.get_session(session.id)
    assert store.get_invite(invite.id).uses == 1
    store.join_invite("c" * 64, "t" * 64, NOW)
    with pytest.raises(InviteRejected) as used_up:
        store.join_invite("c" * 64, "u" * 64, NOW)
    assert used_up.value.reason == "used_up"
    assert store.session_by_hash("u" * 64) is None
    assert store.get_invite(invite.id).uses == 2
    assert [s.invite_id for s in store.list_sessions()] == [invite.id, invite.id]


def test_expired_revoked_and_unknown_invites_open_no_session(store: Store):
    invite = _invite(store)
    with pytest.raises(InviteRejected) as expired:
        store.join_invite("c" * 64, "s" * 64, NOW + timedelta(hours=72))
    assert expired.value.reason == "expired"
    revoked = store.revoke_invite(invite.id)
    assert revoked.revoked_at is not None
    assert store.revoke_invite(invite.id).revoked_at == revoked.revoked_at  # the first time stays
    with pytest.raises(InviteRejected) as rejected:
        store.join_invite("c" * 64, "s" * 64, NOW)
    assert rejected.value.reason == "revoked"
    with pytest.raises(NotFound):
        store.join_invite("x" * 64, "s" * 64, NOW)
    with pytest.raises(NotFound):
        store.revoke_invite(999)
    assert store.list_sessions() == [] and store.get_invite(invite.id).uses == 0


def test_concurrent_joins_never_exceed_the_invites_uses(store: Store):
    _invite(store, max_uses=3)
    outcomes: list[str] = []

    def join(n: int) -> None:
        try:
            store.join_invite("c" * 64, f"{n:064d}", NOW)
            outcomes.append("joined")
        except InviteRejected:
            outcomes.append("refused")

    threads = [threading.Thread(target=join, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["joined"] * 3 + ["refused"] * 5
    assert len(store.list_sessions()) == 3


def test_sessions_are_touched_and_ended_once(store: Store):
    _invite(store)
    session = store.join_invite("c" * 64, "s" * 64, NOW)
    store.touch_session(session.id, NOW + timedelta(minutes=5))
    assert store.get_session(session.id).last_seen_at == NOW + timedelta(minutes=5)
    ended = store.end_session(session.id, NOW + timedelta(minutes=6))
    assert ended.ended_at == NOW + timedelta(minutes=6)
    assert store.end_session(session.id, NOW + timedelta(hours=1)).ended_at == ended.ended_at
    store.touch_session(session.id, NOW + timedelta(hours=2))  # an ended one stays as it was
    assert store.get_session(session.id).last_seen_at == NOW + timedelta(minutes=5)
    with pytest.raises(NotFound):
        store.end_session(999, NOW)
    with pytest.raises(NotFound):
        store.get_session(999)


def test_revoking_an_invite_ends_the_sessions_opened_through_it(store: Store):
    invite = _invite(store, max_uses=2)
    first = store.join_invite("c" * 64, "s" * 64, NOW)
    store.join_invite("c" * 64, "t" * 64, NOW)
    store.end_session(first.id, NOW)
    ended_before = store.get_session(first.id).ended_at
    store.revoke_invite(invite.id)
    sessions = store.list_sessions()
    assert all(s.ended_at is not None for s in sessions) and len(sessions) == 2
    assert store.get_session(first.id).ended_at == ended_before  # the first end stays
