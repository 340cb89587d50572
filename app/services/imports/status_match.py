"""Which stored hospital a status sheet's row is about: by ``ref``, else by name or alias
within the row's district, else by name alone when only one hospital has it. A row that
matches none is reported with the closest names; this import never creates hospitals."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from app.domain.enums import Kind, Level
from app.domain.records import Resource
from app.geo.names import normalise
from app.storage.port import Store

CLOSEST = 3
SHOWN = 100
"""Characters of a row's name, ref or district a reason repeats (cells hold up to 2,000)."""


@dataclass(frozen=True, slots=True)
class Match:
    """The hospital a row is about, or why none, with the closest names."""

    resource: Resource | None
    reason: str | None = None
    closest: tuple[str, ...] = ()


def _key(name: str) -> str:
    return normalise(name).lower()


class HospitalIndex:
    """The stored hospitals by ref and by name and alias, read once for a whole sheet."""

    def __init__(self, store: Store) -> None:
        self.by_ref: dict[str, Resource] = {}
        self.by_name: dict[str, list[Resource]] = {}
        for resource in store.iter_resources(kind=Kind.hospital):
            if resource.ref:
                self.by_ref[resource.ref] = resource
            for name in {resource.name, *resource.aliases, resource.name_en or ""} - {""}:
                self.by_name.setdefault(_key(name), []).append(resource)
        self.districts: dict[str, int] = {}
        for unit in store.find_units(level=Level.district, limit=100):
            self.districts[_key(unit.name)] = unit.id
            short = unit.name.removesuffix("新区").removesuffix("区")
            self.districts.setdefault(_key(short), unit.id)

    def match(self, ref: str, name: str, district: str, *, suggest: bool = True) -> Match:
        """The hospital of a row's ref, name and district cells; with ``suggest``, the
        closest names when none has the name (a comparison with every stored name)."""
        if ref:
            found = self.by_ref.get(ref)
            return Match(found, None if found else f"no hospital has the ref {ref[:SHOWN]!r}")
        named = self.by_name.get(_key(name), [])
        district_id = self.districts.get(_key(district)) if district else None
        if district and district_id is None:
            return Match(None, f"unknown district {district[:SHOWN]!r}")
        if district_id is not None:
            named = [r for r in named if r.district_id == district_id]
        if len(named) == 1:
            return Match(named[0])
        shown = name[:SHOWN]
        if len(named) > 1:
            return Match(None, f"{len(named)} hospitals are named {shown!r}: add the 区 or a ref",
                         tuple(r.name for r in named[:CLOSEST]))  # fmt: skip
        closest = (
            difflib.get_close_matches(_key(name), self.by_name, n=CLOSEST, cutoff=0.5)
            if suggest
            else []
        )
        names = tuple(dict.fromkeys(self.by_name[k][0].name for k in closest))
        where = f" in {district}" if district else ""
        return Match(None, f"no hospital named {shown!r}{where}", names)
