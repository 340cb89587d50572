"""OGC API – Features Part 1 (Core, GeoJSON, HTML) under /ogc, so QGIS can add the layers."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import MAX_ID, NowDep, SettingsDep, StoreDep
from app.api.error_responses import NOT_MODIFIED, content, errors
from app.api.layer_responses import (
    CRS84,
    GEOJSON,
    BadLayerQuery,
    cached,
    html_page,
    parse_bbox,
    refuse_unknown_parameters,
    wants_html,
    without_ages,
)
from app.api.origin import OriginDep
from app.domain.enums import Level
from app.domain.statuses import State
from app.services.layers import (
    COLLECTIONS,
    Collection,
    area_for,
    features,
    resource_feature,
    unit_feature,
)
from app.services.problems import open_problems
from app.services.units import units_named
from app.storage.errors import NotFound

router = APIRouter(prefix="/ogc", tags=["ogc"])
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
SHANGHAI_EXTENT = [120.85, 30.67, 122.2, 31.88]
MAX_LIMIT = 1000
ITEMS_PARAMETERS = frozenset(
    {"bbox", "bbox-crs", "limit", "offset", "service", "state", "fresh", "district", "f"}
)
Format = Annotated[str | None, Query(description="json or html")]
CollectionId = Annotated[
    str, Path(description="an unknown id is a 404", json_schema_extra={"enum": list(COLLECTIONS)})
]
DOCUMENT = content("application/json", "text/html", description="JSON, or HTML for a browser")
FEATURES = content(GEOJSON, "text/html", description="GeoJSON, or HTML for a browser")
METADATA = {"response_class": Response, "responses": DOCUMENT | NOT_MODIFIED | errors(400, 422)}
DATA = {"response_class": Response, "responses": FEATURES | NOT_MODIFIED | errors(400, 404, 422)}


def _base(origin: str) -> str:
    """Where the OGC API is, from the public origin (``app.api.origin``): never from the
    request's Host header, which the client chooses and a shared cache may ignore."""
    return f"{origin}/ogc"


def collection_named(collection_id: str) -> Collection:
    """The layer of that id; 404 otherwise."""
    collection = COLLECTIONS.get(collection_id)
    if collection is None:
        raise NotFound(f"no collection {collection_id!r}; see /ogc/collections")
    return collection


def _describe(base: str, c: Collection) -> dict:
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [SHANGHAI_EXTENT], "crs": CRS84}},
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/collections/{c.id}"},
            {"rel": "items", "type": GEOJSON, "href": f"{base}/collections/{c.id}/items",
             "title": c.title},
        ],
    }  # fmt: skip


@router.get("", **METADATA)
def read_landing(request: Request, origin: OriginDep, f: Format = None) -> Response:
    """Landing page: links to the API definition, conformance and the collections."""
    base, root = _base(origin), origin
    links = [
        {"rel": "self", "type": "application/json", "href": base, "title": "this document"},
        {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0",
         "href": f"{root}/openapi.json", "title": "API definition"},
        {"rel": "service-doc", "type": "text/html", "href": f"{root}/docs", "title": "API docs"},
        {"rel": "conformance", "type": "application/json", "href": f"{base}/conformance",
         "title": "conformance"},
        {"rel": "data", "type": "application/json", "href": f"{base}/collections",
         "title": "collections"},
    ]  # fmt: skip
    if wants_html(request, f):
        return html_page("aidmap – OGC API Features", links)
    body = {"title": "aidmap", "description": "Shanghai mutual-aid resources", "links": links}
    return cached(request, body, "application/json", 300)


@router.get("/conformance", **METADATA)
def read_conformance(request: Request, f: Format = None) -> Response:
    """The conformance classes this API implements."""
    if wants_html(request, f):
        return html_page("Conformance", [{"rel": c, "href": c} for c in CONFORMANCE])
    return cached(request, {"conformsTo": CONFORMANCE}, "application/json", 3600)


@router.get("/collections", **METADATA)
def read_collections(request: Request, origin: OriginDep, f: Format = None) -> Response:
    """Every layer."""
    base = _base(origin)
    described = [_describe(base, c) for c in COLLECTIONS.values()]
    if wants_html(request, f):
        links = [d["links"][1] | {"href": d["links"][1]["href"] + "?f=html"} for d in described]
        return html_page("Collections", links)
    body = {
        "links": [{"rel": "self", "type": "application/json", "href": f"{base}/collections"}],
        "collections": described,
    }
    return cached(request, body, "application/json", 300)


@router.get(
    "/collections/{collection_id}",
    response_class=Response,
    responses=DOCUMENT | NOT_MODIFIED | errors(400, 404, 422),
)
def read_collection(
    collection_id: CollectionId, request: Request, origin: OriginDep, f: Format = None
) -> Response:
    """One layer's description."""
    described = _describe(_base(origin), collection_named(collection_id))
    if wants_html(request, f):
        return html_page(described["title"], described["links"])
    return cached(request, described, "application/json", 300)


