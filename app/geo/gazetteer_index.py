"""An in-memory index of the gazetteer's names, for finding units in address text.

Built once from the store (about 6,800 units); lookups are plain substring tests over
the units of one district, so no text search engine is needed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from app.domain.enums import Level
from app.domain.records import AdminUnit
from app.geo.names import core_name, fold_numerals, normalise
from app.geo.sources import UnitSource
from app.geo.unit_search import UnitSearch, short_form

RESIDENTS_SUFFIXES = ("社区居委会", "居委会", "居民委员会", "居委")
VILLAGERS_SUFFIXES = ("村委会", "村民委员会")
STREET_SUFFIXES = ("街道办事处", "街道", "镇", "乡")
# 浦东大道, 徐汇路, 闵行东路: a short district form followed by these is a road's name.
ROAD_AFTER_SHORT_FORM = re.compile(r"[东南西北中]?(?:路|大道|公路|街|新村|新路|支路)")
ROAD_ENDINGS = ("路", "大道", "公路", "街", "弄", "巷")
# 韩村路, 洋泾镇路: a unit's name followed by these is part of a road's name.
ROAD_AFTER_NAME = re.compile(r"[东南西北中]?(?:路|大道|公路|街|弄|巷)")
BRACKETED = re.compile(r"[(（【\[].*?[)）】\]]")
LOOSE_CORE_MIN = 3
"""A committee's core name shorter than this (建新, 联洋) is too common to find loosely."""
# 浦电路, 长清路1 (长清路一居委会): the core of a committee named after a road is the road's
# name (followed by a house number's first digits); it stays a hint (``named_after_roads``).
ROAD_NAMED = re.compile(r"(?:路|大道|公路|街|弄|巷)\d*$")


@dataclass(frozen=True, slots=True)
class NameForm:
    """A way a unit's name is written, and whether it may stand alone (a bare 村 name)."""

    text: str
    unit: AdminUnit
    bare: bool = False


