"""``POST /api/v1/help-requests``: a request for help, taken without signing in. The answer
is the private tracking link and, at once, the nearest hospitals open for the service and
the office to call near the place. Every check comes before anything is stored."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from app.api import body_limits
from app.api.checked_route import CheckedRoute
from app.api.deps import (
    ContextDep,
    GeocodersDep,
    HelpBudget,
    NearestDep,
    SettingsDep,
    StoreDep,
    client_address,
)
from app.api.error_responses import errors
from app.api.origin import LinksDep
from app.api.routes_nearest import address_origin, nearest_collection
from app.core.errors import AppError, TooManyRequests
from app.domain.enums import Kind, Level, Precision
from app.domain.records import AdminUnit
from app.geo.location_links import PastedPoint
from app.models import HelpCreated, HelpLocationIn, HelpRequestIn, NearestContact
from app.services.geocoding import ChainHolder
from app.services.help.answers import AnswerRefused
from app.services.help.intake import (
    OTHER,
    HelpRefused,
    Located,
    new_request,
    phone_key,
    request_service,
    requester_phone,
    store_request,
)
from app.services.locations import PointRefused, wgs84_point
from app.services.nearest_answer import Ask, Origin, answer_nearest_async
from app.services.share_place import Place, Places
from app.services.shared_limits import Limiter
from app.storage.errors import NotFound
from app.storage.port import Store

router = APIRouter(prefix="/api/v1", tags=["help"], route_class=CheckedRoute)
NEAREST_K = 3


class Refused(AppError):
    """A help request that cannot be taken as sent (``code`` says which part)."""

    status_code = 422

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


INTAKE_ERRORS = errors(400, 413, 422, 429)
INTAKE_ERRORS[422] = INTAKE_ERRORS[422] | {
    "description": "invalid_request (the body's shape), consent_required, honeypot, "
    "unknown_service, invalid_phone, invalid_answer, outside_area, swapped_coordinates, "
    "address_not_found (with `candidates`), unknown_unit; nothing is stored"
}


@router.post(
    "/help-requests",
    response_model=HelpCreated,
    status_code=201,
    max_body_size=body_limits.HELP_FORM,
    responses=INTAKE_ERRORS,
)
async def create_help_request(
    body: HelpRequestIn,
    request: Request,
    context: ContextDep,
    store: StoreDep,
    geocoders: GeocodersDep,
    finder: NearestDep,
    settings: SettingsDep,
    to: LinksDep,
    budget: HelpBudget,
) -> HelpCreated:
    """Ask for help (求助) without signing in: what is needed (a service, or ``other``), the
    service's questions, where, a phone to call back, and consent to share these with
    volunteers. The answer's ``tracking_url`` is the only way to follow the request; the
    same phone asking for the same service within 24 hours is added to its first request
    (``merged_into``). Honeypot: a filled ``website`` is a 422 ``honeypot`` (a person whose
    browser filled the hidden field learns it, rather than losing the request)."""
    await run_in_threadpool(budget.spend)  # counted in the store
    if body.website:
        raise Refused("honeypot", "website: leave this field empty")
    if not body.consent:
        raise Refused("consent_required", "consent: the details are shared with volunteers "
                      "only with your consent (true)")  # fmt: skip
    now = context.clock()
    try:
        services = await run_in_threadpool(store.list_services)
        service = request_service(services, body.service)
        phone = requester_phone(body.phone)
        limiter = context.limits.help_phones
        await run_in_threadpool(_phone_within, limiter, phone)
        origin, place = await locate(body.location, store, geocoders, client_address(request))
        new = new_request(service=service, answers=body.answers, place=place, phone=phone,
                          name=body.name, text=body.text, now=now)  # fmt: skip
    except (HelpRefused, AnswerRefused) as exc:
        raise Refused(exc.code, str(exc)) from None
    ask = Ask(Kind.hospital, None if service == OTHER else service, None, True, NEAREST_K)
    ttl = settings.status_ttl_hours
    found = await answer_nearest_async(finder, ask, origin, now, ttl)
    added, secret = await run_in_threadpool(store_request, store, new, now)
    await run_in_threadpool(limiter.record, phone_key(phone))
    nearest = nearest_collection(found, ask.service, now, ttl)
    nearest["origin"] |= {"source": "help request", "address": None}
    office = nearest["contacts"][0] if nearest["contacts"] else None
    return HelpCreated(
        id=added.request.id, tracking_url=to.url("read_help_tracking", secret=secret),
        state=added.request.shown_state(now - timedelta(minutes=settings.help_claim_minutes)),
        merged_into=added.request.id if added.merged else None, nearest=nearest,
        office=None if office is None else NearestContact(**office),
    )  # fmt: skip


def _phone_within(limiter: Limiter, phone: str) -> None:
    """429 while this phone has asked too often (counted by its hash, never the number)."""
    wait = limiter.retry_after(phone_key(phone))
    if wait is not None:
        raise TooManyRequests("too many help requests from this phone today", wait)


async def locate(
    location: HelpLocationIn, store: Store, geocoders: ChainHolder, client: str
) -> tuple[Origin, Located]:
    """Where the request is: the point given (in Shanghai), the typed address (as the
    nearest search places it), or the unit picked."""
    if location.unit_id is not None:
        return await run_in_threadpool(_unit_location, store, location.unit_id)
    if location.address is not None:
        origin, _source = await address_origin(geocoders, location.address, client)
        return origin, _located(origin)
    try:
        lon, lat = wgs84_point(PastedPoint(location.lon, location.lat, location.crs, "point"))
    except PointRefused as exc:
        raise Refused(exc.code, f"location: {exc}") from None
    place = await run_in_threadpool(lambda: Places.of(geocoders).resolve(lon, lat))
    if place.district is None:
        raise Refused("outside_area", "location: the point is in no district of Shanghai")
    origin = Origin(lon, lat, Precision.exact, place)
    return origin, _located(origin)


def _located(origin: Origin) -> Located:
    place = origin.place
    ids = [unit.id if unit else None for unit in (place.district, place.street, place.committee)]
    return Located(origin.lon, origin.lat, origin.precision, *ids)


def _unit_location(store: Store, unit_id: int) -> tuple[Origin, Located]:
    """A picked unit's point, known to its precision (a committee still at its district's
    point is known to its district)."""
    try:
        unit = store.get_unit(unit_id)
    except NotFound:
        raise Refused("unknown_unit", f"location.unit_id: no unit {unit_id}") from None
    units: dict[Level, AdminUnit | None] = dict.fromkeys(Level)
    units[unit.level] = unit
    if unit.level is Level.committee and unit.parent_id is not None:
        units[Level.street] = store.get_unit(unit.parent_id)
    if unit.district_id is not None:
        units[Level.district] = store.get_unit(unit.district_id)
    place = Place(units[Level.district], units[Level.street], units[Level.committee])
    origin = Origin(unit.lon, unit.lat, unit.precision, place.known_to(unit.precision))
    located = Located(unit.lon, unit.lat, unit.precision,
                      *(u.id if u else None for u in units.values()))  # fmt: skip
    return origin, located
