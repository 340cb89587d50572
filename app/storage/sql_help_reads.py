"""The reading part of help requests in the SQL store: the board, links, history, the
reveal log and the counts the public aggregates come from."""

from __future__ import annotations

from sqlalchemy import Connection, and_, case, func, select

from app.domain.enums import Precision
from app.domain.help import (
    LAPSING,
    UNFINISHED,
    CloseReason,
    HelpBoardQuery,
    HelpCount,
    HelpEvent,
    HelpEventKind,
    HelpLinked,
    HelpRequest,
    HelpReveal,
    HelpState,
    Urgency,
)
from app.storage import schema as t
from app.storage.errors import NotFound
from app.storage.sql_support import SqlPlumbing

URGENCY_RANK = case({u.value: u.rank for u in Urgency}, value=t.help_requests.c.urgency)


class HelpReads(SqlPlumbing):
    """``Store`` methods that read help requests."""

    def help_request_for_link(self, secret_hash: str) -> HelpLinked | None:
        """The request a tracking link's hash leads to, and whether it was sent more than
        once (it has more than one link: a merged submission gets one of its own)."""
        links, every = t.help_links.c, t.help_links.alias("every_link").c
        count = select(func.count()).where(every.request_id == t.help_requests.c.id)
        repeat = (count.scalar_subquery() > 1).label("repeat")
        query = select(t.help_requests, repeat).join(
            t.help_links, links.request_id == t.help_requests.c.id
        )
        with self._read() as conn:
            row = conn.execute(query.where(links.secret_hash == secret_hash)).first()
        if row is None:
            return None
        values = dict(row._mapping)
        repeat = values.pop("repeat")
        return HelpLinked(request_record(values), bool(repeat))

    def get_help_request(self, request_id: int) -> HelpRequest:
        """The request with this id."""
        with self._read() as conn:
            return request_row(conn, request_id)

    def list_help_requests(self, query: HelpBoardQuery) -> list[HelpRequest]:
        """One page of the board, most urgent then oldest first."""
        c = t.help_requests.c
        lapsed = and_(c.state.in_([s.value for s in LAPSING]), c.state_at < query.lapsed_before)
        shown = case((lapsed, HelpState.new.value), else_=c.state)
        statement = select(t.help_requests).where(shown.in_([s.value for s in query.states]))
        if query.district_id is not None:
            statement = statement.where(c.district_id == query.district_id)
        if query.service is not None:
            statement = statement.where(c.service == query.service)
        statement = statement.order_by(URGENCY_RANK, c.created_at, c.id)
        with self._read() as conn:
            rows = conn.execute(statement.limit(query.limit).offset(query.offset))
            return [help_request(row) for row in rows]

    def unfinished_help_requests(self) -> list[HelpRequest]:
        """Every request not yet resolved or closed, by id."""
        c = t.help_requests.c
        query = select(t.help_requests).where(c.state.in_([s.value for s in UNFINISHED]))
        with self._read() as conn:
            return [help_request(row) for row in conn.execute(query.order_by(c.id))]

    def help_events(self, request_id: int) -> list[HelpEvent]:
        """A request's history, oldest first."""
        c = t.help_events.c
        with self._read() as conn:
            request_row(conn, request_id)
            rows = conn.execute(select(t.help_events).where(c.request_id == request_id)
                                .order_by(c.id))  # fmt: skip
            return [help_event(row) for row in rows]

    def help_reveals(self, request_id: int) -> list[HelpReveal]:
        """Who read the request's personal fields, oldest first."""
        c = t.help_reveals.c
        query = select(c.request_id, c.by_name, c.by_key, c.at).where(c.request_id == request_id)
        with self._read() as conn:
            request_row(conn, request_id)
            return [HelpReveal(*row) for row in conn.execute(query.order_by(c.id))]

    def help_counts(self) -> list[HelpCount]:
        """Requests counted by district, street, service and state."""
        c = t.help_requests.c
        keys = (c.district_id, c.street_id, c.service, c.state)
        with self._read() as conn:
            rows = conn.execute(select(*keys, func.count()).group_by(*keys))
            return [HelpCount(d, s, code, HelpState(state), n) for d, s, code, state, n in rows]

    def help_contact_seconds(self) -> list[float]:
        """Seconds from asking to first contact, for each request that got that far."""
        c = t.help_requests.c
        query = select(c.created_at, c.contacted_at).where(c.contacted_at.is_not(None))
        with self._read() as conn:
            return [(contacted - created).total_seconds() for created, contacted in
                    conn.execute(query)]  # fmt: skip

    def help_history_mark(self) -> int:
        """The newest history line's id, or 0."""
        with self._read() as conn:
            return conn.execute(select(func.max(t.help_events.c.id))).scalar_one() or 0


def request_row(conn: Connection, request_id: int, *, lock: bool = False) -> HelpRequest:
    """The request with this id in the caller's transaction (``lock``: its row locked until
    the transaction ends, so two writers to one request queue); NotFound otherwise."""
    query = select(t.help_requests).where(t.help_requests.c.id == request_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"no help request {request_id}")
    return help_request(row)


def help_request(row) -> HelpRequest:
    """A ``help_requests`` row as a record."""
    return request_record(dict(row._mapping))


def request_record(values: dict) -> HelpRequest:
    """A ``help_requests`` row's values as a record."""
    reason = values["close_reason"]
    return HelpRequest(
        **values
        | {
            "urgency": Urgency(values["urgency"]),
            "urgency_why": tuple(values["urgency_why"]),
            "precision": Precision(values["precision"]),
            "state": HelpState(values["state"]),
            "close_reason": None if reason is None else CloseReason(reason),
        }
    )


def help_event(row) -> HelpEvent:
    """A ``help_events`` row as a record."""
    return HelpEvent(
        id=row.id, request_id=row.request_id, kind=HelpEventKind(row.kind),
        state=None if row.state is None else HelpState(row.state),
        reason=None if row.reason is None else CloseReason(row.reason),
        resource_id=row.resource_id, text=row.text, public=row.public, by=row.by_name, at=row.at,
    )  # fmt: skip
