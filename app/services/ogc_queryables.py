"""What a client may filter each collection on (OGC API – Features Part 3 queryables) and
the shape of the features it gets back (Part 5 schemas), as JSON Schema 2020-12.

One table per kind of layer names each queryable's type and the store field it reads, so
the queryables document, property filters and CQL2 checks cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.enums import Level, Precision
from app.domain.layers import STATUS_TIME
from app.services.layers import Collection

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True, slots=True)
class Queryable:
    """One property a filter may name: its JSON Schema type and the store field behind it."""

    type: str
    """integer, string, boolean, date-time or geometry."""
    field: str
    title: str
    nullable: bool = False
    enum: tuple[str, ...] | None = None

    def value_schema(self) -> dict:
        """The schema of a query parameter comparing this property to one value."""
        if self.type == "date-time":
            return {"type": "string", "format": "date-time"}
        return {"type": self.type}

    def schema(self) -> dict:
        """This property as JSON Schema (``x-ogc-role`` for the geometry)."""
        if self.type == "geometry":
            point = self.field == "lonlat"
            return {"title": self.title, "format": "geometry-point" if point else "geometry-any",
                    "x-ogc-role": "primary-geometry"}  # fmt: skip
        kind = "string" if self.type == "date-time" else self.type
        found: dict = {"title": self.title, "type": [kind, "null"] if self.nullable else kind}
        if self.type == "date-time":
            found["format"] = "date-time"
        if self.enum:
            found["enum"] = list(self.enum) + ([None] if self.nullable else [])
        if self.field == "id":
            found["x-ogc-role"] = "id"
        return found


PRECISIONS = tuple(p.value for p in Precision)
RESOURCE_QUERYABLES = {
    "id": Queryable("integer", "id", "feature id"),
    "name": Queryable("string", "name", "name (Chinese)"),
    "name_en": Queryable("string", "name_en", "name (English)", nullable=True),
    "address": Queryable("string", "address", "address", nullable=True),
    "precision": Queryable("string", "precision", "how exact the point is", enum=PRECISIONS),
    "location_verified": Queryable("boolean", "location_verified", "point checked by a person"),
    "district_id": Queryable("integer", "district_id", "district feature id", nullable=True),
    "street_id": Queryable("integer", "street_id", "street feature id", nullable=True),
    "committee_id": Queryable("integer", "committee_id", "committee feature id", nullable=True),
    "version": Queryable("integer", "version", "edit count"),
    STATUS_TIME: Queryable("date-time", STATUS_TIME,
                           "newest status report (of the service asked), else last update"),
    "updated": Queryable("date-time", "updated_at", "last update of the record"),
    "geometry": Queryable("geometry", "lonlat", "location"),
}  # fmt: skip
UNIT_QUERYABLES = {
    "id": Queryable("integer", "id", "feature id"),
    "code": Queryable("string", "code", "12-digit NBS division code", nullable=True),
    "name": Queryable("string", "name", "name (Chinese)"),
    "name_en": Queryable("string", "name_en", "name (English)", nullable=True),
    "level": Queryable("string", "level", "level", enum=tuple(v.value for v in Level)),
    "kind": Queryable("string", "kind", "kind of unit"),
    "precision": Queryable("string", "precision", "how exact the point is", enum=PRECISIONS),
    "parent_id": Queryable("integer", "parent_id", "parent unit id", nullable=True),
    "district_id": Queryable("integer", "district_id", "district feature id", nullable=True),
    "geometry": Queryable("geometry", "outline", "outline where loaded, else point"),
}  # fmt: skip


def queryables_of(collection: Collection) -> dict[str, Queryable]:
    """The queryables of a collection, by name."""
    return RESOURCE_QUERYABLES if collection.kind is not None else UNIT_QUERYABLES


def queryables_document(collection: Collection, url: str) -> dict:
    """``/collections/{id}/queryables``: every queryable, no other property allowed."""
    return {
        "$schema": JSON_SCHEMA,
        "$id": url,
        "type": "object",
        "title": collection.title,
        "properties": {name: q.schema() for name, q in queryables_of(collection).items()},
        "additionalProperties": False,
    }


def property_parameters() -> list[dict]:
    """OpenAPI query parameters for equality on every queryable of any collection but
    the geometry (``?name=…``; a collection refuses those it does not have)."""
    found: dict[str, dict] = {}
    for name, q in (UNIT_QUERYABLES | RESOURCE_QUERYABLES).items():
        if q.type != "geometry":
            found[name] = {"name": name, "in": "query", "required": False,
                           "schema": q.value_schema(),
                           "description": f"equal to this {q.title} (see queryables)"}  # fmt: skip
    return list(found.values())


def _typed(kind: str | list, **more) -> dict:
    return {"type": kind} | more


_NULLABLE_ID, _TEXT = _typed(["integer", "null"]), _typed(["string", "null"])
_STATUS = _typed(
    "object",
    properties={
        "service": _typed("string"), "state": _typed("string"), "conditions": _typed("object"),
        "reported_at": _typed(["string", "null"], format="date-time"),
        "verified_at": _typed(["string", "null"], format="date-time"),
        "stale": _typed("boolean"), "age_seconds": _typed(["integer", "null"]),
    },
)  # fmt: skip
RESOURCE_PROPERTIES = {
    "name": _typed("string"), "name_en": _TEXT, "kind": _typed("string"), "address": _TEXT,
    "phones": _typed("array", items=_typed("string")),
    "services": _typed("array", items=_typed("string")),
    "precision": _typed("string", enum=list(PRECISIONS)),
    "location_verified": _typed("boolean"), "district_id": _NULLABLE_ID,
    "street_id": _NULLABLE_ID, "committee_id": _NULLABLE_ID, "version": _typed("integer"),
    "statuses": _typed("array", items=_STATUS),
    "problem_reported_at": _typed(["string", "null"], format="date-time"),
    "state": _typed("string"), "stale": _typed("boolean"),
    "age_seconds": _typed(["integer", "null"]),
}  # fmt: skip
UNIT_PROPERTIES = {
    "code": _TEXT, "name": _typed("string"), "name_en": _TEXT, "level": _typed("string"),
    "kind": _typed("string"), "precision": _typed("string", enum=list(PRECISIONS)),
    "parent_id": _NULLABLE_ID, "district_id": _NULLABLE_ID,
}  # fmt: skip


def schema_document(collection: Collection, url: str) -> dict:
    """``/collections/{id}/schema`` (Part 5): every property a feature carries, typed, so
    GDAL stops guessing types from the first page (``state``, ``stale`` and
    ``age_seconds`` only with ``service=``)."""
    resources = collection.kind is not None
    properties = RESOURCE_PROPERTIES if resources else UNIT_PROPERTIES
    return {
        "$schema": JSON_SCHEMA,
        "$id": url,
        "type": "object",
        "title": collection.title,
        "properties": {
            "id": {"type": "integer", "x-ogc-role": "id"},
            "geometry": queryables_of(collection)["geometry"].schema(),
        }
        | properties,
    }
