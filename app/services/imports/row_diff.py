"""What a row changes in the stored resource it matches."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from app.domain.records import Resource
from app.services.imports.cells import CellError, normalise_spaces, split_list
from app.services.imports.records import RowAction, RowPlan
from app.services.imports.row_location import SHEET_POINTS, Located
from app.services.phones import keep_extensions, read_phones

MAX_NAME_CHARS = 200
COMPARED_FIELDS = (
    "name", "name_en", "aliases", "address", "phones", "services", "district_id", "street_id",
    "committee_id", "lon", "lat", "precision", "source_crs", "attributes",
)  # fmt: skip


def diff_row(
    plan: RowPlan, existing: Resource, fields: dict[str, Any], located: Located, by_ref: bool
) -> RowPlan:
    """Fields of ``existing`` the row would change.

    Empty cells change nothing; a row matched by name (or alias) does not rename;
    services and attributes are merged, never dropped; a stored phone's extension stays
    when the row has the same number without it. A stored text that reads as
    the cell once both are read as the import reads cells (full-width forms,
    spacing) is kept, and so is the source coordinate system of an unmoved point. A
    stored location finer than the row's, or one a volunteer verified, is kept, and is the
    precision the plan shows.
    """
    plan.resource_id, plan.expected_version = existing.id, existing.version
    new = {key: fields[key] for key in COMPARED_FIELDS if fields[key] not in (None, (), {})}
    if not by_ref:
        new.pop("name")
    new["services"] = tuple(dict.fromkeys((*existing.services, *fields["services"])))
    new["attributes"] = {**existing.attributes, **fields["attributes"]}
    if "phones" in new:
        new["phones"] = keep_extensions(existing.phones, new["phones"])
    kept = _kept_location(existing, located)
    if kept:
        for key in ("lon", "lat", "precision", "source_crs", "street_id", "committee_id"):
            new.pop(key, None)
        plan.precision, plan.precision_reason = existing.precision, kept
        if located.located_by in SHEET_POINTS:  # the sheet's own point is not used: say so
            plan.notes.append(kept)
        plan.located_by, plan.confidence = "stored", None
    for key, read in AS_IMPORTED.items():
        if key in new and _read_as_cell(read, getattr(existing, key)) == new[key]:
            new.pop(key)
    if all(_shown(getattr(existing, k)) == _shown(new.get(k)) for k in ("lon", "lat")):
        new.pop("source_crs", None)
    changes = {
        key: [_shown(getattr(existing, key)), _shown(value)]
        for key, value in new.items()
        if _shown(getattr(existing, key)) != _shown(value)
    }
    if not changes:
        plan.action = RowAction.unchanged
        return plan
    plan.action, plan.changes = RowAction.change, changes
    plan.update = {key: new[key] for key in changes}
    return plan


def _kept_location(existing: Resource, located: Located) -> str | None:
    """Why the stored location stays, if it does: it is finer than the row's geocoded one,
    or a volunteer verified it (a sheet's own point is never verified)."""
    if located.located_by not in SHEET_POINTS:
        if existing.precision.rank < located.precision.rank:
            return (
                f"the stored location ({existing.precision.value}) is kept: finer than the "
                f"row's ({located.precision.value}: {located.reason})"
            )
        return None
    moved = _shown(existing.lon) != _shown(located.lon) or _shown(existing.lat) != _shown(
        located.lat
    )
    if existing.location_verified and moved:
        return (
            f"the stored location ({existing.precision.value}) is kept: a volunteer verified "
            f"it, and the sheet's point is not verified (move it by hand if the sheet is right)"
        )
    return None


AS_IMPORTED: dict[str, Callable[[str], Any]] = {
    "name": lambda cell: normalise_spaces(cell)[:MAX_NAME_CHARS],
    "address": normalise_spaces,
    "aliases": split_list,
    "phones": lambda cell: read_phones(cell).numbers,
}
"""How the import reads the cell of each text field it normalises."""


def _read_as_cell(read: Callable[[str], Any], stored: Any) -> Any:
    """A stored value as the import would read it from a cell (None if it cannot)."""
    if stored is None:
        return None
    try:
        return read("、".join(stored) if isinstance(stored, tuple) else stored)
    except CellError:
        return None


def _shown(value: Any) -> Any:
    """A field value as JSON shows it and as comparisons see it."""
    if isinstance(value, float):
        return round(value, 7)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dict):
        return dict(value)
    return value
