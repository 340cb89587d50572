"""The writing part of help requests in the SQL store: intake (with duplicates merged),
claims, transitions, history, reveals, withdrawal and erasure.

Every change to one request locks its row first (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite's write lock serialises writers anyway) and then writes with an ``UPDATE`` whose
``WHERE`` repeats what was checked, so of two volunteers claiming at once one wins and the
other is told who did, on either backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, and_, func, insert, null, or_, select, update

from app.domain.help import (
    LAPSING,
    MOST_CLAIMS,
    UNFINISHED,
    CloseReason,
    HelpAdded,
    HelpEvent,
    HelpEventKind,
    HelpMove,
    HelpRequest,
    HelpState,
    NewHelpRequest,
    Urgency,
)
from app.storage import schema as t
from app.storage.errors import HelpClaimHeld, HelpClaimsFull, InvalidRecord, StateChanged
from app.storage.sql_help_reads import HelpReads, help_event, request_row

CONTACTED = (HelpState.contacting, HelpState.matched, HelpState.resolved)
"""States that mean the requester was reached (or the request settled by contact)."""
ERASED = {"phone": null(), "name": null(), "text": null(), "lon": null(), "lat": null(),
          "answers": null()}  # fmt: skip
"""The personal fields of a request, as erasure leaves them."""


class HelpQueries(HelpReads):
    """``Store`` methods that write help requests."""

    def _serialise_help_intake(self, conn: Connection) -> None:
        """Make intakes queue until this transaction ends, so two submissions of one phone
        at once cannot both miss the other; SQLite's write lock already does."""

    def add_help_request(
        self, new: NewHelpRequest, secret_hash: str, now: datetime, merge_since: datetime
    ) -> HelpAdded:
        """Store a request and its link, or merge it into the earlier one."""
        c = t.help_requests.c
        with self._write() as conn:
            self._serialise_help_intake(conn)
            earlier = conn.execute(
                select(c.id)
                .where(c.phone == new.phone, c.service == new.service,
                       c.created_at >= merge_since, c.state.in_([s.value for s in UNFINISHED]))
                .order_by(c.created_at, c.id)
                .limit(1)
            ).scalar_one_or_none()  # fmt: skip
            if earlier is not None:
                request_id = _merge(conn, request_row(conn, earlier, lock=True), new, now)
            else:
                request_id = _insert(conn, new, now)
            conn.execute(insert(t.help_links).values(
                secret_hash=secret_hash, request_id=request_id, created_at=now))  # fmt: skip
            return HelpAdded(request_row(conn, request_id), earlier is not None)

    def claim_help_request(
        self, request_id: int, by: str, by_key: str, now: datetime, lapsed_before: datetime,
        most: int = MOST_CLAIMS,
    ) -> HelpRequest:  # fmt: skip
        """Claim a new or lapsed request; the holder renews its own. The cap counts the
        caller's running claims and those it took since ``lapsed_before`` (each showed a
        phone), so moving claims on at once does not lift it."""
        c = t.help_requests.c
        with self._write() as conn:
            current = request_row(conn, request_id, lock=True)
            if current.state.finished:
                raise StateChanged(current.state.value, None)
            same = (c.id == request_id, c.state == current.state.value)
            if current.state is not HelpState.new and current.claim_key == by_key:
                conn.execute(update(t.help_requests).where(*same, c.claim_key == by_key)
                             .values(state_at=now, updated_at=now))  # fmt: skip
                return request_row(conn, request_id)
            lapsed = current.lapsed(lapsed_before)
            if current.state is not HelpState.new and not lapsed:
                raise HelpClaimHeld(current.claimed_by or "someone", current.claimed_at)
            running = and_(c.state.in_([s.value for s in LAPSING]), c.state_at >= lapsed_before)
            recent = c.claimed_at >= lapsed_before  # moved on or closed since: still read
            held = conn.execute(
                select(func.count()).where(c.claim_key == by_key, or_(running, recent))
            ).scalar_one()
            if held >= most:
                raise HelpClaimsFull(most)
            if lapsed:
                same += (c.state_at < lapsed_before,)
            taken = conn.execute(
                update(t.help_requests)
                .where(*same)
                .values(state=HelpState.claimed.value, claimed_by=by, claim_key=by_key,
                        claimed_at=now, state_at=now, updated_at=now)
            )  # fmt: skip
            if taken.rowcount != 1:  # cannot happen under the row lock; never claim twice
                raise HelpClaimHeld(current.claimed_by or "someone", current.claimed_at)
            if lapsed:
                _event(conn, request_id, HelpEventKind.lapsed, at=now, state=HelpState.new)
            _event(conn, request_id, HelpEventKind.state, at=now, state=HelpState.claimed,
                   by=by, by_key=by_key)  # fmt: skip
            return request_row(conn, request_id)

    def move_help_request(
        self, request_id: int, expected: HelpState, holder_key: str | None, move: HelpMove
    ) -> HelpRequest:
        """Write a transition if the request is still as ``expected``."""
        c = t.help_requests.c
        with self._write() as conn:
            current = request_row(conn, request_id, lock=True)
            held = holder_key is None or current.claim_key == holder_key
            if current.state is not expected or not held:
                raise StateChanged(current.state.value, current.claimed_by)
            values = {"state": move.state.value, "state_at": move.at, "updated_at": move.at,
                      "close_reason": move.reason.value if move.reason else None}  # fmt: skip
            if move.resource_id is not None:
                values["resource_id"] = move.resource_id
            if move.state in CONTACTED and current.contacted_at is None:
                values["contacted_at"] = move.at
            if move.state.finished:
                values["closed_at"] = move.at
            where = [c.id == request_id, c.state == expected.value]
            if holder_key is not None:
                where.append(c.claim_key == holder_key)
            if conn.execute(update(t.help_requests).where(*where).values(values)).rowcount != 1:
                raise StateChanged(current.state.value, current.claimed_by)
            _event(conn, request_id, HelpEventKind.state, at=move.at, state=move.state,
                   reason=move.reason, resource_id=move.resource_id, by=move.by,
                   by_key=move.by_key)  # fmt: skip
            return request_row(conn, request_id)

    def add_help_event(
        self,
        request_id: int,
        kind: HelpEventKind,
        text: str,
        *,
        public: bool,
        by: str | None,
        by_key: str | None,
        at: datetime,
    ) -> HelpEvent:
        """Add a note, a message or the requester's added information."""
        with self._write() as conn:
            request_row(conn, request_id, lock=True)
            event_id = _event(conn, request_id, kind, at=at, text=text, public=public, by=by,
                              by_key=by_key)  # fmt: skip
            conn.execute(update(t.help_requests).where(t.help_requests.c.id == request_id)
                         .values(updated_at=at))  # fmt: skip
            row = conn.execute(select(t.help_events).where(t.help_events.c.id == event_id)).one()
            return help_event(row)

    def withdraw_help_request(self, request_id: int, now: datetime) -> HelpRequest:
        """Close (unless finished) and erase at once."""
        c = t.help_requests.c
        with self._write() as conn:
            current = request_row(conn, request_id, lock=True)
            if current.erased_at is not None:
                return current
            values = dict(ERASED, erased_at=now, updated_at=now)
            if not current.state.finished:
                values |= {"state": HelpState.closed.value, "state_at": now, "closed_at": now,
                           "close_reason": CloseReason.withdrawn.value}  # fmt: skip
            conn.execute(update(t.help_requests).where(c.id == request_id).values(values))
            _erase_private_texts(conn, select(c.id).where(c.id == request_id))
            _event(conn, request_id, HelpEventKind.withdrawn, at=now,
                   state=None if current.state.finished else HelpState.closed,
                   reason=None if current.state.finished else CloseReason.withdrawn)  # fmt: skip
            return request_row(conn, request_id)

    def reveal_help_request(
        self, request_id: int, by: str, by_key: str, at: datetime
    ) -> HelpRequest:
        """The request, with a line in its reveal log."""
        with self._write() as conn:
            found = request_row(conn, request_id)
            conn.execute(insert(t.help_reveals).values(
                request_id=request_id, by_name=by, by_key=by_key, at=at))  # fmt: skip
            return found

    def set_help_urgencies(self, changes: Mapping[int, tuple[Urgency, tuple[str, ...]]]) -> int:
        """Write new urgencies to those of these requests still unfinished."""
        c = t.help_requests.c
        unfinished = c.state.in_([s.value for s in UNFINISHED])
        changed = 0
        with self._write() as conn:
            for request_id, (urgency, why) in changes.items():
                done = conn.execute(
                    update(t.help_requests)
                    .where(c.id == request_id, unfinished)
                    .values(urgency=urgency.value, urgency_why=list(why))
                )
                changed += done.rowcount
        return changed

    def purge_help_requests(self, finished_before: datetime, now: datetime) -> int:
        """Erase the personal fields of requests finished before ``finished_before``."""
        c = t.help_requests.c
        due = (
            c.state.in_([HelpState.resolved.value, HelpState.closed.value]),
            c.closed_at < finished_before,
            c.erased_at.is_(None),
        )
        with self._write() as conn:
            _erase_private_texts(conn, select(c.id).where(*due))
            done = conn.execute(update(t.help_requests).where(*due)
                                .values(dict(ERASED, erased_at=now)))  # fmt: skip
            return done.rowcount


