"""Hospitals added and corrected by hand: reading what a coordinator sent (districts and
services by name), placing a new hospital, holding back possible duplicates, and writing
with the change recorded under the caller's name.

A new hospital with a location is placed there (exact, verified); without one, from its
address (else its name) by the offline gazetteer at the precision it reaches, as an
import places a row; failing that, at its district's point (precision ``district``).

An edit never removes a service that has a status (``ServiceHasStatus``, 409): the
status and its history would outlive the service in reads, the map and the queue, so a
service that stops is reported ``closed`` instead. A change of district clears a street
or committee of the old one, and moves a point that stood only for the old district to
the new one's; any other point stays (``PUT …/location`` moves points, with history).
A hospital added at a given location, or edited in its address, district or point,
teaches its address again (``learn_written``): an address changed away no longer answers
at the hospital's point.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.domain.enums import Kind, Level, Precision, SourceCrs, WriteSource
from app.domain.records import AdminUnit, NewResource, Resource, Service
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import GeocodeQuery
from app.geo.geocoders.chain import GeocoderChain
from app.geo.location_links import PastedPoint
from app.models.hospitals import HospitalIn, HospitalPatch
from app.services.address_learning import learn_written
from app.services.duplicates import Candidate, Duplicate, find_duplicates, new_duplicates
from app.services.locations import wgs84_point
from app.services.units import units_named
from app.services.vocabulary import service_code
from app.storage.errors import NotFound, VersionConflict
from app.storage.port import Store, UnitStore

LEARNED_FIELDS = frozenset({"address", "district_id", "lon", "lat", "source_crs"})
"""An edit of any of these changes what the resource teaches."""


class Refused(ValueError):
    """What was sent cannot make a hospital; ``code`` says why (a 422)."""

    code = "invalid_request"


class UnknownDistrict(Refused):
    """No district of the city has that name or id."""

    code = "unknown_district"


class UnknownService(Refused):
    """No service has that code or name."""

    code = "unknown_service"


class CannotPlace(Refused):
    """No location, no address or name the gazetteer finds, and no district."""

    code = "cannot_locate"


class PossibleDuplicates(Exception):
    """Stored hospitals the one sent may be; nothing was written."""

    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__(f"{len(duplicates)} stored hospitals may be this one")
        self.duplicates = duplicates


class ServiceHasStatus(Exception):
    """An edit would leave out services that have a status; nothing was written."""

    def __init__(self, services: list[str]) -> None:
        listed = ", ".join(services)
        super().__init__(
            f"{listed} has a status: a service with a status stays listed (report it closed "
            "instead, with a note)"
        )


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a new hospital goes, how well that is known, and the units it lies in."""

    lon: float
    lat: float
    precision: Precision
    source_crs: SourceCrs
    verified: bool
    district: AdminUnit | None
    street: AdminUnit | None = None
    committee: AdminUnit | None = None


_DISTRICTS = "give a name such as 浦东新区 or 闸北区, or an id from /api/v1/units?level=district"


def read_district(store: UnitStore, value: int | str) -> AdminUnit:
    """The district a name (or former name, short form) or unit id means."""
    if isinstance(value, int):
        try:
            unit = store.get_unit(value)
        except NotFound:
            unit = None
        if unit is None or unit.level is not Level.district:
            raise UnknownDistrict(f"district: {value} is not a district's id ({_DISTRICTS})")
        return unit
    found = units_named(store, value, Level.district)
    if len(found) != 1:
        raise UnknownDistrict(f"district: no district named {value!r} ({_DISTRICTS})")
    return found[0]


def read_services(services: list[Service], words: list[str]) -> tuple[str, ...]:
    """The codes ``words`` name, in order, each once."""
    codes = []
    for word in words:
        code = service_code(services, word)
        if code is None:
            known = ", ".join(s.code for s in services)
            raise UnknownService(f"services: no service {word[:40]!r} (known: {known})")
        codes.append(code)
    return tuple(dict.fromkeys(codes))


def place_new(
    chain: GeocoderChain, body: HospitalIn, district: AdminUnit | None, point: PastedPoint | None
) -> Placement | None:
    """Where a new hospital goes (see the module); None when nowhere is known. Raises
    ``PointRefused`` for a given point outside the city."""
    if point is not None:
        lon, lat = wgs84_point(point)
        where = chain.reverse.locate(lon, lat)
        district = district or where.district
        inside = where.street is not None and district is not None
        street = where.street if inside and where.street.district_id == district.id else None
        return Placement(lon, lat, Precision.exact, SourceCrs(point.crs), True, district, street)
    query = GeocodeQuery(body.address or body.name, district.name if district else None)
    result = chain.geocode(query)
    if result.found:
        units = chain.index.answer_units(result.district, result.street, result.committee, district)
        return Placement(result.lon, result.lat, result.precision, result.source_crs, False, *units)
    if district is not None:
        return Placement(district.lon, district.lat, Precision.district, SourceCrs.wgs84, False,
                         district)  # fmt: skip
    return None


def _candidate(resource: NewResource | Resource) -> Candidate:
    return Candidate(resource.name, resource.aliases, resource.phones, (resource.lon, resource.lat))


