"""Shared pieces of the layer endpoints: bbox parsing, JSON with an ETag, plain HTML."""

from __future__ import annotations

import hashlib
import html
import json
import re

from fastapi import Request, Response

from app.api.origin import link_cache
from app.core.errors import AppError
from app.geo.ogc_crs import CRS84, UnsupportedCrs, bbox_to_crs84, supported

GEOJSON = "application/geo+json"
INF = float("inf")
__all__ = ["CRS84", "GEOJSON"]


class BadLayerQuery(AppError):
    """A layer query that cannot be answered as asked."""

    status_code = 400
    code = "bad_query"


def parse_bbox(text: str | None, crs: str = CRS84) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` in WGS-84 degrees, or ``west,south,low,east,north,high``
    (a 3D box: the heights are ignored, no feature has one); in another supported ``crs``,
    its two corners in that CRS's axis order (``app.geo.ogc_crs``), returned as CRS84;
    400 for anything else."""
    if text is None:
        return None
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise BadLayerQuery(
            f"bbox must be four numbers west,south,east,north: {text[:60]!r}"
        ) from None
    if len(values) not in (4, 6) or not all(map(_finite, values)):
        raise BadLayerQuery("bbox must be four (or six) finite numbers west,south,east,north")
    corners = values if len(values) == 4 else values[:2] + values[3:5]
    west, south, east, north = corners if crs == CRS84 else bbox_to_crs84(crs, corners)
    if not all(map(_finite, (west, south, east, north))):
        raise BadLayerQuery(f"bbox is outside the area of {crs}")
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise BadLayerQuery("bbox is out of range, or south is above north")
    if west > east:
        raise BadLayerQuery("a bbox crossing the antimeridian (west > east) is not supported")
    return west, south, east, north


def crs_named(uri: str | None) -> str:
    """The CRS a ``crs`` (or ``bbox-crs``) value names, CRS84 when none; 400 otherwise."""
    try:
        return CRS84 if uri is None else supported(uri)
    except UnsupportedCrs as exc:
        raise BadLayerQuery(str(exc)) from None


def parse_point(text: str) -> tuple[float, float]:
    """``lon,lat`` in WGS-84 degrees; 400 for anything else."""
    try:
        lon, lat = (float(part) for part in text.split(","))
    except ValueError:
        raise BadLayerQuery(f"a point is two numbers lon,lat: {text[:60]!r}") from None
    if not (_finite(lon) and _finite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadLayerQuery("a point's lon,lat must be within -180..180, -90..90")
    return lon, lat


def _finite(value: float) -> bool:
    return value == value and value not in (INF, -INF)


AGES = re.compile(rb'"age_seconds":(?:[0-9]+|null)')
"""An ``age_seconds`` member in compact JSON. Inside a JSON string every quote is escaped,
so this never matches text a string holds."""


def json_with_etag(
    request: Request,
    body: dict,
    media_type: str,
    max_age: int,
    *,
    ages: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    """The body as JSON with an ETag and Cache-Control; 304 when the client has it.

    With ``ages``, the ETag hashes the encoded body without its ``age_seconds`` values, so
    fields that change by the second need not defeat caching: a regular expression on the
    bytes costs well under a millisecond for 1,000 features, where copying the body
    without them and encoding it again cost a third of the page's time.
    """
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return encoded_with_etag(request, data, media_type, max_age, ages=ages, headers=headers)


def encoded_with_etag(
    request: Request,
    data: bytes,
    media_type: str,
    max_age: int,
    *,
    ages: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    """``json_with_etag`` of a body already encoded (compact, as ``json.dumps`` writes it);
    ``headers`` are added to the answer (and to a 304)."""
    etag = f'W/"{hashlib.sha256(AGES.sub(b"", data) if ages else data).hexdigest()[:32]}"'
    sent = (headers or {}) | {"ETag": etag} | link_cache(request, f"public, max-age={max_age}")
    sent["Vary"] = ", ".join(filter(None, ("Accept", sent.get("Vary"))))
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=sent)
    return Response(data, media_type=media_type, headers=sent)


def wants_html(request: Request, f: str | None) -> bool:
    """True when ``f=html`` or, without ``f``, a browser asks for HTML first."""
    if f is not None:
        if f not in {"json", "html"}:
            raise BadLayerQuery("f must be json or html")
        return f == "html"
    return request.headers.get("accept", "").startswith("text/html")


def html_page(title: str, links: list[dict], rows: list[dict] | None = None) -> Response:
    """A plain page: a title, the links, and an optional table of rows."""
    parts = [f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>",
             f"<h1>{html.escape(title)}</h1><ul>"]  # fmt: skip
    for link in links:
        label = link.get("title") or link["rel"]
        parts.append(f'<li><a href="{html.escape(link["href"])}">{html.escape(label)}</a>')
    parts.append("</ul>")
    if rows:
        keys = list(rows[0])
        parts.append("<table><tr>" + "".join(f"<th>{html.escape(k)}</th>" for k in keys) + "</tr>")
        for row in rows:
            cells = "".join(f"<td>{html.escape(str(row.get(k, '')))}</td>" for k in keys)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    return Response(
        "".join(parts), media_type="text/html; charset=utf-8", headers={"Vary": "Accept"}
    )


def link_header(links: list[dict]) -> str:
    """``links`` as an HTTP ``Link`` header (RFC 8288): ``<href>; rel="self"; type="…"``.
    The hrefs come percent-encoded (``urlencode``), so none holds a comma or a quote."""
    return ", ".join(f'<{x["href"]}>; rel="{x["rel"]}"; type="{x["type"]}"' for x in links)


def refuse_unknown_parameters(request: Request, allowed: frozenset[str]) -> None:
    """400 for query parameters the endpoint does not define."""
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise BadLayerQuery(f"unknown query parameters: {', '.join(unknown)[:100]}")
