"""The access part of the SQL store: API tokens (hashes only) and public problem reports
(open until a check answers them, or a verifier resolves or dismisses them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update

from app.domain.enums import ProblemOutcome, Role
from app.domain.records import ProblemReport, Token
from app.storage import schema as t
from app.storage.errors import AlreadyClosed, AlreadyExists, NotFound
from app.storage.sql_support import BATCH, SqlPlumbing, utcnow

_BY_HASH = select(t.tokens).where(t.tokens.c.token_hash == bindparam("token_hash"))
"""Every signed-in request's read, built once."""


class AccessQueries(SqlPlumbing):
    """``Store`` methods about tokens and problem reports."""

    def add_token(self, name: str, role: Role, token_hash: str) -> Token:
        """Store a token's hash."""
        c = t.tokens.c
        with self._write() as conn:
            if conn.execute(select(c.id).where(c.token_hash == token_hash)).first():
                raise AlreadyExists("a token with this hash exists")
            values = {"name": name, "role": Role(role).value, "token_hash": token_hash}
            token_id = conn.execute(
                insert(t.tokens).values(values | {"created_at": utcnow()})
            ).inserted_primary_key[0]
            return _token(conn.execute(select(t.tokens).where(c.id == token_id)).one())

    def token_by_hash(self, token_hash: str) -> Token | None:
        """The token with this hash, or None."""
        with self._read() as conn:
            row = conn.execute(_BY_HASH, {"token_hash": token_hash}).one_or_none()
        return None if row is None else _token(row)

    def list_tokens(self) -> list[Token]:
        """Every token, oldest first."""
        with self._read() as conn:
            return [_token(row) for row in conn.execute(select(t.tokens).order_by(t.tokens.c.id))]

    def revoke_token(self, token_id: int) -> Token:
        """Revoke a token; revoking twice keeps the first time."""
        c = t.tokens.c
        with self._write() as conn:
            conn.execute(
                update(t.tokens)
                .where(c.id == token_id, c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            row = conn.execute(select(t.tokens).where(c.id == token_id)).one_or_none()
        if row is None:
            raise NotFound(f"no token {token_id}")
        return _token(row)

    def add_problem_report(self, resource_id: int, service: str | None, text: str) -> ProblemReport:
        """Store a problem report."""
        with self._write() as conn:
            if (
                conn.execute(
                    select(t.resources.c.id).where(t.resources.c.id == resource_id)
                ).first()
                is None
            ):
                raise NotFound(f"no resource {resource_id}")
            if (
                service is not None
                and conn.execute(
                    select(t.services.c.code).where(t.services.c.code == service)
                ).first()
                is None
            ):
                raise NotFound(f"no service {service!r}")
            values = {"resource_id": resource_id, "service": service, "text": text}
            report_id = conn.execute(
                insert(t.problem_reports).values(values | {"created_at": utcnow()})
            ).inserted_primary_key[0]
            row = conn.execute(
                select(t.problem_reports).where(t.problem_reports.c.id == report_id)
            ).one()
        return _report(row)

    def list_problem_reports(
        self, resource_ids: Sequence[int] | None = None, *, closed: bool = False
    ) -> list[ProblemReport]:
        """Problem reports not closed by a verifier (with ``closed``: every one), newest first."""
        c = t.problem_reports.c
        query = select(t.problem_reports).order_by(c.id.desc())
        if resource_ids is not None:
            query = query.where(c.resource_id.in_(list(resource_ids)))
        if not closed:
            query = query.where(c.closed_as.is_(None))
        with self._read() as conn:
            return [_report(row) for row in conn.execute(query)]

    def close_problem_report(
        self, report_id: int, outcome: ProblemOutcome, by: str, note: str | None, now: datetime
    ) -> ProblemReport:
        """Resolve or dismiss a report once; AlreadyClosed after that, NotFound if unknown."""
        c = t.problem_reports.c
        values = {
            "closed_as": ProblemOutcome(outcome).value,
            "closed_by": by,
            "closed_at": now,
            "close_note": note,
        }
        with self._write() as conn:
            done = conn.execute(
                update(t.problem_reports)
                .where(c.id == report_id, c.closed_as.is_(None))
                .values(values)
            )
            row = conn.execute(select(t.problem_reports).where(c.id == report_id)).one_or_none()
        if row is None:
            raise NotFound(f"no problem report {report_id}")
        if done.rowcount != 1:
            raise AlreadyClosed(f"problem report {report_id} was {row.closed_as} already")
        return _report(row)

    def problem_report_times(
        self, resource_ids: Sequence[int]
    ) -> dict[int, dict[str | None, datetime]]:
        """The newest report per resource and service, grouped by the database."""
        c = t.problem_reports.c
        ids = list(dict.fromkeys(resource_ids))
        times: dict[int, dict[str | None, datetime]] = {}
        with self._read() as conn:
            for start in range(0, len(ids), BATCH):
                query = (
                    select(c.resource_id, c.service, func.max(c.created_at))
                    .where(c.resource_id.in_(ids[start : start + BATCH]), c.closed_as.is_(None))
                    .group_by(c.resource_id, c.service)
                )
                for resource_id, service, newest in conn.execute(query):
                    times.setdefault(resource_id, {})[service] = newest
        return times


def _report(row) -> ProblemReport:
    closed_as = row.closed_as
    return ProblemReport(
        **dict(row._mapping)
        | {"closed_as": None if closed_as is None else ProblemOutcome(closed_as)}
    )


def _token(row) -> Token:
    return Token(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
