"""高德 (Amap) web-service geocoder: ``/v3/geocode/geo``, answers converted from GCJ-02 to WGS-84.

Every failure becomes an ``Outcome``: key and account errors ``bad_key``, per-second limits
``rate_limited``, daily or paid limits ``quota``, httpx timeouts ``timeout``, anything else the
service says or does ``error``. House, building and compound matches are marked ``dwelling``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import httpx

from app.domain.enums import Precision, SourceCrs
from app.geo.crs import gcj02_to_wgs84
from app.geo.geocoders.base import (
    Candidate,
    ClosingContext,
    GeocodeQuery,
    GeocodeResult,
    Outcome,
    ProviderSettings,
    failure,
)
from app.geo.geocoders.confidence import confidence, shanghai_address

GEOCODE_PATH = "/v3/geocode/geo"

_EXACT = (
    "门牌号",
    "门址",
    "单元号",
    "楼栋",
    "兴趣点",
    "住宅区",
    "公交地铁站点",
    "公交站台、地铁站",
)
_APPROXIMATE = ("道路", "道路交叉路口", "道路交叉口", "村庄", "热点商圈", "小巷")
LEVELS: Mapping[str, Precision] = MappingProxyType(
    {
        **dict.fromkeys(_EXACT, Precision.exact),
        **dict.fromkeys(_APPROXIMATE, Precision.approximate),
        "乡镇": Precision.street,
        "开发区": Precision.street,
        "区县": Precision.district,
    }
)
"""Amap ``level`` → precision; levels not listed (国家, 省, 市, 未知) are too coarse to use."""

BAD_KEY_CODES = frozenset(
    {
        "10001",  # INVALID_USER_KEY
        "10002",  # SERVICE_NOT_AVAILABLE: the key may not call this service
        "10005",  # INVALID_USER_IP: not in the key's IP whitelist
        "10006",  # INVALID_USER_DOMAIN
        "10007",  # INVALID_USER_SIGNATURE
        "10008",  # INVALID_USER_SCODE
        "10009",  # USERKEY_PLAT_NOMATCH: e.g. a JS API key used for the web service
        "10010",  # IP_QUERY_OVER_LIMIT: IP blocked until a support ticket; no automatic reset
        "10012",  # INSUFFICIENT_PRIVILEGES
        "10013",  # USER_KEY_RECYCLED: key deleted
        "10026",  # INVALID_REQUEST: account banned
        "10041",  # NO_EFFECTIVE_INTERFACE: permission for the interface expired
        "40002",  # SERVICE_EXPIRED
    }
)
"""Amap ``infocode`` values that mean the key or account cannot be used."""

RATE_LIMIT_CODES = frozenset(
    {
        "10004",  # ACCESS_TOO_FREQUENT: per-minute limit of the key
        "10014",  # QPS_HAS_EXCEEDED_THE_LIMIT
        "10015",  # GATEWAY_TIMEOUT: per-machine QPS limit
        "10019",  # CQPS_HAS_EXCEEDED_THE_LIMIT
        "10020",  # CKQPS_HAS_EXCEEDED_THE_LIMIT
        "10021",  # CUQPS_HAS_EXCEEDED_THE_LIMIT
    }
)
"""Amap ``infocode`` values that mean too many requests in the last second or minute."""

QUOTA_CODES = frozenset(
    {
        "10003",  # DAILY_QUERY_OVER_LIMIT
        "10029",  # ABROAD_DAILY_QUERY_OVER_LIMIT
        "10044",  # USER_DAILY_QUERY_OVER_LIMIT
        "10045",  # USER_ABROAD_DAILY_QUERY_OVER_LIMIT
        "40000",  # QUOTA_PLAN_RUN_OUT
        "40003",  # ABROAD_QUOTA_PLAN_RUN_OUT
    }
)
"""Amap ``infocode`` values that mean a daily or paid allowance is spent (daily ones reset at
midnight China time)."""

DWELLING_LEVELS = frozenset({"门牌号", "门址", "单元号", "楼栋", "住宅区"})
"""Match levels that name a building or compound where someone may live; the other usable
levels (兴趣点, 道路, 乡镇, 区县 …) name public places or areas."""


def precision_for_level(level: str | None) -> Precision | None:
    """The precision of an Amap match level, or None when it is coarser than a district."""
    return LEVELS.get(level or "")


def outcome_for_infocode(infocode: str) -> Outcome:
    """The outcome of an Amap answer with ``status`` "0" and this ``infocode``."""
    if infocode in BAD_KEY_CODES:
        return Outcome.bad_key
    if infocode in RATE_LIMIT_CODES:
        return Outcome.rate_limited
    if infocode in QUOTA_CODES:
        return Outcome.quota
    return Outcome.error


def _text(value: object) -> str | None:
    """A non-empty string field, or None (Amap sends empty fields as ``[]``)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _wgs84_point(location: object) -> tuple[float, float] | None:
    """WGS-84 (lon, lat) in degrees from Amap's GCJ-02 ``"lng,lat"``, or None if malformed."""
    text = _text(location)
    if text is None:
        return None
    try:
        lon_text, lat_text = text.split(",")
        return gcj02_to_wgs84(float(lon_text), float(lat_text))
    except ValueError:
        return None


