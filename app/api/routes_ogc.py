"""OGC API – Features Part 1 (Core, GeoJSON, HTML) under /ogc, so QGIS can add the layers."""

from __future__ import annotations

import json
import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import MAX_ID, NowDep, SettingsDep, StoreDep
from app.api.error_responses import NOT_MODIFIED, content, errors
from app.api.layer_params import CollectionDep, LayerQueryDep
from app.api.layer_responses import (
    CRS84,
    GEOJSON,
    BadLayerQuery,
    encoded_with_etag,
    html_page,
    json_with_etag,
    refuse_unknown_parameters,
    wants_html,
)
from app.api.origin import Links, LinksDep
from app.api.routes_ogc_part3 import PART3_CONFORMANCE, QUERYABLES_REL
from app.domain.enums import Level
from app.services.layer_extents import collection_extent, extent_document
from app.services.layers import (
    COLLECTIONS,
    Collection,
    feature_texts,
    features,
    resource_feature,
    unit_feature,
)
from app.services.ogc_queryables import property_parameters, queryables_of
from app.services.problems import open_problems
from app.storage.errors import NotFound
from app.storage.port import Store

router = APIRouter(prefix="/ogc", tags=["ogc"])
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    *PART3_CONFORMANCE,
]
MAX_LIMIT = 1000
ITEMS_PARAMETERS = frozenset(
    {"bbox", "bbox-crs", "limit", "offset", "service", "state", "fresh", "district", "f",
     "datetime", "filter", "filter-lang", "filter-crs"}
)  # fmt: skip
Format = Annotated[str | None, Query(description="json or html")]
DOCUMENT = content("application/json", "text/html", description="JSON, or HTML for a browser")
FEATURES = content(GEOJSON, "text/html", description="GeoJSON, or HTML for a browser")
METADATA = {"response_class": Response, "responses": DOCUMENT | NOT_MODIFIED | errors(400, 422)}
DATA = {"response_class": Response, "responses": FEATURES | NOT_MODIFIED | errors(400, 404, 422)}


def _describe(links: Links, c: Collection, store: Store) -> dict:
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent_document(collection_extent(store, c), CRS84),
        "links": [
            {"rel": "self", "type": "application/json",
             "href": links.url("read_collection", collection_id=c.id)},
            {"rel": "items", "type": GEOJSON,
             "href": links.url("read_items", collection_id=c.id), "title": c.title},
            {"rel": QUERYABLES_REL, "type": "application/schema+json",
             "href": links.url("read_queryables", collection_id=c.id)},
        ],
    }  # fmt: skip


@router.get("", **METADATA)
def read_landing(request: Request, to: LinksDep, f: Format = None) -> Response:
    """Landing page: links to the API definition, conformance and the collections."""
    links = [
        {"rel": "self", "type": "application/json", "href": to.url("read_landing"),
         "title": "this document"},
        {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0",
         "href": to.url("read_openapi"), "title": "API definition"},
        {"rel": "service-doc", "type": "text/html", "href": to.url("api_docs"),
         "title": "API docs"},
        {"rel": "conformance", "type": "application/json", "href": to.url("read_conformance"),
         "title": "conformance"},
        {"rel": "data", "type": "application/json", "href": to.url("read_collections"),
         "title": "collections"},
    ]  # fmt: skip
    if wants_html(request, f):
        return html_page("aidmap – OGC API Features", links)
    body = {"title": "aidmap", "description": "Shanghai mutual-aid resources", "links": links}
    return json_with_etag(request, body, "application/json", 300)


@router.get("/conformance", **METADATA)
def read_conformance(request: Request, f: Format = None) -> Response:
    """The conformance classes this API implements."""
    if wants_html(request, f):
        return html_page("Conformance", [{"rel": c, "href": c} for c in CONFORMANCE])
    return json_with_etag(request, {"conformsTo": CONFORMANCE}, "application/json", 3600)