class GazetteerIndex:
    """District, street and committee names with their former names and short forms."""

    def __init__(self, units: list[AdminUnit], aliases: dict[str, int]) -> None:
        self.units = {unit.id: unit for unit in units}
        self.aliases = aliases
        self.district_names: dict[str, AdminUnit] = {}
        self.district_short: dict[str, AdminUnit] = {}
        self.streets: dict[int, list[NameForm]] = defaultdict(list)
        self.committees: dict[int, list[NameForm]] = defaultdict(list)
        self.named_after_roads: dict[tuple[int, str], list[AdminUnit]] = defaultdict(list)
        self.bare: dict[Level, dict[str, list[AdminUnit]]] = defaultdict(lambda: defaultdict(list))
        """Names written alone without their suffix (徐家汇, 东三里桥), by level."""
        self.cores: dict[int, dict[str, list[NameForm]]] = defaultdict(lambda: defaultdict(list))
        """Committees' core names (乳山2村, 塘口村) per district, by their first characters, so
        finding them anywhere in a text costs one look-up per position, not one per name."""
        for unit in units:
            if unit.level == Level.district:
                self.district_names[unit.name] = unit
            elif unit.level == Level.street:
                self.streets[unit.district_id].extend(_street_forms(unit))
                self.bare[Level.street][core_name(unit.name)].append(unit)
            else:
                self.committees[unit.district_id].extend(_committee_forms(unit))
                road = _road_of(unit.name)
                if road:
                    self.named_after_roads[unit.district_id, road].append(unit)
                elif bare := _bare_committee(fold_numerals(unit.name)):
                    self.bare[Level.committee][bare].append(unit)
                if core := _loose_core(unit.name):
                    self.cores[unit.district_id][core[:LOOSE_CORE_MIN]].append(NameForm(core, unit))
        for alias, unit_id in aliases.items():
            unit = self.units[unit_id]
            if unit.level == Level.district:
                names = self.district_names if alias.endswith(("区", "县")) else self.district_short
                names[alias] = unit
        for forms in (*self.streets.values(), *self.committees.values()):
            forms.sort(key=lambda form: -len(form.text))  # longest first

    @classmethod
    def from_store(cls, store: UnitSource) -> GazetteerIndex:
        """Load every unit and alias from the store."""
        return cls(store.find_units(), store.list_aliases())

    @cached_property
    def search(self) -> UnitSearch:
        """Units by short form and prefix, built on first use (the units endpoint's)."""
        return UnitSearch(self.units, self.aliases)

    def district(self, name: str) -> AdminUnit | None:
        """The district a name, former name or short form stands for."""
        name = normalise(name)
        return self.district_names.get(name) or self.district_short.get(name)

    def find_district(self, text: str) -> tuple[AdminUnit, str] | None:
        """The district named in ``text`` (full names anywhere, short forms only first)."""
        found = [(text.find(n), -len(n), n) for n in self.district_names if n in text]
        if found:
            _, _, name = min(found)
            return self.district_names[name], name
        for short, unit in self.district_short.items():
            if (
                text.startswith(short)
                and not ROAD_AFTER_SHORT_FORM.match(text, len(short))
                and not any(text.startswith(f.text) for f in self.streets.get(unit.id, []))
            ):  # 金山卫镇 and 静安寺街道 begin with a short form but name a town/street
                return unit, short
        return None

    def find_streets(self, text: str, district_id: int | None) -> list[tuple[AdminUnit, str]]:
        """Streets/towns whose name (with its 街道/镇 suffix) appears in ``text``."""
        return _find(text, self._forms(self.streets, district_id))

    def find_committees(
        self, text: str, district_id: int | None, street_id: int | None
    ) -> list[tuple[AdminUnit, str]]:
        """Committees named in ``text``: full names anywhere, bare 村 names at its start,
        numbers in either script (``fold_numerals``); each with its name as matched."""
        forms = self._forms(self.committees, district_id)
        if street_id is not None:
            forms = [f for f in forms if f.unit.parent_id == street_id]
        return _find(fold_numerals(text), forms)

    def find_committee_cores(self, text: str, district_id: int) -> list[AdminUnit]:
        """Committees of a district whose core name (no 居委会/村委会, ``fold_numerals``, at
        least ``LOOSE_CORE_MIN`` characters) appears anywhere in ``text``, not as the start
        of a road (韩村路) or of a number (共康4村1 in 共康4村12号); a longer core hides
        those inside it (乳山2村 hides 山2村)."""
        text = fold_numerals(text)
        by_start = self.cores.get(district_id, {})
        hits = [
            (start, form)
            for start in range(len(text) - LOOSE_CORE_MIN + 1)
            for form in by_start.get(text[start : start + LOOSE_CORE_MIN], ())
            if text.startswith(form.text, start) and _ends_a_name(text, start + len(form.text))
        ]
        hits.sort(key=lambda hit: -len(hit[1].text))
        taken: list[tuple[int, int]] = []
        found: dict[int, AdminUnit] = {}
        for start, form in hits:
            end = start + len(form.text)
            if any(start >= s and end <= e and (s, e) != (start, end) for s, e in taken):
                continue
            taken.append((start, end))
            found[form.unit.id] = form.unit
        return list(found.values())

    def street_named(self, name: str, district_id: int) -> list[AdminUnit]:
        """Streets of a district with this name, written with or without its suffix."""
        streets = {f.unit.id: f.unit for f in self.streets.get(district_id, [])}.values()
        exact = [s for s in streets if normalise(s.name) == normalise(name)]
        return exact or [s for s in streets if core_name(s.name) == core_name(name)]

    def committee_named(
        self, name: str, district_id: int, street_id: int | None
    ) -> list[AdminUnit]:
        """Committees with this name in any usual form (塘口村, 塘口村委会, 淮海居委, 淮海社区
        …), else those with the same name once the unit search's suffixes are all left out
        (淮海社区居委 → 淮海 ← 淮海居委会); what is in brackets (淮海居委会（湖南路）) is
        left out, and numbers compare however they are written (临汾路1244弄居委会 is
        临汾路一二四四弄居委会)."""
        wanted = fold_numerals(normalise(BRACKETED.sub("", name)))
        texts = {wanted, *(wanted + s for s in (*RESIDENTS_SUFFIXES, *VILLAGERS_SUFFIXES))}
        forms = [
            f for f in self.committees.get(district_id, []) if street_id in (None, f.unit.parent_id)
        ]
        found = {f.unit.id: f.unit for f in forms if f.text in texts}
        if not found and wanted:
            core = _core(wanted)
            found = {f.unit.id: f.unit for f in forms if _core(f.text) == core}
        return list(found.values())

    def answer_units(
        self,
        district: str | None,
        street: str | None,
        committee: str | None,
        stated: AdminUnit | None = None,
    ) -> tuple[AdminUnit | None, AdminUnit | None, AdminUnit | None]:
        """The district, street and committee a geocoder's answer names, each None unless
        its name means exactly one unit there; the ``stated`` district (a row's column,
        a person's choice) wins over the answer's."""
        found = stated or (self.district(district) if district else None)
        if found is None:
            return None, None, None
        streets = self.street_named(street, found.id) if street else []
        found_street = streets[0] if len(streets) == 1 else None
        street_id = found_street.id if found_street else None
        committees = self.committee_named(committee, found.id, street_id) if committee else []
        return found, found_street, committees[0] if len(committees) == 1 else None

    def named_alone(self, text: str, district_id: int | None) -> tuple[Level, list[AdminUnit]]:
        """Streets, else residents' committees, that ``text`` is the whole short name of
        (徐家汇 → 徐家汇街道, 东三里桥 → 东三里桥居委会); a road's name is never one."""
        for level in (Level.street, Level.committee):
            units = self.bare[level].get(
                fold_numerals(text) if level is Level.committee else text, []
            )
            found = [u for u in units if district_id in (None, u.district_id)]
            if found:
                return level, found
        return Level.street, []

    def committees_named_after(self, road: str, district_id: int) -> list[AdminUnit]:
        """Residents' committees of a district named after a road (浦电路居委会 ← 浦电路)."""
        return self.named_after_roads.get((district_id, road), [])

    @staticmethod
    def _forms(by_district: dict[int, list[NameForm]], district_id: int | None) -> list[NameForm]:
        if district_id is not None:
            return by_district.get(district_id, [])
        return [form for forms in by_district.values() for form in forms]