class AmapGeocoder(ClosingContext):
    """Geocodes Shanghai addresses through Amap's v3 web service."""

    name = "amap"

    def __init__(self, settings: ProviderSettings, *, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self._url = settings.base_url.rstrip("/") + GEOCODE_PATH
        self._owns_client = client is None
        self._client = client or httpx.Client(headers={"User-Agent": settings.user_agent})

    def close(self) -> None:
        """Close the HTTP client, unless the caller passed its own."""
        if self._owns_client:
            self._client.close()

    def geocode(self, query: GeocodeQuery) -> GeocodeResult:
        """Answer one query; never raises for provider failures."""
        if not self.settings.key:
            return failure(self.name, Outcome.bad_key, "amap: no key configured")
        params = {
            "key": self.settings.key,
            "address": shanghai_address(query),
            "city": "上海",
            "output": "JSON",
        }
        try:
            response = self._client.get(self._url, params=params, timeout=self.settings.timeout_s)
        except httpx.TimeoutException:
            note = f"amap: no answer within {self.settings.timeout_s:g} s"
            return failure(self.name, Outcome.timeout, note)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return failure(self.name, Outcome.error, f"amap: request failed ({type(exc).__name__})")
        if response.status_code != httpx.codes.OK:
            return failure(self.name, Outcome.error, f"amap: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            return failure(self.name, Outcome.error, "amap: answer is not JSON")
        if not isinstance(body, dict):
            return failure(self.name, Outcome.error, "amap: answer is not a JSON object")
        return self._parse(body)

    def _parse(self, body: dict[str, Any]) -> GeocodeResult:
        """The result for a decoded Amap answer."""
        info = _text(body.get("info")) or "no info"
        if str(body.get("status")) != "1":
            infocode = str(body.get("infocode", ""))
            note = f"amap: {info} (infocode {infocode or '?'})"
            return failure(self.name, outcome_for_infocode(infocode), note)
        geocodes = body.get("geocodes")
        if not isinstance(geocodes, list) or not geocodes or str(body.get("count")) == "0":
            return failure(self.name, Outcome.not_found, f"amap: no match ({info})")
        usable = [g for g in geocodes if isinstance(g, dict)]
        if not usable:
            return failure(self.name, Outcome.error, "amap: malformed geocodes")
        return self._result(usable[0], usable)

    def _result(self, best: dict[str, Any], all_: list[dict[str, Any]]) -> GeocodeResult:
        """The result for Amap's first geocode; the others become candidates."""
        province = _text(best.get("province"))
        if province is not None and "上海" not in province:
            place = province + (_text(best.get("city")) or "")
            return failure(self.name, Outcome.not_found, f"amap: answer is in {place}, not 上海")
        level = _text(best.get("level"))
        precision = precision_for_level(level)
        if precision is None:
            return GeocodeResult(
                provider=self.name,
                outcome=Outcome.not_found,
                notes=(f"amap: match only at level {level or '?'}, coarser than a district",),
                raw_level=level,
            )
        point = _wgs84_point(best.get("location"))
        if point is None:
            return failure(self.name, Outcome.error, "amap: malformed location")
        candidates = tuple(c for g in all_ if (c := _candidate(g)) is not None)
        return GeocodeResult(
            provider=self.name,
            outcome=Outcome.found,
            lon=point[0],
            lat=point[1],
            precision=precision,
            confidence=confidence(precision),
            district=_text(best.get("district")),
            street=_text(best.get("township")),
            candidates=candidates if len(candidates) > 1 else (),
            raw_level=level,
            source_crs=SourceCrs.gcj02,
            dwelling=level in DWELLING_LEVELS,
        )


def _candidate(geocode: dict[str, Any]) -> Candidate | None:
    """One Amap geocode as a candidate, or None when its location is malformed."""
    point = _wgs84_point(geocode.get("location"))
    if point is None:
        return None
    return Candidate(
        name=_text(geocode.get("formatted_address")) or "",
        level=_text(geocode.get("level")) or "",
        lon=point[0],
        lat=point[1],
        district=_text(geocode.get("district")),
        street=_text(geocode.get("township")),
    )
