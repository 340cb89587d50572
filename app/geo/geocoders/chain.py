"""Asking several geocoders in turn, caching provider answers in the store.

Providers are asked in the configured order. An answer replaces the best so far when it
is finer (then more confident); asking stops once an answer is at least as precise as
``enough``. A provider's point that is not a finite point in Shanghai is an error, and
one outside the district the row states is ignored, with a note. A provider that says
its key is bad or its quota is spent is not asked again by this chain. Found and
not-found answers of online providers are cached under the request actually sent, so
re-importing a file never asks twice; errors are not cached.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace

from app.core.metrics import GEOCODER_CACHE, GEOCODER_CALLS
from app.geo.extent import in_shanghai
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import (
    Candidate,
    GeocodeQuery,
    Geocoder,
    GeocodeResult,
    Outcome,
    failure,
)
from app.geo.names import normalise
from app.geo.reverse import ReverseIndex, outside_note
from app.storage.base import AdminUnit, Precision, SourceCrs, Store

CACHED_OUTCOMES = frozenset({Outcome.found, Outcome.not_found})
STOPPING_OUTCOMES = frozenset({Outcome.bad_key, Outcome.quota})


class GeocoderChain:
    """Geocoders asked in order, the best answer kept."""

    name = "chain"

    def __init__(
        self,
        geocoders: list[Geocoder],
        index: GazetteerIndex,
        reverse: ReverseIndex,
        cache: Store | None = None,
        enough: Precision = Precision.approximate,
    ) -> None:
        self.geocoders = geocoders
        self.index = index
        self.reverse = reverse
        self.cache = cache
        self.enough = enough
        self.stopped: dict[str, str] = {}
        """Providers not asked again, with the reason."""

    def geocode(self, query: GeocodeQuery) -> GeocodeResult:
        """The best answer of the chain, with every provider's remarks as notes."""
        stated = self._stated_district(query)
        best: GeocodeResult | None = None
        notes: list[str] = []
        for geocoder in self.geocoders:
            if geocoder.name in self.stopped:
                notes.append(f"{geocoder.name}: not asked ({self.stopped[geocoder.name]})")
                continue
            result = self._ask(geocoder, query, stated)
            notes += [_attributed(geocoder.name, note) for note in result.notes]
            if not result.found:
                notes.append(f"{geocoder.name}: {result.outcome.value}")
                if result.outcome in STOPPING_OUTCOMES:
                    self.stopped[geocoder.name] = result.outcome.value
                continue
            if stated is not None and geocoder.name != "gazetteer":
                outside = outside_note(self.reverse, result.lon, result.lat, stated)
                if outside:
                    notes.append(f"{geocoder.name}: answer ignored, {outside}")
                    continue
            if best is None or _finer(result, best):
                best = result
            if best.precision.rank <= self.enough.rank:
                break
        if best is None:
            return GeocodeResult(provider=self.name, outcome=Outcome.not_found, notes=tuple(notes))
        return replace(best, notes=tuple(notes))

    def _stated_district(self, query: GeocodeQuery) -> AdminUnit | None:
        if query.district:
            return self.index.district(query.district)
        found = self.index.find_district(normalise(query.address))
        return found[0] if found else None

    def _ask(
        self, geocoder: Geocoder, query: GeocodeQuery, stated: AdminUnit | None
    ) -> GeocodeResult:
        online = self.cache is not None and getattr(geocoder, "cacheable", True)
        key = query_key(query, stated) if online else ""
        if online:
            cached = self.cache.cached_answer(geocoder.name, key)
            GEOCODER_CACHE.labels(geocoder.name, "miss" if cached is None else "hit").inc()
            if cached is not None:
                return result_from_dict(cached)
        result = _call(geocoder, query)
        GEOCODER_CALLS.labels(geocoder.name, result.outcome.value).inc()
        if online and result.outcome in CACHED_OUTCOMES:
            self.cache.cache_answer(geocoder.name, key, asdict(result))
        return result


def _call(geocoder: Geocoder, query: GeocodeQuery) -> GeocodeResult:
    """The provider's answer; an exception or a point outside Shanghai is an error."""
    try:
        result = geocoder.geocode(query)
    except Exception as exc:  # a provider bug must cost one row, never the request
        return failure(geocoder.name, Outcome.error, f"{type(exc).__name__}: {exc}")
    if result.found and not in_shanghai(result.lon, result.lat):
        return failure(
            geocoder.name, Outcome.error, f"answer ({result.lon}, {result.lat}) is not in Shanghai"
        )
    return result


def _attributed(provider: str, note: str) -> str:
    return note if note.startswith(f"{provider}:") else f"{provider}: {note}"


def _finer(result: GeocodeResult, best: GeocodeResult) -> bool:
    if result.precision.rank != best.precision.rank:
        return result.precision.rank < best.precision.rank
    return result.confidence > best.confidence


def _request_text(query: GeocodeQuery, stated: AdminUnit | None) -> str:
    """What a provider is asked: the canonical district (if any) and the address."""
    district = stated.name if stated else normalise(query.district or "")
    return json.dumps([district, normalise(query.address)], ensure_ascii=False)


def query_key(query: GeocodeQuery, stated: AdminUnit | None = None) -> str:
    """The cache key of a query: a hash of its canonical district and normalised address."""
    return hashlib.sha256(_request_text(query, stated).encode()).hexdigest()


def result_from_dict(data: dict) -> GeocodeResult:
    """A result read back from the cache."""
    return GeocodeResult(
        **data
        | {
            "outcome": Outcome(data["outcome"]),
            "precision": Precision(data["precision"]) if data["precision"] else None,
            "candidates": tuple(Candidate(**c) for c in data["candidates"]),
            "notes": tuple(data["notes"]),
            "source_crs": SourceCrs(data.get("source_crs", SourceCrs.wgs84)),
        }
    )
