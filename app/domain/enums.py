"""The closed vocabularies of the domain: unit levels, location precision, roles, source
coordinate systems, resource kinds, where a write came from and what an edit was."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Administrative level of a unit."""

    district = "district"
    street = "street"
    committee = "committee"

    @property
    def plural(self) -> str:
        """The level's layer name (``districts``, ``streets``, ``committees``)."""
        return f"{self.value}s"


class Kind(StrEnum):
    """What a resource is; its plural names its layer (``hospitals``, ``offices``)."""

    hospital = "hospital"
    office = "office"

    @property
    def plural(self) -> str:
        """The layer name of this kind: the name collections, exports and counts use."""
        return f"{self.value}s"

    @classmethod
    def from_plural(cls, plural: str) -> Kind:
        """The kind whose layer is named ``plural``; ValueError for any other name."""
        for kind in cls:
            if kind.plural == plural:
                return kind
        raise ValueError(f"no resource layer {plural!r}")


class Precision(StrEnum):
    """How well a location is known, finest first: a point placed or returned for the house
    number, a public or road-level guess, then the representative point of the committee,
    street or district the record lies in."""

    exact = "exact"
    approximate = "approximate"
    committee = "committee"
    street = "street"
    district = "district"

    @property
    def rank(self) -> int:
        """0 for the finest precision, larger for coarser ones (looked up: listing the
        members on every call cost each nearest answer more than its query)."""
        return PRECISION_RANKS[self]


PRECISION_RANKS = {precision: rank for rank, precision in enumerate(Precision)}


class Role(StrEnum):
    """What a token may do; each role may do everything the ones before it may."""

    volunteer = "volunteer"
    verifier = "verifier"
    coordinator = "coordinator"
    admin = "admin"

    def allows(self, needed: Role) -> bool:
        """True when this role includes ``needed``."""
        order = list(Role)
        return order.index(self) >= order.index(needed)


class SourceCrs(StrEnum):
    """Coordinate system a location was given in before conversion to WGS-84."""

    wgs84 = "wgs84"
    gcj02 = "gcj02"
    bd09 = "bd09"


class WriteSource(StrEnum):
    """Where a change was made, as history shows it: the volunteers' workspace page, an
    API client, or an import."""

    workspace = "workspace"
    api = "api"
    import_ = "import"


class EditAction(StrEnum):
    """What a recorded edit of a resource's fields was: its creation, or a later change."""

    created = "created"
    edited = "edited"


class ProblemOutcome(StrEnum):
    """How a verifier closed a public problem report."""

    resolved = "resolved"
    dismissed = "dismissed"


class LearnedFrom(StrEnum):
    """What taught the address index a point, strongest first: a volunteer's verified
    placement, a sheet's own coordinates, a provider's house-level answer kept on an
    imported resource, or a list given to ``aidmap geodata learn``."""

    verified = "verified"
    sheet = "sheet"
    provider = "provider"
    taught = "taught"
