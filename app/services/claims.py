"""Claims on the call queue: who is phoning a hospital, so two people do not call it at
once. A claim is a courtesy, not a lock: others still may write (their writes meet the
usual versions)."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.domain.enums import Role
from app.domain.records import Claim, Token
from app.services.auth import credential_key
from app.storage.port import ClaimStore


def claim(store: ClaimStore, resource_id: int, token: Token, now: datetime, minutes: int) -> Claim:
    """Claim (or, for its holder, extend) a resource for ``minutes`` from now."""
    until = now + timedelta(minutes=minutes)
    return store.claim(resource_id, token.name, credential_key(token), now, until)


def release(store: ClaimStore, resource_id: int, token: Token, now: datetime) -> Claim | None:
    """End a claim: the holder's own; a verifier may end anyone's."""
    anyone = token.role.allows(Role.verifier)
    return store.release_claim(resource_id, None if anyone else credential_key(token), now)
