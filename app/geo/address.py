"""Parsing Shanghai addresses: administrative units, road, lane and house number.

The parser only reads text; it decides nothing about locations. District names come
first, then streets/towns of that district, then its committees; what remains is
searched for a road with its lane (弄) and house number (号), or a village (村) and
hamlet (宅).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.enums import Level
from app.domain.records import AdminUnit
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.names import normalise

CITY_PREFIXES = ("中国上海市", "上海市", "上海")
HAN = r"(?:(?![号组]|弄\d)[\u4e00-\u9fff])"  # not 号, 组, or the 弄 of a lane number
ROAD_AND_NUMBER = re.compile(
    rf"(?P<road>{HAN}{{1,15}}?(?:公路|大道|路|街|巷|道|浜|里|坊|桥|弄(?=\d+号)))(?=\d|$)"
    r"(?:(?P<lane>\d+)(?:弄|支弄))?"
    r"(?:(?P<number>\d+(?:-\d+)?)号)?"
)
VILLAGE = re.compile(rf"(?P<village>{HAN}{{1,8}}?村)")
HAMLET = re.compile(r"(?:^|组|村)(?P<hamlet>(?:(?![号弄组村])[\u4e00-\u9fff]){1,6}?宅)")


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """What an address says, with the units it names."""

    text: str
    """The normalised input, without the city prefix."""
    district: AdminUnit | None
    district_from: str | None
    """``column`` or ``text``: where the district came from (a column wins)."""
    conflict: str | None
    """Set when a district column and the text disagree."""
    streets: tuple[AdminUnit, ...] = ()
    committees: tuple[AdminUnit, ...] = ()
    road: str | None = None
    lane: str | None = None
    number: str | None = None
    village: str | None = None
    hamlet: str | None = None
    street_from: tuple[AdminUnit, ...] = ()
    """Committees whose core name (乳山二村 for 乳山二村居委会) the text has somewhere: they
    gave ``streets`` their one parent, though the text named neither street nor committee."""


def parse_address(
    address: str, index: GazetteerIndex, district_column: str | None = None
) -> ParsedAddress:
    """Parse one address; a district given in a separate column wins over the text."""
    text = strip_city(normalise(address))
    in_text = index.find_district(text)
    rest = text.replace(in_text[1], "", 1) if in_text else text
    district, source, conflict = in_text[0] if in_text else None, "text", None
    if district_column and normalise(district_column):
        column = index.district(district_column)
        if column is None:
            conflict = f"unknown district {district_column!r}"
        else:
            if in_text and in_text[0].id != column.id:
                conflict = f"district column says {column.name}, text says {in_text[0].name}"
            district, source = column, "column"
    district_id = district.id if district else None
    streets = index.find_streets(rest, district_id)
    for _, written in streets:
        rest = rest.replace(written, "", 1)
    street_id = streets[0][0].id if len(streets) == 1 else None
    committees = [unit for unit, _ in index.find_committees(rest, district_id, street_id)]
    found_streets = [unit for unit, _ in streets]
    if rest and not found_streets and not committees:  # 徐家汇, 东三里桥: a name alone
        level, alone = index.named_alone(rest, district_id)
        if alone:
            return ParsedAddress(
                text, district, source if district else None, conflict,
                **{"streets" if level is Level.street else "committees": tuple(alone)},
            )  # fmt: skip
    road = ROAD_AND_NUMBER.search(rest)
    street_from: tuple[AdminUnit, ...] = ()
    named_only_a_road = road is not None and road.span() == (0, len(rest))  # 浦电路221号
    if district_id is not None and not found_streets and not committees and not named_only_a_road:
        street_from, found_streets = _street_of_cores(index, rest, district_id)
    return ParsedAddress(
        text=text,
        district=district,
        district_from=source if district else None,
        conflict=conflict,
        streets=tuple(found_streets),
        committees=tuple(committees),
        street_from=street_from,
        **_road_fields(rest, road),
    )


def strip_city(text: str) -> str:
    """The text without a leading 上海市 (or 中国上海市, 上海)."""
    for prefix in CITY_PREFIXES:
        if text.startswith(prefix):
            return text.removeprefix(prefix)
    return text


def _street_of_cores(
    index: GazetteerIndex, rest: str, district_id: int
) -> tuple[tuple[AdminUnit, ...], list[AdminUnit]]:
    """The committees whose core names ``rest`` has, and their street when they share one
    (right for 18 of the 20 dev rows it fires on); nothing when their streets differ."""
    found = index.find_committee_cores(rest, district_id)
    parents = {unit.parent_id for unit in found}
    if len(parents) != 1 or None in parents:
        return (), []
    return tuple(found), [index.units[parents.pop()]]


def _road_fields(rest: str, road: re.Match[str] | None) -> dict[str, str | None]:
    fields: dict[str, str | None] = {}
    if road:
        fields |= {"road": road["road"], "lane": road["lane"], "number": road["number"]}
    village = VILLAGE.search(rest)
    if village and not fields.get("road"):
        fields["village"] = village["village"]
    hamlet = HAMLET.search(rest)
    if hamlet:
        fields["hamlet"] = hamlet["hamlet"]
    return fields
