"""OGC API – Features Part 3 queryables and Part 5 schemas under /ogc: what each collection
can be filtered on, and the typed properties its features carry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.checked_route import CheckedRoute
from app.api.error_responses import NOT_MODIFIED, content, errors
from app.api.layer_params import CollectionDep
from app.api.layer_responses import BadLayerQuery, json_with_etag
from app.api.ogc_documents import SCHEMA
from app.api.origin import LinksDep
from app.services.ogc_queryables import queryables_document, schema_document

router = APIRouter(prefix="/ogc", tags=["ogc"], route_class=CheckedRoute)
PART3_CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
]
SCHEMAS = {
    "response_class": Response,
    "responses": content(SCHEMA, description="JSON Schema 2020-12")
    | NOT_MODIFIED
    | errors(400, 404, 422),
}
Format = Annotated[str | None, Query(description="json")]


def _json_only(f: str | None) -> None:
    if f not in {None, "json"}:
        raise BadLayerQuery("f must be json")


@router.get("/collections/{collection_id}/queryables", **SCHEMAS)
def read_queryables(
    collection: CollectionDep, request: Request, to: LinksDep, f: Format = None
) -> Response:
    """The properties a ``filter`` (CQL2) or a ``name=value`` parameter may name."""
    _json_only(f)
    url = to.url("read_queryables", collection_id=collection.id)
    return json_with_etag(request, queryables_document(collection, url), SCHEMA, 3600)


@router.get("/collections/{collection_id}/schema", **SCHEMAS)
def read_schema(
    collection: CollectionDep, request: Request, to: LinksDep, f: Format = None
) -> Response:
    """Every property the collection's features carry, with its type."""
    _json_only(f)
    url = to.url("read_schema", collection_id=collection.id)
    return json_with_etag(request, schema_document(collection, url), SCHEMA, 3600)
