"""The OpenAPI 3.0.3 document of the OGC part of the API (``GET /ogc/api``, the landing
page's ``service-desc``), written by hand.

The app's own ``/openapi.json`` is OpenAPI 3.1 for the whole app, with the OGC paths under
``/ogc`` and no ``servers``: OGC clients and validators look for ``/``, ``/conformance`` and
``/collections`` relative to a server, and FastAPI writes 3.1 constructs (``anyOf`` with
``null``, ``examples`` arrays) a 3.0 reader refuses. Here the server is ``…/ogc`` and every
collection has literal paths (``/collections/hospitals/items``): the conformance suite looks
a collection's parameters up by its own path, and GDAL reads the items path's parameters.
The parameters are inline (no ``$ref``) and come from ``app.api.ogc_parameters``."""

from __future__ import annotations

from app import __version__
from app.api import ogc_parameters
from app.api.layer_responses import GEOJSON
from app.api.ogc_documents import HTML, OPENAPI_30
from app.services.layers import COLLECTIONS, Collection

LINK = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {k: {"type": "string"} for k in ("href", "rel", "type", "title")},
}
LINKS = {"type": "array", "items": LINK}
LANDING = {"type": "object", "required": ["links"],
           "properties": {"title": {"type": "string"}, "description": {"type": "string"},
                          "links": LINKS}}  # fmt: skip
STRINGS = {"type": "array", "items": {"type": "string"}}
CONFORMANCE = {"type": "object", "required": ["conformsTo"],
               "properties": {"links": LINKS, "conformsTo": STRINGS}}  # fmt: skip
COLLECTION = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "itemType": {"type": "string"},
        "crs": STRINGS,
        "storageCrs": {"type": "string"},
        "extent": {"type": "object"},
        "links": LINKS,
    },
}
COLLECTIONS_BODY = {
    "type": "object",
    "required": ["links", "collections"],
    "properties": {"links": LINKS, "collections": {"type": "array", "items": COLLECTION}},
}
FEATURE = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "geometry": {"type": "object", "nullable": True},
        "properties": {"type": "object", "nullable": True},
        "links": LINKS,
    },
}
FEATURES = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": FEATURE},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
        "links": LINKS,
    },
}
ERROR = {"description": "the error (`error.code`, `error.message`)", "content": {
    "application/json": {"schema": {"type": "object", "required": ["error"],
                                    "properties": {"error": {"type": "object"}}}}}}  # fmt: skip
ERRORS = {
    "400": ERROR | {"description": "a query parameter it does not define, or a value it "
                    "cannot read"},
    "404": ERROR | {"description": "no such collection or feature"},
}  # fmt: skip
ONLY_400 = ("400",)


def _answer(media_type: str, schema: dict, description: str, errors=("400", "404")) -> dict:
    content = {media_type: {"schema": schema}, HTML: {"schema": {"type": "string"}}}
    return {"200": {"description": description, "content": content}} | {
        code: ERRORS[code] for code in errors
    }


def _get(operation_id: str, summary: str, responses: dict, parameters=(), path=()) -> dict:
    declared = [*path, *(p.openapi() for p in parameters)]
    return {"get": {"operationId": operation_id, "summary": summary, "tags": ["ogc"],
                    "parameters": declared, "responses": responses}}  # fmt: skip


def _collection_paths(collection: Collection) -> dict:
    cid, title = collection.id, collection.title
    feature_id = {"name": "featureId", "in": "path", "required": True,
                  "description": "the feature's id", "schema": {"type": "string"}}  # fmt: skip
    base = f"/collections/{cid}"
    return {
        base: _get(f"describe_{cid}", f"the {title} collection",
                   _answer("application/json", COLLECTION, f"the {title} collection"),
                   [ogc_parameters.F]),
        f"{base}/items": _get(f"get_{cid}_features", f"{title}: a page of features",
                              _answer(GEOJSON, FEATURES, "a page of features"),
                              ogc_parameters.items_of(collection)),
        f"{base}/items/{{featureId}}": _get(f"get_{cid}_feature", f"{title}: one feature",
                                            _answer(GEOJSON, FEATURE, "one feature"),
                                            ogc_parameters.ITEM, [feature_id]),
    }  # fmt: skip


def ogc_openapi(server: str) -> dict:
    """The document, its server ``server`` (the public URL of ``/ogc``)."""
    f = [ogc_parameters.F]
    paths = {
        "/": _get("get_landing_page", "landing page",
                  _answer("application/json", LANDING, "links to the API definition, the "
                          "conformance classes and the collections", ONLY_400), f),
        "/api": _get("get_api", "this API definition", {"200": {
            "description": "this document (JSON), or API docs (HTML)",
            "content": {OPENAPI_30: {"schema": {"type": "object"}},
                        HTML: {"schema": {"type": "string"}}}}, "400": ERRORS["400"]}, f),
        "/conformance": _get("get_conformance", "conformance classes",
                             _answer("application/json", CONFORMANCE, "conformance classes",
                                     ONLY_400), f),
        "/collections": _get("get_collections", "the collections",
                             _answer("application/json", COLLECTIONS_BODY, "the collections",
                                     ONLY_400), f),
    }  # fmt: skip
    for c in COLLECTIONS.values():
        paths |= _collection_paths(c)
    return {
        "openapi": "3.0.3",
        "info": {"title": "aidmap – OGC API Features", "version": __version__,
                 "description": "Shanghai mutual-aid resources (hospitals, offices) and "
                 "administrative units, as OGC API – Features"},
        "servers": [{"url": server}],
        "tags": [{"name": "ogc", "description": "OGC API – Features"}],
        "paths": paths,
    }  # fmt: skip
