"""What volunteers do with a help request: claim it (one holder at a time), move it along
``new → claimed → contacting → matched → resolved`` or close it with a reason, and write
notes or messages to the requester. Who may: the request's holder, and coordinators (and
admins) for any request; claiming is the only way to ``claimed``."""

from __future__ import annotations

from datetime import datetime

from app.domain.enums import Kind, Role
from app.domain.help import (
    CloseReason,
    HelpEvent,
    HelpEventKind,
    HelpMove,
    HelpRequest,
    HelpState,
)
from app.domain.records import Token
from app.services.auth import credential_key
from app.storage.errors import NotFound
from app.storage.port import Store

NEXT: dict[HelpState, frozenset[HelpState]] = {
    HelpState.new: frozenset({HelpState.closed}),
    HelpState.claimed: frozenset({HelpState.contacting, HelpState.matched, HelpState.closed}),
    HelpState.contacting: frozenset({HelpState.matched, HelpState.closed}),
    HelpState.matched: frozenset({HelpState.resolved, HelpState.closed, HelpState.contacting}),
}
"""The transitions a request may make (matched → contacting: the hospital fell through)."""


class MoveRefused(ValueError):
    """A transition that the body itself gets wrong (422): ``code`` says how."""

    code = "invalid_transition"


class MoveConflict(ValueError):
    """A transition the request's state or holder does not allow now (409)."""

    code = "invalid_transition"

    def __init__(self, message: str, holder: str | None = None) -> None:
        super().__init__(message)
        self.holder = holder


class ClaimNeeded(MoveConflict):
    """Only the request's holder (or a coordinator) may do this."""

    code = "claim_needed"


class Erased(MoveConflict):
    """A note for a request whose personal fields are erased: its text would outlive them."""

    code = "erased"


def is_holder(token: Token, request: HelpRequest) -> bool:
    """Whether ``token`` holds the unfinished request: its claim, running or lapsed with
    nobody taking it since (the store checks that again as it writes)."""
    return request.claim_key == credential_key(token) and not request.state.finished


def claim(store: Store, request_id: int, token: Token, now: datetime, lapsed_before: datetime):
    """Claim the request (or renew one's own claim): ``HelpClaimHeld`` while another's
    claim runs, ``StateChanged`` once it is finished."""
    return store.claim_help_request(request_id, token.name, credential_key(token), now,
                                    lapsed_before)  # fmt: skip


def check_body(state: HelpState, reason: CloseReason | None, resource_id: int | None) -> None:
    """``MoveRefused`` for a body that no request could take."""
    if state is HelpState.new:
        raise MoveRefused("state: a request returns to new only when its claim lapses")
    if state is HelpState.claimed:
        raise MoveRefused("state: claim a request with POST …/claim")
    if (state is HelpState.closed) != (reason is not None):
        raise MoveRefused("reason: give a close reason with closed, and only then")
    if (state is HelpState.matched) != (resource_id is not None):
        raise MoveRefused("resource_id: name the hospital with matched, and only then")


def move(
    store: Store,
    request_id: int,
    token: Token,
    to: HelpState,
    *,
    reason: CloseReason | None,
    resource_id: int | None,
    now: datetime,
    lapsed_before: datetime,
) -> HelpRequest:
    """Make a transition as ``token``; ``MoveRefused``, ``MoveConflict``, ``ClaimNeeded``,
    or the store's ``StateChanged`` when someone moved it meanwhile."""
    check_body(to, reason, resource_id)
    current = store.get_help_request(request_id)
    anyone = token.role.allows(Role.coordinator)
    if not anyone and not is_holder(token, current):
        held = current.claim_key is not None and not current.lapsed(lapsed_before)
        raise ClaimNeeded("claim the request first (POST …/claim), or ask a coordinator",
                          current.claimed_by if held else None)  # fmt: skip
    if to not in NEXT.get(current.state, frozenset()):
        raise MoveConflict(f"a {current.state.value} request cannot become {to.value}")
    if resource_id is not None:
        try:
            hospital = store.get_resource(resource_id)
        except NotFound:
            hospital = None
        if hospital is None or hospital.kind != Kind.hospital:
            raise MoveRefused(f"resource_id: no hospital {resource_id}")
    change = HelpMove(state=to, by=token.name, by_key=credential_key(token), at=now,
                      reason=reason, resource_id=resource_id)  # fmt: skip
    holder_key = None if anyone else credential_key(token)
    return store.move_help_request(request_id, current.state, holder_key, change)


def add_note(
    store: Store, request_id: int, token: Token, text: str, public: bool, now: datetime
) -> HelpEvent:
    """A private note (any volunteer), or a message the requester sees (its holder or a
    coordinator: one voice speaks to the requester); ``Erased`` once the request is, since
    erasure (which runs once) would never reach a later note."""
    current = store.get_help_request(request_id)
    if current.erased_at is not None:
        raise Erased("the request's details are erased: notes would outlive them")
    if public and not token.role.allows(Role.coordinator) and not is_holder(token, current):
        raise ClaimNeeded("only the request's holder or a coordinator writes to the requester")
    return store.add_help_event(request_id, HelpEventKind.note, text, public=public,
                                by=token.name, by_key=credential_key(token), at=now)  # fmt: skip
