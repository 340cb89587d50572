"""The query parameters of the OGC items and item operations, in one table: the routes'
accepted sets and the OpenAPI 3.0 document (``app.api.ogc_openapi``) both read it, so what
is accepted and what is declared cannot drift (``tests/api/test_ogc_core.py``). A part of
the standard adds its rows here and reads them in the route or its dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from app.geo.ogc_crs import CRS84, SUPPORTED
from app.services.layers import Collection
from app.services.ogc_filters import FILTER_LANGS, MAX_FILTER_CHARS
from app.services.ogc_queryables import queryables_of

MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Parameter:
    """One query parameter as OpenAPI 3.0 declares it: ``style: form`` without explode
    (``bbox=1,2,3,4``), as Core's fragments declare every parameter."""

    name: str
    schema: dict
    description: str

    def openapi(self) -> dict:
        """The OpenAPI 3.0 parameter object, inline (clients look parameters up by path)."""
        return {"name": self.name, "in": "query", "required": False, "style": "form",
                "explode": False, "description": self.description,
                "schema": self.schema}  # fmt: skip


CRS = Parameter(
    "crs", {"type": "string", "format": "uri", "enum": list(SUPPORTED), "default": CRS84},
    "the CRS of the answer's coordinates (Features Part 2; the Content-Crs header names it): "
    "CRS84 lon/lat, EPSG:4326 or EPSG:4490 (CGCS2000) lat/lon, EPSG:3857 metres",
)  # fmt: skip
PROPERTIES = Parameter(
    "properties", {"type": "array", "items": {"type": "string"}},
    "only these properties, comma-separated (unknown names are a 400)",
)  # fmt: skip
SKIP_GEOMETRY = Parameter(
    "skipGeometry", {"type": "boolean", "default": False}, "true: features without geometry"
)
F = Parameter(
    "f", {"type": "string", "enum": ["json", "html"]}, "json (the default) or html; without "
    "it, a browser's Accept: text/html gets HTML",
)  # fmt: skip
ITEMS = (
    Parameter(
        "bbox",
        {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        "west,south,east,north in CRS84 degrees, or west,south,min height,east,north,max "
        "height (heights are ignored: the features have none); the antimeridian is not "
        "crossed",
    ),
    Parameter(
        "bbox-crs",
        {"type": "string", "format": "uri", "enum": list(SUPPORTED), "default": CRS84},
        "the CRS of bbox, its corners in that CRS's axis order (EPSG:4326 and EPSG:4490: lat,lon)",
    ),
    Parameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100},
        f"features per page, 1 to {MAX_LIMIT}",
    ),
    Parameter(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": 10_000_000, "default": 0},
        "features to skip (the `next` links carry it); past the end, an empty page",
    ),
    Parameter(
        "service",
        {"type": "string", "maxLength": 32},
        "resources offering this service (a code of /api/v1/services); not on units",
    ),
    Parameter(
        "state",
        {"type": "string", "maxLength": 100},
        "with service: its states, comma-separated, e.g. open,limited",
    ),
    Parameter("fresh", {"type": "boolean"}, "with service: only statuses not out of date"),
    Parameter(
        "district", {"type": "string", "maxLength": 20}, "features in this district (name or alias)"
    ),
    Parameter(
        "datetime",
        {"type": "string", "maxLength": 100},
        "an instant, a date, or start/end with .. for an open end (RFC 3339): resources by "
        "their status time (see queryables); units have no time and always match",
    ),
    Parameter(
        "filter",
        {"type": "string", "maxLength": MAX_FILTER_CHARS},
        "a CQL2 expression on the collection's queryables (see its queryables link)",
    ),
    Parameter(
        "filter-lang",
        {"type": "string", "enum": list(FILTER_LANGS), "default": "cql2-text"},
        "the filter's encoding (cql-text: the draft name GDAL sends)",
    ),
    Parameter("filter-crs", {"type": "string", "enum": [CRS84]}, f"only {CRS84}"),
    CRS,
    PROPERTIES,
    SKIP_GEOMETRY,
    Parameter(
        "sortby",
        {"type": "array", "items": {"type": "string"}},
        "comma-separated keys, each with an optional + (ascending) or - (descending): "
        "resources name, status_time (newest current status report, else the last update), "
        "distance (from near), id; units name, code, id. id always ends the order",
    ),
    Parameter(
        "near",
        {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
        "lon,lat (CRS84) that sortby=distance measures from, on the sphere",
    ),
    F,
)
"""``/collections/{collectionId}/items``, for every collection; ``items_of`` adds a
collection's own property filters."""
ITEM = (CRS, PROPERTIES, SKIP_GEOMETRY, F)
"""``/collections/{collectionId}/items/{featureId}``."""


def items_of(collection: Collection) -> tuple[Parameter, ...]:
    """``ITEMS`` and, for each queryable of ``collection`` but the geometry, a property
    filter by equality (``?name=…``, Part 3's queryables-query-parameters)."""
    properties = tuple(
        Parameter(name, q.value_schema(), f"features whose {q.title} equals this")
        for name, q in queryables_of(collection).items()
        if q.type != "geometry"
    )
    return ITEMS + properties


def names(parameters: tuple[Parameter, ...]) -> frozenset[str]:
    """The names an operation accepts."""
    return frozenset(p.name for p in parameters)
