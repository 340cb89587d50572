"""OGC API – Features Part 1 (Core, GeoJSON, HTML) under /ogc, so QGIS can add the layers."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response

from app.api import ogc_parameters
from app.api.checked_route import CheckedRoute
from app.api.deps import MAX_ID, NowDep, SettingsDep, StoreDep
from app.api.error_responses import NOT_MODIFIED, content, errors
from app.api.layer_params import CollectionDep, LayerQueryDep
from app.api.layer_responses import (
    CRS84,
    GEOJSON,
    encoded_with_etag,
    html_page,
    json_with_etag,
    link_header,
    refuse_unknown_parameters,
    wants_html,
)
from app.api.ogc_documents import (
    OPENAPI_30,
    describe,
    items_link,
    landing_links,
    self_links,
    with_format,
)
from app.api.ogc_openapi import ogc_openapi
from app.api.ogc_shape import FeatureShapeDep, SortKeysDep
from app.api.origin import LinksDep
from app.api.routes_docs import swagger_page
from app.api.routes_ogc_part3 import PART3_CONFORMANCE
from app.services.layer_extents import collection_extent, extent_document
from app.services.layers import (
    COLLECTIONS,
    Collection,
    feature_text,
    feature_texts,
    features,
)
from app.services.ogc_queryables import property_parameters
from app.storage.errors import NotFound
from app.storage.port import Store

router = APIRouter(prefix="/ogc", tags=["ogc"], route_class=CheckedRoute)
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *PART3_CONFORMANCE,
]
Format = Annotated[str | None, Query(description="json or html")]
DOCUMENT = content("application/json", "text/html", description="JSON, or HTML for a browser")
FEATURES = content(GEOJSON, "text/html", description="GeoJSON, or HTML for a browser")
METADATA = {"response_class": Response, "responses": DOCUMENT | NOT_MODIFIED | errors(400)}
DATA = {"response_class": Response, "responses": FEATURES | NOT_MODIFIED | errors(400, 404)}
"""Every invalid value under /ogc is a 400 (``app.core.errors``), as OGC asks: no 422."""


@router.get("", **METADATA)
@router.get("/", name="read_landing_slash", **METADATA)  # no redirect: it would name the Host
def read_landing(request: Request, to: LinksDep, f: Format = None) -> Response:
    """Landing page: links to the API definition, conformance and the collections."""
    html = wants_html(request, f)
    links = landing_links(to, html)
    if html:
        return html_page("aidmap – OGC API Features", links)
    body = {"title": "aidmap", "description": "Shanghai mutual-aid resources", "links": links}
    return json_with_etag(request, body, "application/json", 300)


@router.get(
    "/api",
    response_class=Response,
    responses=content(OPENAPI_30, "text/html", description="OpenAPI 3.0, or its API docs")
    | NOT_MODIFIED
    | errors(400),
)
def read_ogc_api(request: Request, to: LinksDep, f: Format = None) -> Response:
    """The OpenAPI 3.0 definition of the OGC part (the app's /openapi.json is 3.1)."""
    if wants_html(request, f):
        return swagger_page(request, request.app.url_path_for("read_ogc_api") + "?f=json")
    return json_with_etag(request, ogc_openapi(to.url("read_landing")), OPENAPI_30, 300)


@router.get("/conformance", **METADATA)
def read_conformance(request: Request, to: LinksDep, f: Format = None) -> Response:
    """The conformance classes this API implements."""
    html = wants_html(request, f)
    links = self_links(to.url("read_conformance"), "application/json", html)
    if html:
        return html_page("Conformance", links + [{"rel": c, "href": c} for c in CONFORMANCE])
    body = {"links": links, "conformsTo": CONFORMANCE}
    return json_with_etag(request, body, "application/json", 3600)


@router.get("/collections", **METADATA)
def read_collections(request: Request, store: StoreDep, to: LinksDep, f: Format = None) -> Response:
    """Every layer."""
    html = wants_html(request, f)
    described = [describe(to, c, _extent(store, c)) for c in COLLECTIONS.values()]
    links = self_links(to.url("read_collections"), "application/json", html)
    if html:
        items = [items_link(d) for d in described]
        return html_page("Collections", links + [x | {"href": with_format(x["href"], "html")}
                                                 for x in items])  # fmt: skip
    body = {"links": links, "collections": described}
    return json_with_etag(request, body, "application/json", 300)


@router.get(
    "/collections/{collection_id}",
    response_class=Response,
    responses=DOCUMENT | NOT_MODIFIED | errors(400, 404),
)
def read_collection(
    collection: CollectionDep, request: Request, store: StoreDep, to: LinksDep, f: Format = None
) -> Response:
    """One layer's description."""
    html = wants_html(request, f)
    described = describe(to, collection, _extent(store, collection), html)
    if html:
        return html_page(described["title"], described["links"])
    headers = {"Link": link_header(described["links"])}
    return json_with_etag(request, described, "application/json", 300, headers=headers)


@router.get(
    "/collections/{collection_id}/items",
    **DATA,
    openapi_extra={"parameters": property_parameters()},
)
def read_items(
    query: LayerQueryDep,
    shape: FeatureShapeDep,
    sortby: SortKeysDep,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    to: LinksDep,
    now: NowDep,
    limit: Annotated[int, Query(ge=1, le=ogc_parameters.MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    f: Format = None,
) -> Response:
    """One page of a layer's features, filtered by bbox, district and (for resources) status,
    in the order and form asked; past the end, an empty page."""
    collection = query.collection
    refuse_unknown_parameters(request, ogc_parameters.names(ogc_parameters.items_of(collection)))
    ttl = settings.status_ttl_hours
    html = wants_html(request, f)
    found = features if html else feature_texts
    area = replace(query.area, sortby=sortby)
    total, page = found(store, collection, area, limit, offset, now, ttl, shape)
    base = to.url("read_items", collection_id=collection.id)
    asked = {k: v for k, v in request.query_params.items() if k not in {"offset", "f"}}
    here = f"{base}?{urlencode(asked | {'offset': offset})}"
    links = [
        *self_links(here, GEOJSON, html),
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
    headers = {"Link": link_header(links), "Content-Crs": f"<{shape.crs}>"}
    return encoded_with_etag(request, data.encode(), GEOJSON, max_age, ages=True, headers=headers)


@router.get("/collections/{collection_id}/items/{feature_id}", **DATA)
def read_item(
    collection: CollectionDep,
    feature_id: Annotated[str, Path(examples=["1"])],
    shape: FeatureShapeDep,
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
    text = feature_text(store, collection, int(feature_id), now, settings.status_ttl_hours, shape)
    html = wants_html(request, f)
    href = to.url("read_item", collection_id=collection.id, feature_id=feature_id)
    links = [
        *self_links(href, GEOJSON, html),
        {"rel": "collection", "type": "application/json",
         "href": to.url("read_collection", collection_id=collection.id)},
    ]  # fmt: skip
    if html:
        found = json.loads(text)
        props = {k: v for k, v in found["properties"].items() if not isinstance(v, list | dict)}
        return html_page(str(found["properties"].get("name")), links, [props])
    data = f'{text[:-1]},"links":{json.dumps(links, separators=(",", ":"))}}}'
    max_age = 30 if collection.kind else 300
    headers = {"Link": link_header(links), "Content-Crs": f"<{shape.crs}>"}
    return encoded_with_etag(request, data.encode(), GEOJSON, max_age, ages=True, headers=headers)


def _extent(store: Store, collection: Collection) -> dict:
    """A collection's extent document, from its data (cached until the next commit)."""
    return extent_document(collection_extent(store, collection), CRS84)
