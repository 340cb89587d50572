"""Claims on the call queue: who is phoning a hospital, so two people do not call it at
once. A claim is a courtesy, not a lock: others still may write (their writes meet the
usual versions). One caller holds a few at a time: a person phones one hospital (the
workspace holds the card that is open), and one session claiming every hospital would
have every card read "someone is calling" for as long as it went on renewing them."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.domain.enums import Role
from app.domain.records import Claim, Token
from app.services.auth import credential_key
from app.storage.port import ClaimStore

MAX_HELD = 5
"""Running claims one caller may hold (a claim of the same resource extends it)."""


class TooManyClaims(Exception):
    """The caller holds ``MAX_HELD`` running claims on other resources; ``free_at`` is when
    the first of them ends."""

    def __init__(self, free_at: datetime) -> None:
        super().__init__(f"you are calling {MAX_HELD} hospitals already: close one first")
        self.free_at = free_at


def claim(store: ClaimStore, resource_id: int, token: Token, now: datetime, minutes: int) -> Claim:
    """Claim (or, for its holder, extend) a resource for ``minutes`` from now;
    ``TooManyClaims`` when the caller already holds ``MAX_HELD`` others."""
    key = credential_key(token)
    held = [
        c.expires_at
        for c in store.active_claims(now).values()
        if c.holder_key == key and c.resource_id != resource_id
    ]
    if len(held) >= MAX_HELD:
        raise TooManyClaims(min(held))
    until = now + timedelta(minutes=minutes)
    return store.claim(resource_id, token.name, key, now, until)


def release(store: ClaimStore, resource_id: int, token: Token, now: datetime) -> Claim | None:
    """End a claim: the holder's own; a verifier may end anyone's."""
    anyone = token.role.allows(Role.verifier)
    return store.release_claim(resource_id, None if anyone else credential_key(token), now)
