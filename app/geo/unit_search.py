"""Finding units by what people type: short forms (塘桥 for 塘桥街道) and beginnings of names.

Every unit is filed under its full name, its name without the unit's suffix (街道, 镇,
居委会, 村委会 …) and its former names and short forms; a query is looked up in that
sorted list by bisection: its short form must equal a key, or the text as typed begin one
(火星区 is not the beginning of 火星村). A request costs two logarithmic searches, the
equal keys, and at most ``MAX_SCANNED`` keys that begin with the text, whatever it is.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from itertools import islice

from app.domain.enums import Level
from app.domain.records import AdminUnit
from app.geo.names import core_name, normalise

SUFFIXES = (
    "社区居民委员会", "社区居委会", "居民委员会", "村民委员会", "居委会", "村委会",
    "街道办事处", "街道", "新区", "社区", "居委", "镇", "乡", "区", "县",
)  # fmt: skip
"""Longest first: what a short form leaves out."""
MAX_SCANNED = 500
"""Keys examined per query beyond the exact ones: bounds the work of a one-letter query."""
LEVEL_ORDER = {Level.district: 0, Level.street: 1, Level.committee: 2}


def short_form(name: str) -> str:
    """A name without one unit suffix (东三里桥居委会 → 东三里桥); a name that is only a
    suffix and one character keeps it (徐汇区 → 徐汇, but 金山 stays 金山)."""
    name = normalise(name)
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


class UnitSearch:
    """Units by name, short form, alias and prefix of any of them."""

    def __init__(self, units: dict[int, AdminUnit], aliases: dict[str, int]) -> None:
        self.units = units
        entries = {(key, unit.id) for unit in units.values() for key in _keys(unit)}
        entries |= {(normalise(alias), unit_id) for alias, unit_id in aliases.items()}
        ordered = sorted(entries)
        self._keys = [key for key, _ in ordered]
        self._ids = [unit_id for _, unit_id in ordered]

    def find(
        self,
        text: str,
        *,
        level: Level | None = None,
        parent_id: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[AdminUnit]:
        """Units whose name, short form or alias is ``text`` (written with or without a
        suffix) or begins with ``text``: exact ones first, then districts, streets,
        committees, shorter names first."""
        typed = normalise(text)
        if not typed:
            return []
        wanted = short_form(typed)
        best: dict[int, int] = {}  # unit id → 0 exact, 1 prefix
        for unit_id in self._equal(wanted):
            best[unit_id] = 0
        for unit_id in self._beginning(typed):  # 火星区 is no beginning of 火星村
            best.setdefault(unit_id, 1)
        found = [
            self.units[unit_id]
            for unit_id in best
            if level in (None, self.units[unit_id].level)
            and parent_id in (None, self.units[unit_id].parent_id)
        ]
        found.sort(key=lambda u: (best[u.id], LEVEL_ORDER[u.level], len(u.name), u.code or ""))
        return found[offset : offset + limit]

    def _equal(self, key: str) -> Iterator[int]:
        """The units filed under ``key``."""
        index = bisect_left(self._keys, key)
        while index < len(self._keys) and self._keys[index] == key:
            yield self._ids[index]
            index += 1

    def _beginning(self, typed: str) -> Iterator[int]:
        """The units of at most ``MAX_SCANNED`` keys that begin with ``typed``."""
        start = bisect_left(self._keys, typed)
        for index in islice(range(start, len(self._keys)), MAX_SCANNED):
            if not self._keys[index].startswith(typed):
                return
            yield self._ids[index]


def _keys(unit: AdminUnit) -> set[str]:
    name = normalise(unit.name)
    keys = {name, short_form(name)}
    if unit.level is Level.street:
        keys.add(core_name(name))  # 友谊路街道 → 友谊
    return keys
