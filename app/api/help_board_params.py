"""What the volunteers' help routes read from a request beyond its body: the board's
filters (states, a district by id or name, a service by code or name) and the match
suggestions' origin, which never gives the exact point away."""

from __future__ import annotations

from datetime import datetime

from app.api.routes_nearest import COLLECTION, BadQuery, nearest_collection
from app.domain.enums import Kind, Level
from app.domain.help import UNFINISHED, HelpBoardQuery, HelpRequest, HelpState
from app.services.help.intake import OTHER
from app.services.nearest import NearestFinder
from app.services.nearest_answer import Ask, Origin, answer_nearest_async
from app.services.share_place import Place, Places
from app.services.units import units_named
from app.services.vocabulary import service_code
from app.storage.errors import NotFound
from app.storage.port import Store

ORIGIN_DECIMALS = 3
"""About 100 m: match suggestions say where the request is no finer than this."""
DISTANCE_STEP_M = 100.0


def board_query(
    store: Store,
    places: Places,
    lapsed_before: datetime,
    state: str | None,
    district: str | None,
    service: str | None,
    limit: int,
    offset: int,
) -> HelpBoardQuery:
    """The board's query: 422 for an unknown state, 404 for an unknown district or
    service."""
    states = UNFINISHED
    if state is not None:
        words = [word.strip() for word in state.split(",") if word.strip()]
        unknown = [word for word in words if word not in HelpState.__members__]
        if unknown or not words:
            allowed = ", ".join(HelpState)
            raise BadQuery(f"state: {', '.join(unknown)[:60] or 'none given'}; use {allowed}")
        states = tuple(HelpState(word) for word in words)
    code = None
    if service is not None:
        code = OTHER if service == OTHER else service_code(store.list_services(), service)
        if code is None:
            raise NotFound(f"no service {service!r}; see /api/v1/services")
    return HelpBoardQuery(
        lapsed_before=lapsed_before, states=states, district_id=_district(store, places, district),
        service=code, limit=limit, offset=offset,
    )  # fmt: skip


def _district(store: Store, places: Places, given: str | None) -> int | None:
    if given is None:
        return None
    if given.isdigit():
        unit = places.units.get(int(given))
        found = [unit] if unit is not None and unit.level is Level.district else []
    else:
        found = units_named(store, given, Level.district, limit=1)
    if not found:
        raise NotFound(f"no district {given!r}; see /api/v1/units?level=district")
    return found[0].id


def _origin(found: HelpRequest, places: Places) -> Origin:
    """The request's point rounded to ``ORIGIN_DECIMALS`` (or, once erased, its finest
    unit's point), known to its precision. Distances are measured from the rounded point:
    twenty distances from the exact one, even rounded to 100 m, placed it within ~10-20 m."""
    units = places.units
    place = Place(*(units.get(i) if i else None
                    for i in (found.district_id, found.street_id, found.committee_id)))  # fmt: skip
    if found.lon is not None and found.lat is not None:
        lon, lat = round(found.lon, ORIGIN_DECIMALS), round(found.lat, ORIGIN_DECIMALS)
        return Origin(lon, lat, found.precision, place.known_to(found.precision))
    finest = place.committee or place.street or place.district
    if finest is None:
        raise NotFound("the request's position was erased")
    return Origin(finest.lon, finest.lat, finest.precision, place.known_to(finest.precision))


async def matches_body(
    found: HelpRequest,
    finder: NearestFinder,
    places: Places,
    now: datetime,
    ttl_hours: float,
    k: int,
) -> bytes:
    """The nearest open hospitals for the request's service as the nearest API answers,
    from the point rounded to ``ORIGIN_DECIMALS``, distances to ``DISTANCE_STEP_M``."""
    service = None if found.service == OTHER else found.service
    ask = Ask(Kind.hospital, service, None, True, k)
    answer = await answer_nearest_async(finder, ask, _origin(found, places), now, ttl_hours)
    body = nearest_collection(answer, service, now, ttl_hours)
    body["origin"] |= {"source": "help request", "address": None}
    for item in [*(f["properties"] for f in body["features"]), *body["contacts"]]:
        item["distance_m"] = round(item["distance_m"] / DISTANCE_STEP_M) * DISTANCE_STEP_M
    return COLLECTION.dump_json(COLLECTION.validate_python(body))
