"""Points in what a volunteer pastes: an Amap or Baidu link, their apps' share text, or a
plain pair of numbers. Nothing is fetched: a short link (surl.amap.com, j.map.baidu.com)
only redirects to the coordinates, so it is refused with advice instead.

Amap URLs carry GCJ-02 (``uri.amap.com/marker?position=lon,lat``, ``/navigation?to=lon,lat``,
``ditu.amap.com/?p=ID,lat,lon,…`` and ``?q=lat,lon,…``, ``regeo?lng=…&lat=…``; a
``coordinate=wgs84`` parameter says WGS-84); Baidu URLs carry BD-09 latitude first
(``map.baidu.com/?latlng=lat,lng``, ``api.map.baidu.com/marker?location=lat,lng``, with
``coord_type=gcj02|wgs84`` saying otherwise). Values are returned in the order the link
names them, unchecked: the caller checks the area (and whether they look swapped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from app.domain.enums import SourceCrs

MAX_TEXT = 2000
"""Longest text read: a share text with a long link fits many times over."""
AMAP_HOSTS = ("amap.com", "autonavi.com")
BAIDU_HOSTS = ("baidu.com",)
SHORT_HOSTS = ("surl.amap.com", "j.map.baidu.com", "dwz.cn", "mapurl.cn")
LINK = re.compile(
    r"(?:https?://)?(?:[a-z0-9-]+\.)*(?:amap\.com|autonavi\.com|baidu\.com|dwz\.cn|mapurl\.cn)"
    r"(?:[/?#][^\s\"'<>，。、；（）【】]*)?",
    re.IGNORECASE,
)
NUMBER = r"[-+]?\d{1,3}(?:\.\d+)?"
PAIR = re.compile(rf"^\s*({NUMBER})\s*[,，\s]\s*({NUMBER})\s*$")
AMAP_CRS = {"gaode": SourceCrs.gcj02, "wgs84": SourceCrs.wgs84}
BAIDU_CRS = {"bd09ll": SourceCrs.bd09, "gcj02": SourceCrs.gcj02, "wgs84": SourceCrs.wgs84}
ADVICE = (
    "paste the long link (it has the coordinates in it, e.g. uri.amap.com/marker?position=…, "
    "map.baidu.com/?latlng=…), or type the coordinates, or drag the marker"
)


class LinkError(ValueError):
    """What was pasted holds no point we can read; ``code`` says why."""

    code = "unparseable_link"


class ShortLink(LinkError):
    """A short link: its point is only behind a redirect, which we never follow."""

    code = "short_link"


@dataclass(frozen=True, slots=True)
class PastedPoint:
    """A point as a link or text gave it: lon/lat in degrees in ``crs``; ``ordered``
    says whether the source fixes which number is which (a plain pair does not)."""

    lon: float
    lat: float
    crs: SourceCrs
    source: str
    ordered: bool = True


def read_pasted(text: str, plain_crs: SourceCrs = SourceCrs.wgs84) -> PastedPoint:
    """The point in a pasted link, share text or "lat,lon" / "lon,lat" pair (``plain_crs``);
    ``ShortLink`` or ``LinkError`` with a message that says what to paste instead."""
    text = text.strip()[:MAX_TEXT]
    links = [match.group(0) for match in LINK.finditer(text)]
    short = None
    for link in links:
        if "://" not in link:
            link = f"https://{link}"
        parts = urlsplit(link)
        host = (parts.hostname or "").lower()
        if host.endswith(SHORT_HOSTS):
            short = host
            continue
        point = _from_url(host, parts.query, parts.fragment)
        if point is not None:
            return point
    if short is not None:
        raise ShortLink(f"a short link ({short}) cannot be opened here: {ADVICE}")
    if links:
        raise LinkError(f"this map link carries no coordinates: {ADVICE}")
    pair = PAIR.match(text)
    if pair is None:
        raise LinkError(f"no coordinates or map link found: {ADVICE}")
    a, b = float(pair[1]), float(pair[2])
    lon, lat = (a, b) if abs(a) > abs(b) else (b, a)  # around Shanghai lon ≈ 121 > lat ≈ 31
    return PastedPoint(lon, lat, plain_crs, "coordinates", ordered=False)


def _from_url(host: str, query: str, fragment: str) -> PastedPoint | None:
    """The point a long Amap or Baidu URL names, or None."""
    params = {k.lower(): v[0] for k, v in parse_qs(query).items()}
    params |= {k.lower(): v[0] for k, v in parse_qs(fragment).items() if k.lower() not in params}
    if host.endswith(AMAP_HOSTS):
        crs = AMAP_CRS.get(params.get("coordinate", "gaode").lower(), SourceCrs.gcj02)
        for key in ("position", "to", "lnglat", "location"):
            pair = _numbers(params.get(key), 2)
            if pair:
                return PastedPoint(pair[0], pair[1], crs, f"amap {key}")
        if "lng" in params and "lat" in params:
            pair = _numbers(f"{params['lng']},{params['lat']}", 2)
            if pair:
                return PastedPoint(pair[0], pair[1], crs, "amap lng/lat")
        for key, skip in (("p", 1), ("q", 0)):  # p=POI id,lat,lon,… and q=lat,lon,…
            values = _numbers(params.get(key), 2, skip)
            if values:
                return PastedPoint(values[1], values[0], crs, f"amap {key}")
        return None
    if host.endswith(BAIDU_HOSTS):
        crs = BAIDU_CRS.get(params.get("coord_type", "bd09ll").lower())
        if crs is None:
            raise LinkError(
                f"coord_type={params['coord_type'][:20]!r} is not read here (bd09ll, gcj02 "
                f"or wgs84 are): {ADVICE}"
            )
        for key in ("latlng", "location"):
            pair = _numbers(params.get(key), 2)
            if pair:
                return PastedPoint(pair[1], pair[0], crs, f"baidu {key}")
    return None


def _numbers(value: str | None, count: int, skip: int = 0) -> list[float] | None:
    """``count`` numbers from a comma-separated value after ``skip`` leading fields, or
    None when they are not there (or not finite numbers)."""
    if not value:
        return None
    fields = value.split(",")[skip : skip + count]
    if len(fields) != count:
        return None
    try:
        numbers = [float(field) for field in fields]
    except ValueError:
        return None
    if not all(abs(n) < 1000 for n in numbers):  # also rejects inf and nan
        return None
    return numbers
