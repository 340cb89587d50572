"""Conversion between storage records and table rows, with per-field validation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.domain.enums import Level, Precision, SourceCrs
from app.domain.records import AdminUnit, NewResource, Resource, field_names
from app.domain.statuses import IntakeStatus, State
from app.storage.errors import InvalidRecord

TEXT_LIST_FIELDS = frozenset({"aliases", "phones", "services"})
ENUM_FIELDS = {"precision": Precision, "source_crs": SourceCrs, "state": State, "level": Level}
EDITABLE_RESOURCE_FIELDS = frozenset(field_names(NewResource))


def column_value(name: str, value: Any) -> Any:
    """A record field as its column holds it; InvalidRecord for a value of the wrong shape."""
    if name in TEXT_LIST_FIELDS:
        if isinstance(value, str) or not all(isinstance(item, str) for item in value):
            raise InvalidRecord(f"{name} must be a list of strings")
        return list(value)
    if name in ENUM_FIELDS and value is not None:
        try:
            return ENUM_FIELDS[name](value).value
        except ValueError:
            raise InvalidRecord(f"{name} cannot be {value!r}") from None
    if name == "attributes":
        if not isinstance(value, Mapping):
            raise InvalidRecord("attributes must be a mapping")
        return dict(value)
    return value


def resource_row(new: NewResource, now: datetime) -> dict:
    """The row of a new resource at version 1."""
    row = {name: column_value(name, getattr(new, name)) for name in field_names(NewResource)}
    return row | {"version": 1, "created_at": now, "updated_at": now}


def resource_changes(changes: Mapping[str, Any]) -> dict:
    """Column values for an update; ValueError for a field that cannot be edited."""
    unknown = set(changes) - EDITABLE_RESOURCE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    return {name: column_value(name, value) for name, value in changes.items()}


def to_unit(row: Mapping[str, Any]) -> AdminUnit:
    """An ``AdminUnit`` from an ``admin_units`` row."""
    values = {name: row[name] for name in field_names(AdminUnit)}
    return AdminUnit(
        **values | {"level": Level(row["level"]), "precision": Precision(row["precision"])}
    )


def to_resource(row: Mapping[str, Any]) -> Resource:
    """A ``Resource`` from a ``resources`` row."""
    values = {name: row[name] for name in field_names(Resource)}
    return Resource(
        **values
        | {name: tuple(row[name]) for name in TEXT_LIST_FIELDS}
        | {
            "attributes": dict(row["attributes"]),
            "precision": Precision(row["precision"]),
            "source_crs": SourceCrs(row["source_crs"]),
            "location_verified": bool(row["location_verified"]),
        }
    )


def to_status(row: Mapping[str, Any]) -> IntakeStatus:
    """An ``IntakeStatus`` from an ``intake_status`` or ``status_history`` row."""
    values = {name: row[name] for name in field_names(IntakeStatus)}
    return IntakeStatus(
        **values | {"state": State(values["state"]), "conditions": tuple(values["conditions"])}
    )
