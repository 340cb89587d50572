"""A point the address index learned: a place's address, its parsed keys and where it is.

Only places are learned (hospitals, offices, compounds, roads): a requester's typed
address or position never becomes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.enums import LearnedFrom, SourceCrs


@dataclass(frozen=True, slots=True)
class LearnedPoint:
    """One learned address. The keys are stored parsed (``road``, ``house_number`` …), so
    building the in-memory index needs no parse; ``resource_id`` makes a resource's point
    one row, replaced when a verifier corrects it."""

    source: LearnedFrom
    address: str
    """The address as written (normalised), without the city prefix."""
    district_id: int
    lon: float
    lat: float
    road: str | None = None
    house_number: int | None = None
    """The number placing it along the road: the lane (弄) when there is one, else the 号."""
    house_text: str | None = None
    """The lane and number as written (``1188弄3号``): an exact match needs all of it."""
    place: str | None = None
    """A compound, village or committee name, for an address without a road and number."""
    resource_id: int | None = None
    source_crs: SourceCrs = SourceCrs.wgs84
    origin: str | None = None
    """``resource`` or the name of the file it was taught from (never a person's name)."""
    learned_at: datetime | None = None
    id: int | None = None

    @property
    def parity(self) -> int | None:
        """Which side of the road (0 even, 1 odd), where the number says."""
        return None if self.house_number is None else self.house_number % 2
