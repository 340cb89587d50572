"""Looking up administrative units by name, including former names and short forms."""

from __future__ import annotations

from app.domain.enums import Level
from app.domain.records import AdminUnit
from app.geo.unit_search import UnitSearch
from app.storage.port import UnitStore


def units_named(
    store: UnitStore,
    name: str,
    level: Level | None = None,
    *,
    parent_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[AdminUnit]:
    """Units with this exact name (one page of them, filtered and paged by the store),
    else the unit this alias stands for (闸北区 → 静安区)."""
    name = name.strip()
    if "\x00" in name:  # no unit is so named, and PostgreSQL refuses to compare it
        return []
    found = store.find_units(
        name=name, level=level, parent_id=parent_id, limit=limit, offset=offset
    )
    if found or offset:  # past the first page the alias's one unit is never shown
        return found
    unit = store.resolve_alias(name)
    wanted = unit is not None and level in (None, unit.level)
    return [unit] if wanted and parent_id in (None, unit.parent_id) else []


def units_matching(
    store: UnitStore,
    search: UnitSearch,
    name: str,
    level: Level | None = None,
    *,
    parent_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AdminUnit]:
    """What a person typing a name wants: the units with that exact name (paged by the
    store), else those it is a former name, short form or beginning of (闸北区 → 静安区,
    塘桥 → 塘桥街道 …, 东三里 → 东三里桥居委会), best first, paged the same way."""
    name = name.strip()
    if "\x00" in name:  # no unit is so named, and PostgreSQL refuses to compare it
        return []
    found = store.find_units(
        name=name, level=level, parent_id=parent_id, limit=limit, offset=offset
    )
    if found or (offset and store.find_units(name=name, level=level, parent_id=parent_id)):
        return found  # past the end of the exact names: never a page of other ones
    return search.find(name, level=level, parent_id=parent_id, limit=limit, offset=offset)
