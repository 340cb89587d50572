"""What every geocoder takes and returns.

Points are WGS-84 lon/lat; a provider that answers in GCJ-02 or BD-09 converts before
returning. A geocoder never raises for a bad answer: it returns a ``GeocodeResult``
whose ``outcome`` says what happened, so an import can report it per row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol, Self

from app.domain.enums import Precision, SourceCrs


class Outcome(StrEnum):
    """How a geocoding attempt ended."""

    found = "found"
    not_found = "not_found"
    ambiguous = "ambiguous"  # no answer, but places the text could mean: see candidates
    timeout = "timeout"
    rate_limited = "rate_limited"  # too many requests this second: ask again in a moment
    quota = "quota"  # a daily or paid allowance is spent: ask again once it resets
    bad_key = "bad_key"
    error = "error"  # anything else the provider said or did


@dataclass(frozen=True, slots=True)
class GeocodeQuery:
    """An address, and the district a separate column gave, if any."""

    address: str
    district: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One place the text could mean."""

    name: str
    level: str
    lon: float
    lat: float
    district: str | None = None
    street: str | None = None


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A learned point an estimate used (a place's address; never who taught it)."""

    address: str
    lon: float
    lat: float
    source: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """Which learned points placed an answer of the ``learned`` geocoder, and how surely."""

    kind: str
    """exact, interpolated, nearest_number, road_median or place."""
    points: int
    uncertainty_m: float
    span_m: float | None = None
    sources: tuple[str, ...] = ()
    """What taught the points used (verified, sheet, provider, taught)."""
    neighbours: tuple[Neighbour, ...] = ()
    """Up to 4 of the points used."""

    @property
    def verified(self) -> bool:
        """True when every point used was a volunteer's verified placement."""
        return self.sources == ("verified",)


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """An answer, or the reason there is none."""

    provider: str
    outcome: Outcome
    lon: float | None = None
    lat: float | None = None
    precision: Precision | None = None
    confidence: float = 0.0
    district: str | None = None
    street: str | None = None
    committee: str | None = None
    candidates: tuple[Candidate, ...] = ()
    notes: tuple[str, ...] = ()
    """Human-readable remarks: conflicts, ignored answers, provider messages."""
    raw_level: str | None = None
    """The provider's own word for the match level (高德 ``level``, Nominatim ``type``)."""
    source_crs: SourceCrs = SourceCrs.wgs84
    """The system the provider answered in; the point itself is always WGS-84."""
    dwelling: bool = False
    """The match is a house number, a building or a residential compound: a place where
    someone may live, so a typed query answered at this level may be a person's home."""
    retry_after_s: float | None = None
    """How long the provider asked us to wait before asking again (Retry-After), if it said."""
    evidence: Evidence | None = None
    """For an answer of the ``learned`` geocoder: the learned points behind it."""

    @property
    def found(self) -> bool:
        """True when the result carries a point."""
        return self.outcome is Outcome.found

    def with_notes(self, *notes: str) -> GeocodeResult:
        """A copy with more notes."""
        return replace(self, notes=(*self.notes, *notes))


def failure(provider: str, outcome: Outcome, note: str) -> GeocodeResult:
    """A result without a point."""
    return GeocodeResult(provider=provider, outcome=outcome, notes=(note,))


class ClosingContext:
    """``with provider:`` closes it; subclasses define ``close``."""

    def close(self) -> None:
        """Release connections; nothing by default."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Geocoder(Protocol):
    """Anything that turns a query into a result."""

    name: str

    def geocode(self, query: GeocodeQuery) -> GeocodeResult:
        """Answer one query; never raises for provider failures."""


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """Connection settings of an online provider."""

    base_url: str
    key: str | None = None
    timeout_s: float = 5.0
    user_agent: str = "aidmap"
