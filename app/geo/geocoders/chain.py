"""Asking several geocoders in turn, caching provider answers in the store.

Providers are asked in the configured order. An answer replaces the best so far when it
is finer (then more confident); asking stops once an answer is at least as precise as
``enough``. A provider's point that is not a finite point in Shanghai is an error, and
one outside the district the row states is ignored, with a note. An online provider is
asked only when its gate (pace and pauses, ``gate.py``) and the caller's allowance let it;
otherwise it is "not asked" with the reason. With no answer, the candidates of those that
had none (a road known in several districts) come back as an ``ambiguous`` outcome.
Found and not-found answers are cached (with an expiry, ``cache.py``) under a hash of
the request actually sent, so re-importing a file never asks twice; errors are not
cached, and neither is a typed query whose answer may be a person's home (a house or
building) or was not found, unless the caller is an import.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from typing import Protocol

from app.core.metrics import GEOCODER_CACHE, GEOCODER_CALLS, GEOCODER_SKIPS
from app.domain.enums import Precision, SourceCrs
from app.domain.records import AdminUnit
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
from app.geo.geocoders.cache import AnswerCache
from app.geo.geocoders.gate import ProviderGate, Refusal
from app.geo.names import normalise
from app.geo.reverse import ReverseIndex, outside_note

CACHED_OUTCOMES = frozenset({Outcome.found, Outcome.not_found})
IMPORT_WAIT_S = 5.0
"""How long an import may wait for a provider's slot or a short pause (a rate limit)."""


class Allowance(Protocol):
    """A caller's budget of provider calls."""

    def refusal(self) -> Refusal | None:
        """Why no further call is allowed now, or None."""

    def spend(self) -> None:
        """Count one provider call."""


@dataclass(frozen=True, slots=True)
class Asking:
    """Who asks, and what that allows."""

    wait_s: float = IMPORT_WAIT_S
    """How long the caller's thread may sleep for a provider's slot (0: never)."""
    cache_dwellings: bool = True
    """Whether answers about a house or building, and not-found answers, may be cached:
    yes for coordinators' imports (institutions' addresses), no for typed queries."""
    allowance: Allowance | None = None
    offline: Refusal | None = None
    """When set, no online provider is asked (cached answers are still used)."""


IMPORT = Asking()
"""An import or a command-line run: waits for slots, caches every answer."""


class GeocoderChain:
    """Geocoders asked in order, the best answer kept."""

    name = "chain"

    def __init__(
        self,
        geocoders: list[Geocoder],
        index: GazetteerIndex,
        reverse: ReverseIndex,
        *,
        gates: dict[str, ProviderGate],
        cache: AnswerCache | None = None,
        enough: Precision = Precision.approximate,
    ) -> None:
        self.geocoders = geocoders
        self.index = index
        self.reverse = reverse
        self.gates = gates
        """The online providers' gates, by name; a geocoder without one is offline."""
        self.cache = cache
        self.enough = enough

    def geocode(self, query: GeocodeQuery, asking: Asking = IMPORT) -> GeocodeResult:
        """The best answer of the chain, with every provider's remarks as notes."""
        stated = self._stated_district(query)
        best: GeocodeResult | None = None
        notes: list[str] = []
        candidates: dict[Candidate, None] = {}  # of the answers without a point, in order
        for geocoder in self.geocoders:
            result = self._ask(geocoder, query, stated, asking)
            if isinstance(result, Refusal):
                notes.append(f"{geocoder.name}: not asked ({result.note})")
                continue
            notes += [_attributed(geocoder.name, note) for note in result.notes]
            if not result.found:
                if result.notes or result.candidates:  # a miss with nothing to say says nothing
                    notes.append(f"{geocoder.name}: {result.outcome.value}")
                candidates.update(dict.fromkeys(result.candidates))
                continue
            if stated is not None and geocoder.name in self.gates:
                outside = outside_note(self.reverse, result.lon, result.lat, stated)
                if outside:
                    notes.append(f"{geocoder.name}: answer ignored, {outside}")
                    continue
            if best is None or _finer(result, best):
                best = result
            if best.precision.rank <= self.enough.rank:
                break
        if best is None:
            outcome = Outcome.ambiguous if candidates else Outcome.not_found
            return GeocodeResult(
                provider=self.name,
                outcome=outcome,
                candidates=tuple(candidates),
                notes=tuple(notes),
            )
        return replace(best, notes=tuple(notes))

    def _stated_district(self, query: GeocodeQuery) -> AdminUnit | None:
        if query.district:
            return self.index.district(query.district)
        found = self.index.find_district(normalise(query.address))
        return found[0] if found else None

    def _ask(
        self, geocoder: Geocoder, query: GeocodeQuery, stated: AdminUnit | None, asking: Asking
    ) -> GeocodeResult | Refusal:
        """One geocoder's answer: from the cache, from the provider, or a refusal."""
        gate = self.gates.get(geocoder.name)
        if gate is None:
            result = _call(geocoder, query)
            GEOCODER_CALLS.labels(geocoder.name, result.outcome.value).inc()
            return result
        key = query_key(query, stated)
        if self.cache is not None:
            cached = self.cache.get(geocoder.name, key)
            GEOCODER_CACHE.labels(geocoder.name, "miss" if cached is None else "hit").inc()
            if cached is not None:
                return result_from_dict(cached)
        refusal = _admit(gate, asking)
        if refusal is not None:
            GEOCODER_SKIPS.labels(geocoder.name, refusal.kind).inc()
            return refusal
        result = _call(geocoder, query)
        gate.record(result.outcome, result.retry_after_s)
        GEOCODER_CALLS.labels(geocoder.name, result.outcome.value).inc()
        if self.cache is not None and _may_cache(result, asking):
            self.cache.put(geocoder.name, key, asdict(result))
        return result


def _admit(gate: ProviderGate, asking: Asking) -> Refusal | None:
    """The caller's allowance first (a refused caller takes no slot), then the gate."""
    if asking.offline is not None:
        return asking.offline
    if asking.allowance is not None and (refusal := asking.allowance.refusal()):
        return refusal
    refusal = gate.admit(asking.wait_s)
    if refusal is None and asking.allowance is not None:
        asking.allowance.spend()
    return refusal


def _may_cache(result: GeocodeResult, asking: Asking) -> bool:
    """Found and not-found answers for imports; for typed queries only a found place that
    is not somebody's possible home (a not-found answer would keep a hash of the text)."""
    if result.outcome not in CACHED_OUTCOMES:
        return False
    return asking.cache_dwellings or (result.found and not result.dwelling)


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
            "evidence": None,  # only the learned step has it, and its answers are not cached
        }
    )
