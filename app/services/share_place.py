"""Where a shared position is, in words we can stand behind.

A share keeps no text anyone typed: its card, page title and preview name the place as
we resolve it from the (rounded) position. That is the district whose outline holds it,
and the street too where an imported street outline holds it; "near" throughout, since
the bundled district outlines are coarse (about 1 point in 100 falls in a neighbour).
Committees are never named: they have points, not outlines (and in the bundled data the
point is their district's), so no committee can be said to hold a position. A position
in no outline is "the shared location".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.core.text import clean_text
from app.geo.reverse import ReverseIndex
from app.services.geocoding import ChainHolder
from app.storage.base import AdminUnit

UNKNOWN = {"zh": "分享的位置附近", "en": "near the shared location"}


@dataclass(frozen=True, slots=True)
class Place:
    """The units a position lies in (None where no outline holds it)."""

    district: AdminUnit | None = None
    street: AdminUnit | None = None

    def words(self, lang: str) -> str:
        """The place as a phrase: 黄浦区南京东路街道附近 / near 南京东路街道, Huangpu (黄浦区)."""
        district, street = self.district, self.street
        if district is None:
            return UNKNOWN[lang]
        if lang == "zh":
            return clean_text(f"{district.name}{street.name if street else ''}") + "附近"
        name = f"{district.name_en} ({district.name})" if district.name_en else district.name
        if street is not None:
            name = f"{street.name_en or street.name}, {name}"
        return f"near {clean_text(name)}"

    def ascii_words(self) -> str:
        """The place in ASCII for the preview's font ("near Huangpu"), or "" without one."""
        name = clean_text(self.district.name_en or "") if self.district else ""
        return f"near {name}" if name.isascii() and name else ""


class Places:
    """Position → ``Place``, from the offline gazetteer's outlines and units."""

    def __init__(self, reverse: ReverseIndex, units: Mapping[int, AdminUnit]) -> None:
        self.reverse, self.units = reverse, units

    @classmethod
    def of(cls, holder: ChainHolder) -> Places:
        """The places of the gazetteer as it is now (rebuilt by ``holder`` after units move)."""
        chain = holder.get(online=False)
        return cls(chain.reverse, chain.index.units)

    def resolve(self, lon: float, lat: float) -> Place:
        """The place of a WGS-84 position; a street outline (imported, finer) decides the
        district over the coarse bundled district outline."""
        located = self.reverse.locate(lon, lat)
        street = located.street
        if street is not None and street.district_id in self.units:
            return Place(self.units[street.district_id], street)
        return Place(located.district)
