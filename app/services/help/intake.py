"""Taking a help request in: what it asks for (a service, or "other"), the answers to that
service's questions, a phone the volunteers can call, how urgent it is; then storing it
with a tracking link whose secret only the requester gets (the store keeps its hash).

Everything is checked before anything is stored; the store merges a second submission of
the same phone and service within ``MERGE_WINDOW`` into the first.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from app.domain.enums import Precision
from app.domain.help import HelpAdded, NewHelpRequest
from app.domain.records import Service
from app.services.auth import hash_token
from app.services.help.answers import check_answers
from app.services.help.urgency import assess
from app.services.phones import PhoneProblem, read_phone
from app.services.vocabulary import service_code
from app.storage.port import HelpStore

OTHER = "other"
"""The service of a request for something the services list does not name."""
MERGE_WINDOW = timedelta(hours=24)
SHANGHAI = timezone(timedelta(hours=8))
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-[2-9]\d{6,7}(?:转\d{1,6})?")
"""``read_phone``'s canonical landline: an area code, the number, maybe an extension."""


class HelpRefused(ValueError):
    """A request that cannot be taken as sent; ``code`` says which part and the message why."""

    code = "invalid_request"


class ServiceUnknown(HelpRefused):
    """A service that is neither in the services list nor ``other``."""

    code = "unknown_service"


class PhoneRefused(HelpRefused):
    """A phone that is not a Chinese mobile or landline."""

    code = "invalid_phone"


@dataclass(frozen=True, slots=True)
class Located:
    """Where the request is: a WGS-84 point, how well it is known, and its units' ids."""

    lon: float
    lat: float
    precision: Precision
    district_id: int | None
    street_id: int | None
    committee_id: int | None


def request_service(services: Sequence[Service], given: str) -> str:
    """The code of the service ``given`` names (a code or a name: 血透), or ``other``."""
    if given.strip().lower() == OTHER:
        return OTHER
    code = service_code(services, given)
    if code is None:
        raise ServiceUnknown(f"no service {given[:40]!r}: one of /api/v1/services, or other")
    return code


def requester_phone(text: str) -> str:
    """``text`` as a canonical Chinese mobile (``13812345678``) or landline
    (``021-64370045``); ``PhoneRefused`` for anything else (a service or hotline number,
    400 numbers, numbers abroad)."""
    try:
        number = read_phone(text).number
    except PhoneProblem as problem:
        raise PhoneRefused(f"phone: {problem}") from None
    if not (MOBILE.fullmatch(number) or LANDLINE.fullmatch(number)):
        raise PhoneRefused("phone: give a Chinese mobile (11 digits) or a landline with its "
                           "area code (021-…)")  # fmt: skip
    return number


def phone_key(phone: str) -> str:
    """What the per-phone limit counts for a canonical ``phone``: its hash, without an
    extension (``转123``), since a million extensions would make one landline as many."""
    return hash_token(phone.split("转")[0])


def shanghai_today(now: datetime):
    """The date in Shanghai at ``now``: what "the last session was on the 27th" means."""
    return now.astimezone(SHANGHAI).date()


def new_request(
    *,
    service: str,
    answers: Mapping[str, object],
    place: Located,
    phone: str,
    name: str | None,
    text: str | None,
    now: datetime,
) -> NewHelpRequest:
    """A request checked and assessed (``service`` a code or ``other``, ``phone`` as
    ``requester_phone`` left it); ``AnswerRefused`` for a bad answer."""
    checked = check_answers(service, answers, shanghai_today(now))
    assessment = assess(service, checked.values, shanghai_today(now))
    return NewHelpRequest(
        service=service, answers=checked.stored, urgency=assessment.urgency,
        urgency_why=assessment.why, district_id=place.district_id, street_id=place.street_id,
        committee_id=place.committee_id, lon=place.lon, lat=place.lat,
        precision=place.precision, phone=phone, name=name, text=text, consent_at=now,
    )  # fmt: skip


def store_request(store: HelpStore, new: NewHelpRequest, now: datetime) -> tuple[HelpAdded, str]:
    """Store ``new`` (or merge it into the same phone's request for the same service of the
    last 24 hours) with a new tracking link; the link's secret, shown only now."""
    secret = secrets.token_urlsafe(32)
    added = store.add_help_request(new, hash_token(secret), now, now - MERGE_WINDOW)
    return added, secret
