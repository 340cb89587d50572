"""Nominatim (OpenStreetMap) geocoder through geopy; Nominatim answers in WGS-84.

geopy's exceptions become outcomes: timeouts ``timeout``, HTTP 429 ``rate_limited`` (with its
Retry-After), HTTP 402 ``quota``, HTTP 401/403 ``bad_key``, anything else ``error``; no result
is ``not_found``. Pacing (the usage policy's one request a second) is the chain's gate's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from geopy.adapters import URLLibAdapter
from geopy.exc import (
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeopyError,
)
from geopy.geocoders import Nominatim

from app.domain.enums import Precision
from app.geo.geocoders.base import (
    ClosingContext,
    GeocodeQuery,
    GeocodeResult,
    Outcome,
    ProviderSettings,
    failure,
)
from app.geo.geocoders.confidence import confidence, shanghai_address

_EXACT = (
    "house",
    "house_number",
    "building",
    "amenity",
    "shop",
    "office",
    "tourism",
    "leisure",
    "healthcare",
    "craft",
    "emergency",
    "historic",
    "man_made",
    "club",
    "public_transport",
    "railway",
    "aeroway",
)
_APPROXIMATE = (
    "road",
    "highway",
    "residential",
    "hamlet",
    "neighbourhood",
    "isolated_dwelling",
    "city_block",
    "square",
    "allotments",
    "farm",
    "croft",
    "plot",
)
_STREET = ("suburb", "quarter", "town", "village")
_DISTRICT = ("city_district", "district", "county", "borough")
FEATURES: Mapping[str, Precision] = MappingProxyType(
    {
        **dict.fromkeys(_EXACT, Precision.exact),
        **dict.fromkeys(_APPROXIMATE, Precision.approximate),
        **dict.fromkeys(_STREET, Precision.street),
        **dict.fromkeys(_DISTRICT, Precision.district),
    }
)
"""Nominatim ``addresstype``/``type``/``class`` → precision; others (city, state …) are coarse."""

DWELLING_ADDRESSTYPES = frozenset(
    {"house", "house_number", "building", "residential", "isolated_dwelling"}
)
"""``addresstype`` values of a house, a building or a residential compound (landuse=residential;
a residential road's addresstype is ``road``)."""
DWELLING_FEATURES = frozenset(
    {("place", "house"), ("place", "isolated_dwelling"), ("landuse", "residential")}
    | {("building", kind) for kind in ("yes", "house", "residential", "apartments", "detached")}
    | {("building", kind) for kind in ("dormitory", "terrace", "semidetached_house", "bungalow")}
)
"""(``class``, ``type``) pairs of places where someone may live."""

_STREET_KEYS = ("town", "suburb", "quarter", "village")
_DISTRICT_KEYS = ("city_district", "district", "county", "borough")


def precision_for_place(place: Mapping[str, Any]) -> tuple[Precision | None, str | None]:
    """Precision of a Nominatim result and the word it came from.

    ``addresstype`` decides, then ``type``, then ``class``; None when none is fine enough.
    """
    words = [place.get(key) for key in ("addresstype", "type", "class", "category")]
    for word in words:
        if isinstance(word, str) and word in FEATURES:
            return FEATURES[word], word
    raw = next((w for w in words if isinstance(w, str) and w), None)
    return None, raw


def is_dwelling(place: Mapping[str, Any]) -> bool:
    """True when a Nominatim result is a house, a residential building or compound."""
    feature = (place.get("class") or place.get("category"), place.get("type"))
    return place.get("addresstype") in DWELLING_ADDRESSTYPES or feature in DWELLING_FEATURES


def _first(address: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first non-empty string among these ``address`` keys."""
    for key in keys:
        value = address.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def in_shanghai(address: Mapping[str, Any]) -> bool:
    """False when a result's address details place it outside 上海市 (unknown counts as inside)."""
    iso = address.get("ISO3166-2-lvl4")
    if isinstance(iso, str) and iso:
        return iso.upper() == "CN-SH"
    names = [address.get(key) for key in ("state", "province", "city")]
    names = [n for n in names if isinstance(n, str) and n]
    return not names or any("上海" in n or "Shanghai" in n for n in names)


def _exception_outcome(exc: GeopyError) -> Outcome:
    """The outcome of a geopy exception."""
    if isinstance(exc, GeocoderTimedOut):
        return Outcome.timeout
    if isinstance(exc, GeocoderRateLimited):  # a subclass of GeocoderQuotaExceeded: first
        return Outcome.rate_limited
    if isinstance(exc, GeocoderQuotaExceeded):
        return Outcome.quota
    if isinstance(exc, GeocoderAuthenticationFailure | GeocoderInsufficientPrivileges):
        return Outcome.bad_key
    return Outcome.error


class NominatimGeocoder(ClosingContext):
    """Geocodes Shanghai addresses through a Nominatim server's ``/search``."""

    name = "nominatim"

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings
        parts = urlsplit(settings.base_url)
        self._geocoder = Nominatim(
            domain=(parts.netloc + parts.path).rstrip("/"),
            scheme=parts.scheme or "https",
            user_agent=settings.user_agent,
            timeout=settings.timeout_s,
            # urllib: no retries, so a 429's Retry-After is reported (rate_limited), never slept
            # through, and a timeout is a timeout; Nominatim's 1 request/s needs no keep-alive.
            adapter_factory=URLLibAdapter,
        )

    def close(self) -> None:
        """Release geopy's adapter (urllib keeps no connection open between requests)."""
        self._geocoder.__exit__(None, None, None)

    def geocode(self, query: GeocodeQuery) -> GeocodeResult:
        """Answer one query; never raises for provider failures."""
        try:
            location = self._geocoder.geocode(
                shanghai_address(query),
                exactly_one=True,
                addressdetails=True,
                country_codes="cn",
                language="zh",
            )
        except GeocoderServiceError as exc:
            outcome = _exception_outcome(exc)
            result = failure(self.name, outcome, f"nominatim: {type(exc).__name__}: {exc}")
            return replace(result, retry_after_s=getattr(exc, "retry_after", None))
        except (GeopyError, ValueError, TypeError, KeyError) as exc:  # malformed answers too
            return failure(self.name, Outcome.error, f"nominatim: {type(exc).__name__}: {exc}")
        if location is None:
            return failure(self.name, Outcome.not_found, "nominatim: no match")
        raw = location.raw if isinstance(location.raw, dict) else {}
        return self._result(raw, location.longitude, location.latitude)

    def _result(self, place: dict[str, Any], lon: float, lat: float) -> GeocodeResult:
        """The result for one Nominatim place at (lon, lat), WGS-84 degrees."""
        address = place.get("address")
        address = address if isinstance(address, dict) else {}
        if not in_shanghai(address):
            where = _first(address, ("state", "province", "city")) or "another province"
            return failure(self.name, Outcome.not_found, f"nominatim: answer is in {where}")
        precision, word = precision_for_place(place)
        if precision is None:
            return GeocodeResult(
                provider=self.name,
                outcome=Outcome.not_found,
                notes=(f"nominatim: match only at level {word or '?'}, coarser than a district",),
                raw_level=word,
            )
        return GeocodeResult(
            provider=self.name,
            outcome=Outcome.found,
            lon=lon,
            lat=lat,
            precision=precision,
            confidence=confidence(precision),
            district=_first(address, _DISTRICT_KEYS),
            street=_first(address, _STREET_KEYS),
            raw_level=word,
            dwelling=is_dwelling(place),
        )
