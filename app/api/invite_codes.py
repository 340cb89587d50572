"""Looking an invite up by the code in a path, with failures throttled per client like
failed token sign-ins: a code is a credential, and guessing one must not pay."""

from __future__ import annotations

from fastapi import Request

from app.api.context import AppContext
from app.api.deps import address_within
from app.domain.records import Invite
from app.services.sessions import invite_for_code

TOO_MANY = "too many failed sign-ins from this address"


def find_invite(request: Request, context: AppContext, code: str) -> Invite | None:
    """The invite of ``code`` (usable or not), or None, counted as a failed sign-in; 429
    while the client's failures are over the limit, before the store is asked."""
    limiter = context.limits.failed_auth
    address = address_within(request, limiter, TOO_MANY)
    invite = invite_for_code(context.store, code)
    if invite is None:
        limiter.record(address)
    return invite


def count_failure(request: Request, context: AppContext) -> None:
    """Count a failed join (an invite that stopped being usable meanwhile)."""
    limiter = context.limits.failed_auth
    limiter.record(address_within(request, limiter, TOO_MANY))
