"""Finding units by what people type: short forms (塘桥 for 塘桥街道) and beginnings of names.

Every unit is filed under its full name, its name without the unit's suffix (街道, 镇,
居委会, 村委会 …) and its former names and short forms; a query is looked up in that
sorted list by bisection: its short form must equal a key, or the text as typed begin one
(火星区 is not the beginning of 火星村). Numbers that count something are filed in Arabic
digits too, and a query is also looked up so (``fold_numerals``: 临汾路1244弄 finds
临汾路一二四四弄居委会, and the other way round). A request costs two logarithmic searches
per form of the text, the equal keys, and at most ``MAX_SCANNED`` keys per form that begin
with it, whatever it is.
A level or parent filter picks the sorted list of those units' keys (made once per filter
and kept): filtering the first ``MAX_SCANNED`` keys of all units afterwards missed the
units of one street behind 500 others that began the same way.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

from app.domain.enums import Level
from app.domain.records import AdminUnit
from app.geo.names import core_name, fold_numerals, normalise

SUFFIXES = (
    "社区居民委员会", "社区居委会", "居民委员会", "村民委员会", "居委会", "村委会",
    "街道办事处", "街道", "新区", "社区", "居委", "镇", "乡", "区", "县",
)  # fmt: skip
"""Longest first: what a short form leaves out."""
MAX_SCANNED = 500
"""Keys examined per query beyond the exact ones: bounds the work of a one-letter query."""
LEVEL_ORDER = {Level.district: 0, Level.street: 1, Level.committee: 2}
FILTERS_KEPT = 1024
"""Filtered key lists kept: more than Shanghai's levels × districts and streets."""


def short_form(name: str) -> str:
    """A name without one unit suffix (东三里桥居委会 → 东三里桥); a name that is only a
    suffix and one character keeps it (徐汇区 → 徐汇, but 金山 stays 金山)."""
    name = normalise(name)
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


class SortedKeys:
    """Keys in order, each with the id of the unit filed under it."""

    def __init__(self, entries: Iterable[tuple[str, int]]) -> None:
        ordered = sorted(entries)
        self.keys = [key for key, _ in ordered]
        self.ids = [unit_id for _, unit_id in ordered]

    def equal(self, key: str) -> Iterator[int]:
        """The units filed under ``key``."""
        index = bisect_left(self.keys, key)
        while index < len(self.keys) and self.keys[index] == key:
            yield self.ids[index]
            index += 1

    def beginning(self, typed: str) -> Iterator[int]:
        """The units of at most ``MAX_SCANNED`` keys that begin with ``typed``."""
        start = bisect_left(self.keys, typed)
        for index in islice(range(start, len(self.keys)), MAX_SCANNED):
            if not self.keys[index].startswith(typed):
                return
            yield self.ids[index]


class UnitSearch:
    """Units by name, short form, alias and prefix of any of them."""

    def __init__(self, units: dict[int, AdminUnit], aliases: dict[str, int]) -> None:
        self.units = units
        entries = {(key, unit.id) for unit in units.values() for key in _keys(unit)}
        entries |= {(normalise(alias), unit_id) for alias, unit_id in aliases.items()}
        self._entries = entries
        self._all = SortedKeys(entries)
        self._filtered = lru_cache(maxsize=FILTERS_KEPT)(self._keys_of)

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
        if not typed or (parent_id is not None and parent_id not in self.units):
            return []
        keys = (
            self._all if level is None and parent_id is None else self._filtered(level, parent_id)
        )
        forms = dict.fromkeys((typed, fold_numerals(typed)))  # 临汾路1244弄, as typed first
        best: dict[int, int] = {}  # unit id → 0 exact, 1 prefix
        for form in forms:
            for unit_id in keys.equal(short_form(form)):
                best[unit_id] = 0
        for form in forms:
            for unit_id in keys.beginning(form):  # 火星区 is no beginning of 火星村
                best.setdefault(unit_id, 1)
        found = [self.units[unit_id] for unit_id in best]
        found.sort(key=lambda u: (best[u.id], LEVEL_ORDER[u.level], len(u.name), u.code or ""))
        return found[offset : offset + limit]

    def _keys_of(self, level: Level | None, parent_id: int | None) -> SortedKeys:
        """The keys of the units of ``level`` under ``parent_id`` (None: any)."""
        return SortedKeys(
            (key, unit_id)
            for key, unit_id in self._entries
            if level in (None, self.units[unit_id].level)
            and parent_id in (None, self.units[unit_id].parent_id)
        )


def _keys(unit: AdminUnit) -> set[str]:
    name = normalise(unit.name)
    keys = {name, short_form(name)}
    if unit.level is Level.street:
        keys.add(core_name(name))  # 友谊路街道 → 友谊
    return keys | {fold_numerals(key) for key in keys}  # 临汾路一二四四弄 → 临汾路1244弄
