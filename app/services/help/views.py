"""What each reader sees of a help request: the requester's tracking page (state, the
hospital, volunteers' messages: never a personal field), the board (phone masked, no
name, text or point), and the full request for its claimant and coordinators."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from app.domain.enums import Kind, Role
from app.domain.help import LAPSING, HelpEvent, HelpEventKind, HelpRequest, HelpState
from app.domain.records import AdminUnit, Token
from app.models import (
    HelpBoardItem,
    HelpClaim,
    HelpEventPublic,
    HelpMessage,
    HelpRequestDetail,
    HelpTracking,
    HospitalRef,
    UnitRef,
    UrgencyWhy,
)
from app.services.auth import credential_key
from app.services.help.urgency import why_words
from app.storage.errors import NotFound
from app.storage.port import Store

DIGIT = re.compile(r"\d")
MATCH_SHOWN = (HelpState.matched, HelpState.resolved)
"""States in which the requester sees the matched hospital."""
PERSONAL_EVENTS = (HelpEventKind.added, HelpEventKind.merged)
"""History lines holding the requester's own words: shown only with the personal fields."""


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` → ``138****5678``, ``021-64370045`` → ``021-****0045`` (an
    extension is left out)."""
    if phone is None:
        return None
    number = phone.split("转")[0]
    return number[:3] + DIGIT.sub("*", number[3:-4]) + number[-4:]


def lapse_cutoff(now: datetime, claim_minutes: int) -> datetime:
    """Claims not moved on since this moment have lapsed."""
    return now - timedelta(minutes=claim_minutes)


def may_reveal(token: Token, request: HelpRequest, lapsed_before: datetime) -> bool:
    """Whether ``token`` may read the personal fields: a coordinator (or admin), or the
    volunteer whose claim on it runs."""
    if token.role.allows(Role.coordinator):
        return True
    return request.claim_key == credential_key(token) and not request.lapsed(lapsed_before)


def tracking(
    store: Store, request: HelpRequest, lapsed_before: datetime, *, repeat: bool = False
) -> HelpTracking:
    """The requester's view (``HelpTracking``). A request sent more than once (``repeat``)
    has holders who may have known no more than the phone and the service: they see the
    state, not the hospital nor the messages written to whoever answers the phone."""
    matched, messages, added = None, [], []
    if not repeat:
        events = store.help_events(request.id)
        matched = _matched(store, request)
        messages = [HelpMessage(at=e.at, text=e.text) for e in events
                    if e.kind is HelpEventKind.note and e.public and e.text]  # fmt: skip
        added = [e.at for e in events if e.kind is HelpEventKind.added]
    return HelpTracking(
        state=request.shown_state(lapsed_before), service=request.service,
        close_reason=request.close_reason, created_at=request.created_at,
        updated_at=request.updated_at, matched=matched, messages=messages, added=added,
        erased=request.erased_at is not None, repeat=repeat,
    )  # fmt: skip


def _matched(store: Store, request: HelpRequest) -> HospitalRef | None:
    if request.state not in MATCH_SHOWN or request.resource_id is None:
        return None
    try:
        hospital = store.get_resource(request.resource_id)
    except NotFound:
        return None
    if hospital.kind != Kind.hospital:
        return None
    return HospitalRef(id=hospital.id, name=hospital.name, address=hospital.address,
                       phones=list(hospital.phones))  # fmt: skip


def _unit(units: Mapping[int, AdminUnit], unit_id: int | None) -> UnitRef | None:
    unit = units.get(unit_id) if unit_id is not None else None
    return None if unit is None else UnitRef(id=unit.id, name=unit.name)


def _claim(request: HelpRequest, claim_minutes: int) -> HelpClaim | None:
    if request.claimed_by is None or request.claimed_at is None or request.state.finished:
        return None
    lapses = request.state_at + timedelta(minutes=claim_minutes)
    return HelpClaim(holder=request.claimed_by, claimed_at=request.claimed_at,
                     lapses_at=lapses if request.state in LAPSING else None)  # fmt: skip


def board_fields(
    request: HelpRequest, units: Mapping[int, AdminUnit], now: datetime, claim_minutes: int
) -> dict:
    """The fields every volunteer sees."""
    shown = request.shown_state(lapse_cutoff(now, claim_minutes))
    return {
        "id": request.id, "service": request.service, "urgency": request.urgency,
        "urgency_why": [UrgencyWhy(**w) for w in why_words(request.urgency_why)],
        "state": shown, "close_reason": request.close_reason,
        "district": _unit(units, request.district_id), "street": _unit(units, request.street_id),
        "phone": mask_phone(request.phone), "created_at": request.created_at,
        "age_seconds": max(0, int((now - request.created_at).total_seconds())),
        "claim": None if shown is HelpState.new else _claim(request, claim_minutes),
        "resource_id": request.resource_id, "erased": request.erased_at is not None,
    }  # fmt: skip


def board_item(
    request: HelpRequest, units: Mapping[int, AdminUnit], now: datetime, claim_minutes: int
) -> HelpBoardItem:
    """A request as the board lists it."""
    return HelpBoardItem(**board_fields(request, units, now, claim_minutes))


def detail(
    request: HelpRequest,
    events: list[HelpEvent],
    units: Mapping[int, AdminUnit],
    *,
    revealed: bool,
    now: datetime,
    claim_minutes: int,
) -> HelpRequestDetail:
    """A request for a volunteer: with its personal fields when ``revealed``."""
    fields = board_fields(request, units, now, claim_minutes)
    personal = {"phone": request.phone, "name": request.name, "text": request.text,
                "lon": request.lon, "lat": request.lat}  # fmt: skip
    if not revealed:
        personal = dict.fromkeys(personal) | {"phone": fields["phone"]}
    answers = request.answers
    if answers is not None and not revealed:
        answers = {key: value for key, value in answers.items() if key != "need"}
    lines = [
        HelpEventPublic(
            id=e.id, kind=e.kind, state=e.state, reason=e.reason, resource_id=e.resource_id,
            text=e.text if revealed or e.kind not in PERSONAL_EVENTS else None,
            public=e.public, by=e.by, at=e.at,
        )
        for e in events
    ]  # fmt: skip
    return HelpRequestDetail(
        **fields | personal, revealed=revealed, committee=_unit(units, request.committee_id),
        precision=request.precision, answers=answers, contacted_at=request.contacted_at,
        closed_at=request.closed_at, events=lines,
    )  # fmt: skip
