"""Looking up administrative units by name, including former names and short forms."""

from __future__ import annotations

from app.storage.base import AdminUnit, Level, Store


def units_named(
    store: Store,
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
    found = store.find_units(
        name=name, level=level, parent_id=parent_id, limit=limit, offset=offset
    )
    if found or offset:  # past the first page the alias's one unit is never shown
        return found
    unit = store.resolve_alias(name)
    wanted = unit is not None and level in (None, unit.level)
    return [unit] if wanted and parent_id in (None, unit.parent_id) else []
