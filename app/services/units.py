"""Looking up administrative units by name, including former names and short forms."""

from __future__ import annotations

from app.storage.base import AdminUnit, Level, Store


def units_named(store: Store, name: str, level: Level | None = None) -> list[AdminUnit]:
    """Units with this exact name, else the unit this alias stands for (闸北区 → 静安区)."""
    name = name.strip()
    found = store.find_units(name=name, level=level)
    if found:
        return found
    unit = store.resolve_alias(name)
    return [unit] if unit is not None and level in (None, unit.level) else []
