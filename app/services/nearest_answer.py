"""What a requester is told for "nearest": never a dead end, never a false distance.

With a service asked, the hospitals whose fresh status is in the asked states (open or
limited by default) come first. When none qualifies, the answer falls back to the nearest
hospitals that offer the service whatever is known of them (unknown, stale, limited,
closed: the requester calls before going) instead of an empty list. Hospitals queries
also name up to two offices (street offices, residents' committees) with phones near the
origin: whom to call. An origin known only to its district is kept to that district's
hospitals, and distances from it (or to a hospital placed only by its district) are
marked inexact. The API, the share card and the preview image all answer from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from starlette.concurrency import run_in_threadpool

from app.domain.enums import Precision
from app.domain.records import Resource
from app.domain.statuses import State
from app.services.nearest import NearestFinder, NearestHit, NearestQuery
from app.services.share_place import Place

DEFAULT_STATES = frozenset({State.open, State.limited})
"""A requester's default: a hospital taking patients with conditions is still an answer."""
CONTACTS = 2
CONTACT_RADIUS_M = 5000.0
"""Offices farther than this from a precise origin are not that place's office."""


class Answer(StrEnum):
    """Which kind of list the features are."""

    open = "open"  # in the asked states and fresh
    fallback = "fallback"  # nothing qualified: the nearest offering the service, any status
    all = "all"  # no service asked: the nearest, no status claimed


@dataclass(frozen=True, slots=True)
class Origin:
    """Where distances are measured from, how well it is known, and the place we resolved."""

    lon: float
    lat: float
    precision: Precision
    place: Place = field(default_factory=Place)

    @property
    def district_only(self) -> bool:
        """Known no better than its district: distances from it are not facts."""
        return self.precision.rank >= Precision.district.rank

    @property
    def district_id(self) -> int | None:
        """The district to keep hospitals to, for an origin known only to its district."""
        district = self.place.district
        return district.id if self.district_only and district is not None else None


@dataclass(frozen=True, slots=True)
class Ask:
    """What was asked; ``states`` None is the requester's default."""

    kind: str = "hospital"
    service: str | None = None
    states: frozenset[State] | None = None
    fresh: bool = True
    k: int = 5
    max_m: float | None = None

    @property
    def asked_states(self) -> frozenset[State]:
        """The states asked for, or the requester's default."""
        return self.states if self.states is not None else DEFAULT_STATES


@dataclass(frozen=True, slots=True)
class NearestAnswer:
    """The features (closest first), which kind of list they are, and whom to call."""

    answer: Answer
    hits: list[NearestHit]
    contacts: list[NearestHit]
    origin: Origin

    def exact(self, resource: Resource) -> bool:
        """Whether the distance to ``resource`` is a fact (neither end only a district)."""
        return not self.origin.district_only and resource.precision != Precision.district


def answer_nearest(
    finder: NearestFinder, ask: Ask, origin: Origin, now: datetime, ttl_hours: float
) -> NearestAnswer:
    """The answer, from a worker thread (it may wait for the finder to catch up)."""
    return _answer(lambda query: finder.find(query, now, ttl_hours), ask, origin)


async def answer_nearest_async(
    finder: NearestFinder,
    ask: Ask,
    origin: Origin,
    now: datetime,
    ttl_hours: float,
    counter: int | None = None,
) -> NearestAnswer:
    """The answer from the event loop: caches are awaited, memory answers on the loop, a
    database-backed finder in a worker thread. ``counter``: the store's change counter
    read when the request came, if the caller read it (else read here, once)."""
    if finder.in_database:
        return await run_in_threadpool(answer_nearest, finder, ask, origin, now, ttl_hours)
    if counter is None:
        counter = finder.store.change_counter()
    await finder.prepare_async(ask.kind, ask.service, ask.asked_states, counter)
    if ask.kind == "hospital":
        await finder.prepare_async("office", counter=counter)
    return _answer(lambda query: finder.find_prepared(query, now, ttl_hours), ask, origin)


def _answer(find, ask: Ask, origin: Origin) -> NearestAnswer:
    states = ask.asked_states
    district = origin.district_id
    answer, hits = Answer.all, []
    # Kept to the origin's district first; the whole map when that district has none.
    for limit in dict.fromkeys((district, None)):
        query = NearestQuery(
            origin.lon, origin.lat, ask.kind, ask.service, states, ask.fresh, ask.k,
            ask.max_m, district_id=limit,
        )  # fmt: skip
        answer = Answer.all if ask.service is None else Answer.open
        hits = find(query)
        if not hits and ask.service is not None:
            answer, hits = Answer.fallback, find(replace(query, states=None, offers=True))
        if hits:
            break
    contacts = []
    if ask.kind == "hospital":
        contacts = find(
            NearestQuery(
                origin.lon, origin.lat, "office", k=CONTACTS, phones=True, district_id=district,
                max_m=None if origin.district_only else CONTACT_RADIUS_M,
            )
        )  # fmt: skip
    return NearestAnswer(answer, hits, contacts, origin)
