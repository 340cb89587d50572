"""Claims on the call queue: who is phoning a hospital, so two people do not call it at
once. A claim is a courtesy, not a lock: others still may write (their writes meet the
usual versions)."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.domain.enums import Role
from app.domain.records import Claim, Token
from app.storage.port import ClaimStore


def holder_key(token: Token) -> str:
    """What identifies the claimer across requests: the credential they signed in with (a
    session from an invite reaches routes as a token carrying its session's id)."""
    if token.session_id is not None:
        return f"session:{token.session_id}"
    return f"token:{token.id}"


def claim(store: ClaimStore, resource_id: int, token: Token, now: datetime, minutes: int) -> Claim:
    """Claim (or, for its holder, extend) a resource for ``minutes`` from now."""
    until = now + timedelta(minutes=minutes)
    return store.claim(resource_id, token.name, holder_key(token), now, until)


def release(store: ClaimStore, resource_id: int, token: Token, now: datetime) -> Claim | None:
    """End a claim: the holder's own; a verifier may end anyone's."""
    anyone = token.role.allows(Role.verifier)
    return store.release_claim(resource_id, None if anyone else holder_key(token), now)
