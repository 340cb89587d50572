"""The sessions part of the SQL store: invites and the cookie sessions made through them
(hashes only, as tokens)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from app.domain.enums import Role
from app.domain.records import Invite, Session
from app.storage import schema as t
from app.storage.errors import AlreadyExists, InviteRejected, NotFound
from app.storage.sql_support import SqlPlumbing, utcnow


class SessionQueries(SqlPlumbing):
    """``Store`` methods about invites and sessions."""

    def add_invite(
        self,
        *,
        name: str,
        role: Role,
        code_hash: str,
        created_by: str | None,
        expires_at: datetime,
        max_uses: int,
    ) -> Invite:
        """Store a new, unused invite."""
        c = t.invites.c
        values = {
            "code_hash": code_hash, "name": name, "role": Role(role).value,
            "created_by": created_by, "created_at": utcnow(), "expires_at": expires_at,
            "max_uses": max_uses, "uses": 0,
        }  # fmt: skip
        with self._write() as conn:
            if conn.execute(select(c.id).where(c.code_hash == code_hash)).first():
                raise AlreadyExists("an invite with this hash exists")
            invite_id = conn.execute(insert(t.invites).values(values)).inserted_primary_key[0]
            return _invite(conn.execute(select(t.invites).where(c.id == invite_id)).one())

    def invite_by_hash(self, code_hash: str) -> Invite | None:
        """The invite with this code hash, or None."""
        with self._read() as conn:
            row = conn.execute(
                select(t.invites).where(t.invites.c.code_hash == code_hash)
            ).one_or_none()
        return None if row is None else _invite(row)

    def get_invite(self, invite_id: int) -> Invite:
        """The invite with this id."""
        with self._read() as conn:
            row = conn.execute(select(t.invites).where(t.invites.c.id == invite_id)).one_or_none()
        if row is None:
            raise NotFound(f"no invite {invite_id}")
        return _invite(row)

    def list_invites(self) -> list[Invite]:
        """Every invite, newest first."""
        with self._read() as conn:
            rows = conn.execute(select(t.invites).order_by(t.invites.c.id.desc()))
            return [_invite(row) for row in rows]

    def revoke_invite(self, invite_id: int) -> Invite:
        """Revoke an invite and end the sessions opened through it, in one transaction;
        revoking twice keeps the first time."""
        c, sessions = t.invites.c, t.sessions.c
        now = utcnow()
        with self._write() as conn:
            conn.execute(
                update(t.invites)
                .where(c.id == invite_id, c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            conn.execute(
                update(t.sessions)
                .where(sessions.invite_id == invite_id, sessions.ended_at.is_(None))
                .values(ended_at=now)
            )
            row = conn.execute(select(t.invites).where(c.id == invite_id)).one_or_none()
        if row is None:
            raise NotFound(f"no invite {invite_id}")
        return _invite(row)

    def join_invite(self, code_hash: str, secret_hash: str, now: datetime) -> Session:
        """Count one use and open a session, or neither: the use is a conditional UPDATE,
        which concurrent joins cannot both pass for the last use on either backend."""
        c = t.invites.c
        usable = (
            c.code_hash == code_hash,
            c.revoked_at.is_(None),
            c.expires_at > now,
            c.uses < c.max_uses,
        )
        with self._write() as conn:
            used = conn.execute(update(t.invites).where(*usable).values(uses=c.uses + 1))
            row = conn.execute(select(t.invites).where(c.code_hash == code_hash)).one_or_none()
            if row is None:
                raise NotFound("no such invite")
            if used.rowcount != 1:
                raise InviteRejected(_why_unusable(_invite(row), now))
            values = {
                "secret_hash": secret_hash, "name": row.name, "role": row.role,
                "invite_id": row.id, "created_at": now, "last_seen_at": now,
            }  # fmt: skip
            session_id = conn.execute(insert(t.sessions).values(values)).inserted_primary_key[0]
            return _session(
                conn.execute(select(t.sessions).where(t.sessions.c.id == session_id)).one()
            )

    def session_by_hash(self, secret_hash: str) -> Session | None:
        """The session with this secret hash, or None."""
        with self._read() as conn:
            row = conn.execute(
                select(t.sessions).where(t.sessions.c.secret_hash == secret_hash)
            ).one_or_none()
        return None if row is None else _session(row)

    def get_session(self, session_id: int) -> Session:
        """The session with this id."""
        with self._read() as conn:
            row = conn.execute(
                select(t.sessions).where(t.sessions.c.id == session_id)
            ).one_or_none()
        if row is None:
            raise NotFound(f"no session {session_id}")
        return _session(row)

    def touch_session(self, session_id: int, now: datetime) -> None:
        """Move a live session's ``last_seen_at`` to ``now``."""
        c = t.sessions.c
        with self._write() as conn:
            conn.execute(
                update(t.sessions)
                .where(c.id == session_id, c.ended_at.is_(None))
                .values(last_seen_at=now)
            )

    def end_session(self, session_id: int, now: datetime) -> Session:
        """End a session; ending twice keeps the first time."""
        c = t.sessions.c
        with self._write() as conn:
            conn.execute(
                update(t.sessions)
                .where(c.id == session_id, c.ended_at.is_(None))
                .values(ended_at=now)
            )
            row = conn.execute(select(t.sessions).where(c.id == session_id)).one_or_none()
        if row is None:
            raise NotFound(f"no session {session_id}")
        return _session(row)

    def list_sessions(self) -> list[Session]:
        """Every session, newest first."""
        with self._read() as conn:
            rows = conn.execute(select(t.sessions).order_by(t.sessions.c.id.desc()))
            return [_session(row) for row in rows]


def _why_unusable(invite: Invite, now: datetime) -> str:
    if invite.revoked_at is not None:
        return "revoked"
    return "expired" if invite.expires_at <= now else "used_up"


def _invite(row) -> Invite:
    return Invite(
        id=row.id, name=row.name, role=Role(row.role), created_by=row.created_by,
        created_at=row.created_at, expires_at=row.expires_at, max_uses=row.max_uses,
        uses=row.uses, revoked_at=row.revoked_at,
    )  # fmt: skip


def _session(row) -> Session:
    return Session(
        id=row.id, name=row.name, role=Role(row.role), invite_id=row.invite_id,
        created_at=row.created_at, last_seen_at=row.last_seen_at, ended_at=row.ended_at,
    )  # fmt: skip