def _find(text: str, forms: list[NameForm]) -> list[tuple[AdminUnit, str]]:
    found: dict[int, tuple[AdminUnit, str]] = {}
    for form in forms:
        if form.text in text and form.unit.id not in found and _mentions(text, form):
            found[form.unit.id] = (form.unit, form.text)
    return list(found.values())


def _mentions(text: str, form: NameForm) -> bool:
    """True when ``text`` names the unit: not as the start of a road (韩村路, 洋泾镇路)."""
    start = text.find(form.text)
    while start != -1:
        if form.bare and start > 0:
            return False
        if not ROAD_AFTER_NAME.match(text, start + len(form.text)):
            return True
        start = text.find(form.text, start + 1)
    return False


def _ends_a_name(text: str, end: int) -> bool:
    """True unless a road's ending or, after a digit, another digit follows ``end``."""
    if end < len(text) and text[end].isdigit() and text[end - 1].isdigit():
        return False
    return not ROAD_AFTER_NAME.match(text, end)


def _core(name: str) -> str:
    """A name without every unit suffix the unit search knows (淮海社区居委会 → 淮海)."""
    shorter = short_form(name)
    while shorter != name:
        name, shorter = shorter, short_form(shorter)
    return name


def _road_of(name: str) -> str | None:
    """The road a residents' committee is named after, if its name is <road>居委会."""
    for suffix in RESIDENTS_SUFFIXES:
        if name.endswith(suffix):
            core = name.removesuffix(suffix)
            return core if core.endswith(("路", "街", "大道", "公路")) else None
    return None


def _bare_committee(name: str) -> str | None:
    """A residents' committee's name without its suffix, if it is not a road's name."""
    for suffix in RESIDENTS_SUFFIXES:
        if name.endswith(suffix):
            core = normalise(name.removesuffix(suffix))
            return core if len(core) >= 2 and not core.endswith(ROAD_ENDINGS) else None
    return None


def _loose_core(name: str) -> str | None:
    """A committee's name without its suffix, to be found anywhere (乳山二村居委会 → 乳山2村,
    塘口村村委会 → 塘口村); None when short or a road's name (浦电路居委会)."""
    name = fold_numerals(normalise(name))
    for suffix in (*RESIDENTS_SUFFIXES, *VILLAGERS_SUFFIXES):
        if name.endswith(suffix):
            core = name.removesuffix(suffix)
            if suffix in VILLAGERS_SUFFIXES and not core.endswith("村"):
                core += "村"  # 塘口村委会 is the committee of 塘口村
            break
    else:
        return None
    if len(core) < LOOSE_CORE_MIN or ROAD_NAMED.search(core):
        return None
    return core


def _street_forms(unit: AdminUnit) -> list[NameForm]:
    core = core_name(unit.name)
    texts = {normalise(unit.name)}
    if core != normalise(unit.name):
        texts |= {core + suffix for suffix in STREET_SUFFIXES}
        if unit.name.endswith("路街道"):  # 友谊路街道 is also written 友谊街道
            texts |= {core + "路" + suffix for suffix in STREET_SUFFIXES}
    return [NameForm(text, unit) for text in texts]


def _committee_forms(unit: AdminUnit) -> list[NameForm]:
    """The ways a committee's name is written, its numbers in digits (``fold_numerals``)."""
    name = fold_numerals(normalise(unit.name))
    forms = [NameForm(name, unit)]
    for suffix in RESIDENTS_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            core = name.removesuffix(suffix)
            forms += [NameForm(core + s, unit) for s in RESIDENTS_SUFFIXES if core + s != name]
            break
    for suffix in VILLAGERS_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            core = name.removesuffix(suffix)
            village = core if core.endswith("村") else core + "村"
            forms += [NameForm(village + s, unit) for s in ("委会", "委", "民委员会")]
            forms.append(NameForm(village, unit, bare=True))
            break
    return forms