@router.get("/collections/{collection_id}/items", **DATA)
def read_items(
    collection_id: CollectionId,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    origin: OriginDep,
    now: NowDep,
    bbox: Annotated[str | None, Query(description="west,south,east,north (CRS84)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    service: Annotated[str | None, Query(max_length=32)] = None,
    state: Annotated[str | None, Query(max_length=100, description="e.g. open,limited")] = None,
    fresh: bool = False,
    district: Annotated[str | None, Query(max_length=20, description="name or alias")] = None,
    bbox_crs: Annotated[  # declared for the schema; refuse_unknown_parameters checks it
        str | None, Query(alias="bbox-crs", description=f"only {CRS84}", max_length=100)
    ] = None,
    f: Format = None,
) -> Response:
    """One page of a layer's features, filtered by bbox, district and (for resources) status."""
    collection = collection_named(collection_id)
    refuse_unknown_parameters(request, ITEMS_PARAMETERS)
    area = layer_area(store, collection, bbox, service, state, fresh, district, now, settings)
    total, page = features(store, collection, area, limit, offset, now, settings.status_ttl_hours)
    if offset > total:
        raise BadLayerQuery(f"offset {offset} is beyond the end ({total} features match)")
    base = f"{_base(origin)}/collections/{collection.id}/items"
    query = {k: v for k, v in request.query_params.items() if k not in {"offset", "f"}}
    self_href = f"{base}?{urlencode(query | {'offset': offset})}"
    links = [
        {"rel": "self", "type": GEOJSON, "href": self_href},
        {"rel": "collection", "type": "application/json", "href": base.removesuffix("/items")},
    ]
    if offset + len(page) < total:
        next_query = urlencode(query | {"offset": offset + len(page)})
        links.append({"rel": "next", "type": GEOJSON, "href": f"{base}?{next_query}"})
    if wants_html(request, f):
        rows = [
            {"id": x["id"]}
            | {k: v for k, v in x["properties"].items() if not isinstance(v, list | dict)}
            for x in page
        ]
        return html_page(f"{collection.title}: {total} features", links, rows)
    body = {
        "type": "FeatureCollection",
        "features": page,
        "numberMatched": total,
        "numberReturned": len(page),
        "links": links,
    }
    return cached(request, body, GEOJSON, 30 if collection.kind else 300, without_ages(body))


@router.get("/collections/{collection_id}/items/{feature_id}", **DATA)
def read_item(
    collection_id: CollectionId,
    feature_id: Annotated[str, Path(examples=["1"])],
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    origin: OriginDep,
    now: NowDep,
    f: Format = None,
) -> Response:
    """One feature."""
    collection = collection_named(collection_id)
    if not re.fullmatch(r"[0-9]{1,19}", feature_id) or not 1 <= int(feature_id) <= MAX_ID:
        raise NotFound(f"no feature {feature_id[:40]!r} in {collection.id}")
    found = _one(store, collection, int(feature_id), now, settings.status_ttl_hours)
    base = f"{_base(origin)}/collections/{collection.id}"
    found["links"] = [
        {"rel": "self", "type": GEOJSON, "href": f"{base}/items/{feature_id}"},
        {"rel": "collection", "type": "application/json", "href": base},
    ]
    if wants_html(request, f):
        props = {k: v for k, v in found["properties"].items() if not isinstance(v, list | dict)}
        return html_page(str(found["properties"].get("name")), found["links"], [props])
    return cached(request, found, GEOJSON, 30 if collection.kind else 300, without_ages(found))


def _one(store, collection: Collection, feature_id: int, now, ttl: float) -> dict:
    if collection.kind is not None:
        views = store.view_resources(ids=[feature_id], limit=1)
        if not views or views[0].resource.kind != collection.kind:
            raise NotFound(f"no feature {feature_id} in {collection.id}")
        problem_at = open_problems(store, views).get(feature_id)
        return resource_feature(views[0], now, ttl, problem_at=problem_at)
    unit = store.get_unit(feature_id)
    if unit.level != collection.level:
        raise NotFound(f"no feature {feature_id} in {collection.id}")
    return unit_feature(
        unit, store.get_boundary(unit.id) if unit.level != Level.committee else None
    )


def layer_area(store, collection, bbox, service, state, fresh, district, now, settings):
    """The store's area for a layer request's query parameters; 400/404 for bad ones."""
    if service is not None and collection.kind is None:
        raise BadLayerQuery(f"{collection.id} has no statuses to filter by service")
    if service is not None and service not in {s.code for s in store.list_services()}:
        raise NotFound(f"no service {service!r}")
    try:
        states = frozenset(State(p.strip()) for p in (state or "").split(",") if p.strip())
    except ValueError:
        raise BadLayerQuery(f"state must be among {', '.join(State)}") from None
    district_id = None
    if district is not None:
        found = units_named(store, district, Level.district)
        if not found:
            raise NotFound(f"no district {district!r}")
        district_id = found[0].id
    return area_for(parse_bbox(bbox), district_id, service, states, fresh, now,
                    settings.status_ttl_hours)  # fmt: skip