def _hospitals(store: Store) -> list[Resource]:
    return list(store.iter_resources(kind=Kind.hospital))


def duplicates_of_new(
    store: Store, chain: GeocoderChain, body: HospitalIn, point: PastedPoint | None
) -> list[Duplicate]:
    """Stored hospitals the one described may be (placed as it would be, when it can)."""
    district = read_district(store, body.district) if body.district is not None else None
    read_services(store.list_services(), body.services)  # the same 422s as an add
    placed = place_new(chain, body, district, point)
    where = (placed.lon, placed.lat) if placed is not None else None
    candidate = Candidate(body.name, tuple(body.aliases), tuple(body.phones), where)
    return find_duplicates(_hospitals(store), candidate)


def create_hospital(
    store: Store,
    chain: GeocoderChain,
    body: HospitalIn,
    point: PastedPoint | None,
    by: str,
    via: WriteSource,
) -> Resource:
    """Store a new hospital, its creation recorded under ``by``; ``PossibleDuplicates``
    (nothing stored) unless the body allows them."""
    district = read_district(store, body.district) if body.district is not None else None
    services = read_services(store.list_services(), body.services)
    placed = place_new(chain, body, district, point)
    if placed is None:
        raise CannotPlace(
            "no district, no location, and the gazetteer finds neither the address nor the "
            "name: give a district or a location"
        )
    new = NewResource(
        kind=Kind.hospital,
        name=body.name,
        name_en=body.name_en,
        aliases=tuple(dict.fromkeys(body.aliases)),
        address=body.address,
        phones=tuple(dict.fromkeys(body.phones)),
        services=services,
        lon=placed.lon,
        lat=placed.lat,
        precision=placed.precision,
        source_crs=placed.source_crs,
        location_verified=placed.verified,
        district_id=placed.district.id if placed.district else None,
        street_id=placed.street.id if placed.street else None,
        committee_id=placed.committee.id if placed.committee else None,
        source=f"added by hand ({via.value})",
    )
    if not body.allow_duplicates:
        found = find_duplicates(_hospitals(store), _candidate(new))
        if found:
            raise PossibleDuplicates(found)
    created = store.create_resource(new, by, via)
    if created.location_verified:  # a point the chain found is no new evidence
        learn_written(store, chain.index, created)
    return created


def edit_hospital(
    store: Store,
    resource_id: int,
    expected_version: int,
    patch: HospitalPatch,
    by: str,
    via: WriteSource,
    index: GazetteerIndex,
) -> Resource:
    """Apply the fields ``patch`` names to the resource at ``expected_version`` (see the
    module), recorded under ``by``; the resource unchanged when nothing changes.
    ``VersionConflict``, ``ServiceHasStatus``, ``PossibleDuplicates`` write nothing."""
    views = store.view_resources(ids=[resource_id], limit=1)
    if not views:
        raise NotFound(f"no resource {resource_id}")
    resource, statuses = views[0].resource, views[0].statuses
    if resource.version != expected_version:
        raise VersionConflict(resource.version)
    changes = _changes(store, resource, patch)
    if "services" in changes:
        kept = [s for s in resource.services if s in statuses and s not in changes["services"]]
        if kept:
            raise ServiceHasStatus(kept)
    changes = {k: v for k, v in changes.items() if getattr(resource, k) != v}
    if not changes:
        return resource
    if not patch.allow_duplicates:
        after = replace(resource, **changes)
        others = list(store.iter_resources(kind=resource.kind))
        found = new_duplicates(others, _candidate(resource), _candidate(after), resource_id)
        if found:
            raise PossibleDuplicates(found)
    edited = store.edit_resource(resource_id, expected_version, changes, by, via)
    if LEARNED_FIELDS & changes.keys():
        learn_written(store, index, edited)
    return edited


def _changes(store: Store, resource: Resource, patch: HospitalPatch) -> dict[str, object]:
    """The record's fields as ``patch`` would leave them (unchanged ones included)."""
    given = patch.given()
    changes: dict[str, object] = {
        key: given[key] for key in ("name", "name_en", "address") if key in given
    }
    for key in ("aliases", "phones"):
        if key in given:
            changes[key] = tuple(dict.fromkeys(given[key]))
    if "services" in given:
        changes["services"] = read_services(store.list_services(), given["services"])
    if "district" in given:
        district = read_district(store, given["district"])
        changes["district_id"] = district.id
        if district.id != resource.district_id:
            changes |= _moved_to(store, resource, district)
    return changes


def _moved_to(store: Store, resource: Resource, district: AdminUnit) -> dict[str, object]:
    """What else a move to another district changes: units of the old one are cleared;
    a point that stood only for the old district becomes the new one's."""
    moved: dict[str, object] = {}
    for key in ("street_id", "committee_id"):
        unit_id = getattr(resource, key)
        if unit_id is not None and store.get_unit(unit_id).district_id != district.id:
            moved[key] = None
    if resource.precision is Precision.district and not resource.location_verified:
        moved |= {"lon": district.lon, "lat": district.lat, "source_crs": SourceCrs.wgs84}
    return moved