def _insert(conn: Connection, new: NewHelpRequest, now: datetime) -> int:
    if new.lon is None or not (-180 <= new.lon <= 180 and -90 <= new.lat <= 90):
        raise InvalidRecord("a help request needs a WGS-84 point")
    row = {
        "service": new.service, "answers": new.answers, "urgency": new.urgency.value,
        "urgency_why": list(new.urgency_why), "district_id": new.district_id,
        "street_id": new.street_id, "committee_id": new.committee_id, "lon": new.lon,
        "lat": new.lat, "precision": new.precision.value, "phone": new.phone, "name": new.name,
        "text": new.text, "consent_at": new.consent_at, "state": HelpState.new.value,
        "state_at": now, "created_at": now, "updated_at": now,
    }  # fmt: skip
    request_id = conn.execute(insert(t.help_requests).values(row)).inserted_primary_key[0]
    _event(conn, request_id, HelpEventKind.created, at=now, state=HelpState.new)
    return request_id


def _merge(conn: Connection, earlier: HelpRequest, new: NewHelpRequest, now: datetime) -> int:
    """Fold a second submission into ``earlier``: its text as a private event, its answers
    and urgency when they are more urgent."""
    values: dict[str, object] = {"updated_at": now}
    if new.urgency.rank < earlier.urgency.rank:
        values |= {"urgency": new.urgency.value, "urgency_why": list(new.urgency_why),
                   "answers": new.answers}  # fmt: skip
    conn.execute(update(t.help_requests).where(t.help_requests.c.id == earlier.id).values(values))
    _event(conn, earlier.id, HelpEventKind.merged, at=now, text=new.text)
    return earlier.id


def _event(
    conn: Connection,
    request_id: int,
    kind: HelpEventKind,
    *,
    at: datetime,
    state: HelpState | None = None,
    reason: CloseReason | None = None,
    resource_id: int | None = None,
    text: str | None = None,
    public: bool = False,
    by: str | None = None,
    by_key: str | None = None,
) -> int:
    row = {
        "request_id": request_id, "kind": kind.value, "state": state and state.value,
        "reason": reason and reason.value, "resource_id": resource_id, "text": text,
        "public": public, "by_name": by, "by_key": by_key, "at": at,
    }  # fmt: skip
    return conn.execute(insert(t.help_events).values(row)).inserted_primary_key[0]


def _erase_private_texts(conn: Connection, request_ids) -> None:
    """Drop the texts of the history that only volunteers saw: the requester's additions,
    merged submissions and private notes (messages to the requester stay)."""
    e = t.help_events.c
    conn.execute(
        update(t.help_events)
        .where(e.request_id.in_(request_ids), e.public.is_(False), e.text.is_not(None))
        .values(text=None)
    )
