"""Invites and cookie sessions: who may invite whom, codes and cookie secrets made at
random and kept only as SHA-256 hashes (as tokens), sessions that end after a while
unused.

A session stands in for a token wherever a route needs a signed-in caller (``as_token``):
its name is what the history records, exactly as a token's.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from datetime import datetime, timedelta

from app.domain.enums import Role
from app.domain.records import Invite, Session, Token
from app.services.auth import hash_token, token_name
from app.storage.port import SessionStore

CODE_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
"""What an invite code looks like (``secrets.token_urlsafe``); anything else is unknown
without asking the store."""
SECRET_MAX = 128
"""Longest cookie value read as a session secret."""
MAX_USES = 1000
MIN_LIFETIME, MAX_LIFETIME = timedelta(minutes=5), timedelta(days=30)
DEFAULT_LIFETIME = timedelta(hours=72)
TOUCH_EVERY = timedelta(minutes=1)
"""A session's ``last_seen_at`` moves at most this often: reads stay reads."""
DURATION = re.compile(r"^\s*(\d{1,6})\s*([mhd])\s*$")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class BadInvite(ValueError):
    """An invite's name, lifetime or number of uses that is refused."""


def may_invite(inviter: Role, invited: Role) -> bool:
    """Coordinators invite up to coordinators; only an admin invites (or revokes) admins."""
    if inviter is Role.admin:
        return True
    return inviter.allows(Role.coordinator) and Role.coordinator.allows(invited)


def parse_lifetime(text: str) -> timedelta:
    """``30m``, ``72h`` or ``7d`` as a duration; BadInvite for anything else."""
    match = DURATION.match(text)
    if match is None:
        raise BadInvite(f"{text!r} is not a duration like 30m, 72h or 7d")
    return timedelta(**{UNITS[match[2]]: int(match[1])})


def create_invite(
    store: SessionStore,
    *,
    name: str,
    role: Role,
    created_by: str | None,
    lifetime: timedelta,
    uses: int,
    now: datetime,
) -> tuple[Invite, str]:
    """A new invite and its code, which is not stored and cannot be shown again;
    BadInvite for a name, lifetime or number of uses out of bounds."""
    try:
        name = token_name(name, "an invite name")
    except ValueError as exc:
        raise BadInvite(str(exc)) from None
    if not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
        raise BadInvite("an invite lasts from 5 minutes to 30 days")
    if not 1 <= uses <= MAX_USES:
        raise BadInvite(f"an invite can be used from 1 to {MAX_USES} times")
    code = secrets.token_urlsafe(18)
    invite = store.add_invite(
        name=name, role=role, code_hash=hash_token(code), created_by=created_by,
        expires_at=now + lifetime, max_uses=uses,
    )  # fmt: skip
    return invite, code


def well_formed(code: str) -> bool:
    """Whether ``code`` could be an invite code at all."""
    return re.fullmatch(CODE_PATTERN, code) is not None


def invite_for_code(store: SessionStore, code: str) -> Invite | None:
    """The invite of this code (usable or not), or None."""
    return store.invite_by_hash(hash_token(code)) if well_formed(code) else None


def unusable_because(invite: Invite, now: datetime) -> str | None:
    """``revoked``, ``expired`` or ``used_up`` for an invite nobody can join through now,
    else None."""
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= now:
        return "expired"
    return "used_up" if invite.uses >= invite.max_uses else None


def join(store: SessionStore, code: str, now: datetime) -> tuple[Session, str]:
    """Use the invite of ``code`` once: a new session and its cookie secret (the store
    raises NotFound or InviteRejected when it cannot)."""
    secret = secrets.token_urlsafe(32)
    return store.join_invite(hash_token(code), hash_token(secret), now), secret


def live_session(
    store: SessionStore, secret: str, now: datetime, idle: timedelta
) -> Session | None:
    """The session of a cookie's secret if it has not ended nor been idle for ``idle``,
    marked as seen now (in the store at most once per ``TOUCH_EVERY``); else None."""
    if not secret or len(secret) > SECRET_MAX:
        return None
    session = store.session_by_hash(hash_token(secret))
    if session is None or session.ended_at is not None or now - session.last_seen_at >= idle:
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        store.touch_session(session.id, now)
        session = dataclasses.replace(session, last_seen_at=now)
    return session


def session_for(store: SessionStore, secret: str) -> Session | None:
    """The session of a cookie's secret, live or not (to end it), or None."""
    if not secret or len(secret) > SECRET_MAX:
        return None
    return store.session_by_hash(hash_token(secret))


def expires_at(session: Session, idle: timedelta) -> datetime:
    """When the session ends unless it is used before."""
    return session.last_seen_at + idle


def as_token(session: Session) -> Token:
    """The session as the signed-in caller routes see: named and ranked as it is."""
    return Token(
        id=session.id, name=session.name, role=session.role, created_at=session.created_at,
        revoked_at=session.ended_at, session_id=session.id,
    )  # fmt: skip
