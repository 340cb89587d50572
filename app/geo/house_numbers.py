"""The keys an address is learned and looked up by: its road with the number along it, or
the name of a place (compound, village, committee) when it has no road and number.

On a Shanghai road lanes (弄) and house numbers (号) share one sequence, odd on one side and
even on the other, so the lane wins as the position along the road (``1188弄3号`` is at
1188); the full text keeps ``3号`` for an exact match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.geo.address import ParsedAddress

_FIRST = re.compile(r"\d+")
MAX_DIGITS = 5
"""No Shanghai lane or house number is longer; a longer one is read as no number (one
beyond a 64-bit column failed the write of a verifier's placement)."""


@dataclass(frozen=True, slots=True)
class HouseKey:
    """Where along its road an address lies, as far as its text says."""

    number: int | None
    """The lane, else the (first) house number; None when the text has neither."""
    text: str | None
    """The lane and number as written (``1188弄3号``, ``100-102号``)."""

    @property
    def parity(self) -> int | None:
        """0 even, 1 odd: the side of the road."""
        return None if self.number is None else self.number % 2


def house_key(parsed: ParsedAddress) -> HouseKey:
    """The lane or number of a parsed address (a range keeps its first number)."""
    lane, number = parsed.lane, parsed.number
    text = "".join(part for part in (lane and f"{lane}弄", number and f"{number}号") if part)
    first = _FIRST.match(lane or number or "")
    plausible = first is not None and len(first[0].lstrip("0")) <= MAX_DIGITS
    return HouseKey(int(first[0]) if plausible else None, text or None)


def place_key(parsed: ParsedAddress) -> str | None:
    """The place an address names when it has no road: its village (with the hamlet), its
    one committee, or the text left when nothing else was found (钦州大厦); None for a
    road address, a bare number or several committees."""
    if parsed.road:
        return None
    if parsed.village:
        return parsed.village + (parsed.hamlet or "")
    if len(parsed.committees) == 1 and not parsed.hamlet:
        return parsed.committees[0].name
    named_street = parsed.streets and not parsed.street_from  # not one a committee's name gave
    if named_street or parsed.committees or parsed.hamlet:
        return None
    rest = parsed.text
    if parsed.district is not None:
        rest = rest.replace(parsed.district.name, "", 1)
    return rest if len(rest) >= 2 and not _FIRST.search(rest) else None
