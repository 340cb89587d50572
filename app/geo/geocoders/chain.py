"""Asking several geocoders in turn, caching provider answers in the store.

Providers are asked in the configured order. An answer replaces the best so far when it
is finer (then more confident); asking stops once an answer is at least as precise as
``enough``. A provider's point outside the district the row states is ignored, with a
note. Found and not-found answers of online providers are cached, so re-importing a
file never asks twice; timeouts, quota and key errors are not cached.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, replace

from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import Candidate, GeocodeQuery, Geocoder, GeocodeResult, Outcome
from app.geo.names import normalise
from app.geo.reverse import ReverseIndex, outside_note
from app.storage.base import AdminUnit, Precision, Store

CACHED_OUTCOMES = frozenset({Outcome.found, Outcome.not_found})


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

    def geocode(self, query: GeocodeQuery) -> GeocodeResult:
        """The best answer of the chain, with every provider's remarks as notes."""
        stated = self._stated_district(query)
        best: GeocodeResult | None = None
        notes: list[str] = []
        for geocoder in self.geocoders:
            result = self._ask(geocoder, query)
            notes += [_attributed(geocoder.name, note) for note in result.notes]
            if not result.found:
                notes.append(f"{geocoder.name}: {result.outcome.value}")
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

    def _ask(self, geocoder: Geocoder, query: GeocodeQuery) -> GeocodeResult:
        if self.cache is None or not getattr(geocoder, "cacheable", True):
            return geocoder.geocode(query)
        key = query_key(query)
        cached = self.cache.cached_answer(geocoder.name, key)
        if cached is not None:
            return result_from_dict(cached)
        result = geocoder.geocode(query)
        if result.outcome in CACHED_OUTCOMES:
            self.cache.cache_answer(geocoder.name, key, _query_text(query), asdict(result))
        return result


def _attributed(provider: str, note: str) -> str:
    return note if note.startswith(f"{provider}:") else f"{provider}: {note}"


def _finer(result: GeocodeResult, best: GeocodeResult) -> bool:
    if result.precision.rank != best.precision.rank:
        return result.precision.rank < best.precision.rank
    return result.confidence > best.confidence


def _query_text(query: GeocodeQuery) -> str:
    return f"{normalise(query.district or '')}|{normalise(query.address)}"


def query_key(query: GeocodeQuery) -> str:
    """The cache key of a query: a hash of its normalised district and address."""
    return hashlib.sha256(_query_text(query).encode()).hexdigest()


def result_from_dict(data: dict) -> GeocodeResult:
    """A result read back from the cache."""
    return GeocodeResult(
        **data
        | {
            "outcome": Outcome(data["outcome"]),
            "precision": Precision(data["precision"]) if data["precision"] else None,
            "candidates": tuple(Candidate(**c) for c in data["candidates"]),
            "notes": tuple(data["notes"]),
        }
    )