@router.get("/collections", **METADATA)
def read_collections(request: Request, store: StoreDep, to: LinksDep, f: Format = None) -> Response:
    """Every layer."""
    described = [_describe(to, c, store) for c in COLLECTIONS.values()]
    if wants_html(request, f):
        links = [d["links"][1] | {"href": d["links"][1]["href"] + "?f=html"} for d in described]
        return html_page("Collections", links)
    body = {
        "links": [{"rel": "self", "type": "application/json", "href": to.url("read_collections")}],
        "collections": described,
    }
    return json_with_etag(request, body, "application/json", 300)


@router.get(
    "/collections/{collection_id}",
    response_class=Response,
    responses=DOCUMENT | NOT_MODIFIED | errors(400, 404, 422),
)
def read_collection(
    collection: CollectionDep, request: Request, store: StoreDep, to: LinksDep, f: Format = None
) -> Response:
    """One layer's description."""
    described = _describe(to, collection, store)
    if wants_html(request, f):
        return html_page(described["title"], described["links"])
    return json_with_etag(request, described, "application/json", 300)


@router.get(
    "/collections/{collection_id}/items",
    **DATA,
    openapi_extra={"parameters": property_parameters()},
)
def read_items(
    query: LayerQueryDep,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    to: LinksDep,
    now: NowDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    bbox_crs: Annotated[  # declared for the schema; refuse_unknown_parameters checks it
        str | None, Query(alias="bbox-crs", description=f"only {CRS84}", max_length=100)
    ] = None,
    f: Format = None,
) -> Response:
    """One page of a layer's features, filtered by bbox, district and (for resources) status."""
    collection = query.collection
    refuse_unknown_parameters(request, ITEMS_PARAMETERS.union(queryables_of(collection)))
    ttl = settings.status_ttl_hours
    html = wants_html(request, f)
    found = features if html else feature_texts
    total, page = found(store, collection, query.area, limit, offset, now, ttl)
    if offset > total:
        raise BadLayerQuery(f"offset {offset} is beyond the end ({total} features match)")
    base = to.url("read_items", collection_id=collection.id)
    asked = {k: v for k, v in request.query_params.items() if k not in {"offset", "f"}}
    links = [
        {"rel": "self", "type": GEOJSON, "href": f"{base}?{urlencode(asked | {'offset': offset})}"},
        {"rel": "collection", "type": "application/json",
         "href": to.url("read_collection", collection_id=collection.id)},
    ]  # fmt: skip
    if offset + len(page) < total:
        next_query = urlencode(asked | {"offset": offset + len(page)})
        links.append({"rel": "next", "type": GEOJSON, "href": f"{base}?{next_query}"})
    if html:
        rows = [
            {"id": x["id"]}
            | {k: v for k, v in x["properties"].items() if not isinstance(v, list | dict)}
            for x in page
        ]
        return html_page(f"{collection.title}: {total} features", links, rows)
    data = (
        f'{{"type":"FeatureCollection","features":[{",".join(page)}],"numberMatched":{total},'
        f'"numberReturned":{len(page)},"links":{json.dumps(links, separators=(",", ":"))}}}'
    )
    max_age = 30 if collection.kind else 300
    return encoded_with_etag(request, data.encode(), GEOJSON, max_age, ages=True)


@router.get("/collections/{collection_id}/items/{feature_id}", **DATA)
def read_item(
    collection: CollectionDep,
    feature_id: Annotated[str, Path(examples=["1"])],
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    to: LinksDep,
    now: NowDep,
    f: Format = None,
) -> Response:
    """One feature."""
    if not re.fullmatch(r"[0-9]{1,19}", feature_id) or not 1 <= int(feature_id) <= MAX_ID:
        raise NotFound(f"no feature {feature_id[:40]!r} in {collection.id}")
    found = _one(store, collection, int(feature_id), now, settings.status_ttl_hours)
    found["links"] = [
        {"rel": "self", "type": GEOJSON,
         "href": to.url("read_item", collection_id=collection.id, feature_id=feature_id)},
        {"rel": "collection", "type": "application/json",
         "href": to.url("read_collection", collection_id=collection.id)},
    ]  # fmt: skip
    if wants_html(request, f):
        props = {k: v for k, v in found["properties"].items() if not isinstance(v, list | dict)}
        return html_page(str(found["properties"].get("name")), found["links"], [props])
    return json_with_etag(request, found, GEOJSON, 30 if collection.kind else 300, ages=True)


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
