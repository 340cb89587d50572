"""When two hospital records may be one hospital: the rule an import and a coordinator's
edits share.

Names compare normalised (``name_key``: full-width forms folded, white space dropped) and
phones by their digits without +86, Shanghai's 021 and an extension (``phone_key``, read
as ``app.services.phones`` reads numbers). An import calls a row a duplicate when it shares
a stored resource's name within ``DUPLICATE_RADIUS_M``; a row that matches no stored
resource by ref or name but shares a phone with one, or has a similar name nearby, *may
be* that one (``MatchIndex``). A hospital added or edited by hand is a possible
duplicate of a stored one with the same name or alias (anywhere), the same phone, or a
*similar* name within ``DUPLICATE_RADIUS_M``: the names' ``similar_key`` (without the city,
generic words such as 医院, 院区, 分院 and anything in brackets) are equal, or one holds the
other (at least two characters), so 瑞金医院 is similar to 上海交通大学医学院附属瑞金医院 and
上海市第一人民医院（南部） to 第一人民医院.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.domain.records import Resource
from app.geo.distance import haversine_m
from app.geo.names import normalise
from app.services.imports.cells import BRACKETED
from app.services.phones import phone_key

DUPLICATE_RADIUS_M = 200.0
"""How close two records with one name (an import) or similar names (by hand) must be."""
GENERIC_WORDS = ("上海市", "上海", "有限公司", "医院", "院区", "分院", "总院", "本部")
"""Words many hospitals' names have, left out when names are compared as similar."""
MIN_CONTAINED = 2
"""The shortest similar key that counts as held in a longer one."""
MAX_SHOWN = 20
"""At most this many possible duplicates are listed."""


def name_key(name: str) -> str:
    """A name as duplicates compare it: full-width forms folded, no white space."""
    return normalise(name)


def similar_key(name: str) -> str:
    """A name without brackets' contents and generic words (see the module)."""
    key = BRACKETED.sub("", name_key(name))
    for word in GENERIC_WORDS:
        key = key.replace(word, "")
    return key


def similar_names(first: str, second: str) -> bool:
    """Whether two names are similar: equal keys, or one key holding the other."""
    return similar_keys(similar_key(first), similar_key(second))


def similar_keys(a: str, b: str) -> bool:
    """Whether two ``similar_key``s are equal, or one holds the other."""
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    return short == long or (len(short) >= MIN_CONTAINED and short in long)


class Why(StrEnum):
    """Why a stored hospital may be the one being added or edited, strongest first."""

    same_name = "same_name"
    same_phone = "same_phone"
    similar_name_nearby = "similar_name_nearby"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A hospital as added or edited: what duplicates are looked for by."""

    name: str
    aliases: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    point: tuple[float, float] | None = None
    """WGS-84 (lon, lat); None when it is not placed yet (no similar names are looked for)."""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A stored hospital that may be the candidate, why, and how far (metres) from it."""

    resource: Resource
    why: Why
    distance_m: float | None


def find_duplicates(
    stored: Iterable[Resource], candidate: Candidate, *, exclude: int | None = None
) -> list[Duplicate]:
    """The stored resources (but ``exclude``) that may be ``candidate``, each once for its
    strongest reason, by reason then distance; at most ``MAX_SHOWN``."""
    names = {name_key(n) for n in (candidate.name, *candidate.aliases)} - {""}
    phones = {phone_key(p) for p in candidate.phones} - {""}
    found = []
    for resource in stored:
        if resource.id == exclude:
            continue
        distance = (
            haversine_m(*candidate.point, resource.lon, resource.lat)
            if candidate.point is not None
            else None
        )
        why = _why(resource, names, phones, candidate.name, distance)
        if why is not None:
            found.append(Duplicate(resource, why, distance))
    order = list(Why)
    found.sort(key=lambda d: (order.index(d.why), d.distance_m or 0.0, d.resource.id))
    return found[:MAX_SHOWN]


