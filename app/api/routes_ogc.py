"""OGC API – Features Part 1 (Core, GeoJSON, HTML) under /ogc, so QGIS can add the layers."""

from __future__ import annotations

import json
import re
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
from app.api.origin import LinksDep
from app.api.routes_docs import swagger_page
from app.domain.enums import Level
from app.services.layers import (
    COLLECTIONS,
    Collection,
    feature_texts,
    features,
    resource_feature,
    unit_feature,
)
from app.services.problems import open_problems
from app.storage.errors import NotFound

router = APIRouter(prefix="/ogc", tags=["ogc"], route_class=CheckedRoute)
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
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
def read_collections(request: Request, to: LinksDep, f: Format = None) -> Response:
    """Every layer."""
    html = wants_html(request, f)
    described = [describe(to, c) for c in COLLECTIONS.values()]
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
    collection: CollectionDep, request: Request, to: LinksDep, f: Format = None
) -> Response:
    """One layer's description."""
    html = wants_html(request, f)
    described = describe(to, collection, html)
    if html:
        return html_page(described["title"], described["links"])
    headers = {"Link": link_header(described["links"])}
    return json_with_etag(request, described, "application/json", 300, headers=headers)


@router.get("/collections/{collection_id}/items", **DATA)
def read_items(
    query: LayerQueryDep,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    to: LinksDep,
    now: NowDep,
    limit: Annotated[int, Query(ge=1, le=ogc_parameters.MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    bbox_crs: Annotated[  # declared for the schema; refuse_unknown_parameters checks it
        str | None, Query(alias="bbox-crs", description=f"only {CRS84}", max_length=100)
    ] = None,
    f: Format = None,
) -> Response:
    """One page of a layer's features, filtered by bbox, district and (for resources) status;
    past the end, an empty page."""
    collection = query.collection
    refuse_unknown_parameters(request, ogc_parameters.names(ogc_parameters.ITEMS))
    ttl = settings.status_ttl_hours
    html = wants_html(request, f)
    found = features if html else feature_texts
    total, page = found(store, collection, query.area, limit, offset, now, ttl)
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
    headers = {"Link": link_header(links)}
    return encoded_with_etag(request, data.encode(), GEOJSON, max_age, ages=True, headers=headers)


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
    html = wants_html(request, f)
    href = to.url("read_item", collection_id=collection.id, feature_id=feature_id)
    found["links"] = [
        *self_links(href, GEOJSON, html),
        {"rel": "collection", "type": "application/json",
         "href": to.url("read_collection", collection_id=collection.id)},
    ]  # fmt: skip
    if html:
        props = {k: v for k, v in found["properties"].items() if not isinstance(v, list | dict)}
        return html_page(str(found["properties"].get("name")), found["links"], [props])
    max_age, headers = 30 if collection.kind else 300, {"Link": link_header(found["links"])}
    return json_with_etag(request, found, GEOJSON, max_age, ages=True, headers=headers)


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
