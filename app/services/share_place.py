"""Where a shared position is, in words we can stand behind.

A share keeps no text anyone typed: its card, page title and preview name the place as
we resolve it from the (rounded) position. That is the district whose outline holds it,
and the street too where an imported street outline holds it; "near" throughout, since
the bundled district outlines are coarse (about 1 point in 100 falls in a neighbour).
Committees are never named: they have points, not outlines (and in the bundled data the
point is their district's), so no committee can be said to hold a position. A position
in no outline is "the shared location". A typed address is named by the units the
geocoder matched, as our gazetteer spells them (``Places.named``), never by its words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.core.text import clean_text
from app.domain.enums import Precision
from app.domain.records import AdminUnit
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.reverse import ReverseIndex
from app.services.geocoding import ChainHolder

UNKNOWN = {"zh": "分享的位置附近", "en": "near the shared location"}


@dataclass(frozen=True, slots=True)
class Place:
    """The units a position lies in (None where no outline holds it)."""

    district: AdminUnit | None = None
    street: AdminUnit | None = None
    committee: AdminUnit | None = None

    def names(self) -> dict[str, str | None]:
        """The units' names (None where unknown), as the API's ``origin.place`` says them."""
        units = {"district": self.district, "street": self.street, "committee": self.committee}
        return {key: clean_text(unit.name) if unit else None for key, unit in units.items()}

    def known_to(self, precision: Precision) -> Place:
        """The place no finer than ``precision``: a point known only to its district is
        not said to be in the street whose outline happens to hold that point."""
        if precision is Precision.district:
            return Place(district=self.district)
        if precision is Precision.street:
            return Place(district=self.district, street=self.street)
        return self

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

    def __init__(
        self, reverse: ReverseIndex, units: Mapping[int, AdminUnit],
        index: GazetteerIndex | None = None,
    ) -> None:  # fmt: skip
        self.reverse, self.units, self.index = reverse, units, index

    @classmethod
    def of(cls, holder: ChainHolder) -> Places:
        """The places of the gazetteer as it is now (rebuilt by ``holder`` after units move)."""
        chain = holder.get(online=False)
        return cls(chain.reverse, chain.index.units, chain.index)

    @classmethod
    def current(cls, holder: ChainHolder, counter: int | None = None) -> Places | None:
        """``of`` without reading the store, or None when the gazetteer may have moved
        since it was built (``ChainHolder.current``, at ``counter`` when given)."""
        chain = holder.current(online=False, counter=counter)
        return None if chain is None else cls(chain.reverse, chain.index.units, chain.index)

    def named(
        self, district: str | None, street: str | None = None, committee: str | None = None
    ) -> Place:
        """The units a geocoder's answer names, where our gazetteer has them (a street
        within the district, a committee within both): names it does not know are None."""
        found = self.index.district(district) if district and self.index else None
        if found is None:
            return Place()

        def unit(forms: list, name: str | None, parent: AdminUnit | None) -> AdminUnit | None:
            for form in forms if name else ():
                if form.unit.name == name and (parent is None or form.unit.parent_id == parent.id):
                    return form.unit
            return None

        street_unit = unit(self.index.streets.get(found.id, []), street, None)
        committees = self.index.committees.get(found.id, [])
        return Place(found, street_unit, unit(committees, committee, street_unit))

    def resolve(self, lon: float, lat: float) -> Place:
        """The place of a WGS-84 position; a street outline (imported, finer) decides the
        district over the coarse bundled district outline."""
        located = self.reverse.locate(lon, lat)
        street = located.street
        if street is not None and street.district_id in self.units:
            return Place(self.units[street.district_id], street)
        return Place(located.district)