def _why(
    resource: Resource, names: set[str], phones: set[str], name: str, distance: float | None
) -> Why | None:
    if names & {name_key(n) for n in (resource.name, *resource.aliases)}:
        return Why.same_name
    if phones & {phone_key(p) for p in resource.phones}:
        return Why.same_phone
    near = distance is not None and distance <= DUPLICATE_RADIUS_M
    if near and similar_names(name, resource.name):
        return Why.similar_name_nearby
    return None


def new_duplicates(
    stored: list[Resource], before: Candidate, after: Candidate, resource_id: int
) -> list[Duplicate]:
    """What an edit of resource ``resource_id`` from ``before`` to ``after`` makes it a
    possible duplicate of: those ``after`` finds that ``before`` did not (two campuses
    that already share a switchboard are no news when one's address is corrected)."""
    known = {d.resource.id for d in find_duplicates(stored, before, exclude=resource_id)}
    return [
        d for d in find_duplicates(stored, after, exclude=resource_id) if d.resource.id not in known
    ]


def _district(resource: Resource) -> int | None:
    return resource.district_id


def _near(point: tuple[float, float] | None, resource: Resource) -> bool:
    distance = haversine_m(*point, resource.lon, resource.lat) if point else None
    return distance is not None and distance <= DUPLICATE_RADIUS_M


class Evidence(StrEnum):
    """What an imported row shares with a stored resource it may be."""

    same_phone = "same_phone"
    similar_name = "similar_name"
    same_district = "same_district"
    nearby = "nearby"


class MatchIndex:
    """Stored resources by phone and by area (``area``: their district, or for offices
    their units), with their names' similar keys, read once for the rows of an import."""

    def __init__(
        self, stored: Iterable[Resource], area: Callable[[Resource], Hashable] = _district
    ) -> None:
        self.by_phone: dict[str, list[Resource]] = {}
        self.by_area: dict[Hashable, list[Resource]] = {}
        self.keys: dict[int, set[str]] = {}
        self.phones: dict[int, set[str]] = {}
        for resource in stored:
            self.phones[resource.id] = {phone_key(p) for p in resource.phones} - {""}
            for key in self.phones[resource.id]:
                self.by_phone.setdefault(key, []).append(resource)
            self.by_area.setdefault(area(resource), []).append(resource)
            self.keys[resource.id] = {similar_key(n) for n in (resource.name, *resource.aliases)}

    def possible(
        self, candidate: Candidate, area: Hashable, district_id: int | None, coarse: bool
    ) -> list[tuple[Resource, frozenset[Evidence]]]:
        """The stored resources an imported row (that matched none by ref or name) may be,
        each with what it shares with the row: a phone, or a similar name (or alias) within
        ``DUPLICATE_RADIUS_M`` of the row in its ``area`` — or anywhere in its district
        when the row's point is only its street's or district's (``coarse``), where
        distance says nothing. Most shared first."""
        phones = {phone_key(p) for p in candidate.phones} - {""}
        near: dict[int, Resource] = {r.id: r for key in phones for r in self.by_phone.get(key, [])}
        if area is not None:
            near |= {r.id: r for r in self.by_area.get(area, [])}
        name = similar_key(candidate.name)
        found: list[tuple[Resource, frozenset[Evidence]]] = []
        for resource in near.values():
            evidence = set()
            if phones & self.phones[resource.id]:
                evidence.add(Evidence.same_phone)
            if any(similar_keys(name, key) for key in self.keys[resource.id]):
                evidence.add(Evidence.similar_name)
            if district_id is not None and resource.district_id == district_id:
                evidence.add(Evidence.same_district)
            named = Evidence.similar_name in evidence
            if named and _near(candidate.point, resource):
                evidence.add(Evidence.nearby)
            named = named and (
                Evidence.nearby in evidence or (coarse and Evidence.same_district in evidence)
            )
            if Evidence.same_phone in evidence or named:
                found.append((resource, frozenset(evidence)))
        found.sort(key=lambda match: (-len(match[1]), match[0].id))
        return found
