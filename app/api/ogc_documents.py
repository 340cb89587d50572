"""The bodies and links of the OGC API – Features answers (``app.api.routes_ogc``).

Every answer links to itself (``self``) and to its other form (``alternate``: HTML for the
JSON and GeoJSON answers, JSON for the HTML pages), as Core's ``/req/core/*-links`` ask;
a collection names its JSON Schema (``describedby``: ``…/schema``, Features Part 5)."""

from __future__ import annotations

from app.api.layer_responses import CRS84, GEOJSON
from app.api.origin import Links
from app.geo.ogc_crs import SUPPORTED
from app.services.layers import Collection

HTML = "text/html"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def with_format(href: str, f: str) -> str:
    """``href`` asking for the form ``f`` (``json`` or ``html``)."""
    return f"{href}{'&' if '?' in href else '?'}f={f}"


def self_links(href: str, media_type: str, html: bool) -> list[dict]:
    """``self`` and ``alternate`` of the answer at ``href``: the HTML page's, or the
    ``media_type`` (JSON or GeoJSON) document's, whichever this answer is."""
    as_json = {"type": media_type, "href": with_format(href, "json") if html else href,
               "title": "as GeoJSON" if media_type == GEOJSON else "as JSON"}  # fmt: skip
    as_html = {"type": HTML, "href": with_format(href, "html"), "title": "as HTML"}
    first, other = (as_html, as_json) if html else (as_json, as_html)
    return [{"rel": "self", **first}, {"rel": "alternate", **other}]


def landing_links(to: Links, html: bool) -> list[dict]:
    """The landing page's links: the API definition, conformance and the collections."""
    api = to.url("read_ogc_api")
    return [
        *self_links(to.url("read_landing"), "application/json", html),
        {"rel": "service-desc", "type": OPENAPI_30, "href": api, "title": "API definition"},
        {"rel": "service-doc", "type": HTML, "href": with_format(api, "html"),
         "title": "API docs"},
        {"rel": "conformance", "type": "application/json", "href": to.url("read_conformance"),
         "title": "conformance"},
        {"rel": "data", "type": "application/json", "href": to.url("read_collections"),
         "title": "collections"},
    ]  # fmt: skip


def describe(to: Links, c: Collection, extent: dict, html: bool = False) -> dict:
    """A collection's description (``extent``: its extent document), with its links."""
    href = to.url("read_collection", collection_id=c.id)
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": list(SUPPORTED),
        "storageCrs": CRS84,
        "extent": extent,
        "links": [
            *self_links(href, "application/json", html),
            {"rel": "items", "type": GEOJSON,
             "href": to.url("read_items", collection_id=c.id), "title": c.title},
            {"rel": "describedby", "type": SCHEMA, "href": f"{href}/schema",
             "title": f"the properties of {c.id} (JSON Schema)"},
            {"rel": QUERYABLES_REL, "type": SCHEMA,
             "href": to.url("read_queryables", collection_id=c.id),
             "title": f"what {c.id} can be filtered by (JSON Schema)"},
        ],
    }  # fmt: skip


def items_link(described: dict) -> dict:
    """The ``items`` link of a collection's description."""
    return next(x for x in described["links"] if x["rel"] == "items")
