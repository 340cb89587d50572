"""Building the configured geocoder chain; providers are imported only when named."""

from __future__ import annotations

from collections.abc import Callable

from app.core.config import Settings
from app.domain.enums import Precision
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import Geocoder, ProviderSettings
from app.geo.geocoders.cache import AnswerCache
from app.geo.geocoders.chain import GeocoderChain
from app.geo.geocoders.gate import CHINA_TIME, Pace, ProviderGate, SharedSlots
from app.geo.geocoders.gazetteer import GazetteerGeocoder
from app.geo.geocoders.learned import LearnedGeocoder
from app.geo.geocoders.shared_parse import SharedParse
from app.geo.learned_index import LearnedIndex
from app.geo.reverse import ReverseIndex
from app.geo.road_index import RoadIndex, constant
from app.geo.sources import GeoSource

OFFLINE = ("gazetteer", "learned")


def provider(
    name: str,
    settings: Settings,
    index: GazetteerIndex,
    roads: Callable[[], RoadIndex] | None = None,
    *,
    learned: Callable[[], LearnedIndex] | None = None,
    reverse: ReverseIndex | None = None,
    parse: SharedParse | None = None,
) -> Geocoder:
    """One geocoder by its name in ``AIDMAP_GEOCODERS``; the offline ones share ``parse``."""
    if name == "gazetteer":
        return GazetteerGeocoder(index, roads, parse)
    if name == "learned":
        return LearnedGeocoder(index, learned or (lambda: None), reverse, parse)
    timeout = settings.geocoder_timeout_s
    if name == "amap":
        from app.geo.geocoders.amap import AmapGeocoder

        key = settings.amap_key.get_secret_value() if settings.amap_key else None
        return AmapGeocoder(ProviderSettings(settings.amap_url, key=key, timeout_s=timeout))
    if name == "nominatim":
        from app.geo.geocoders.nominatim import NominatimGeocoder

        return NominatimGeocoder(
            ProviderSettings(settings.nominatim_url, timeout_s=timeout, user_agent="aidmap")
        )
    raise ValueError(f"unknown geocoder {name!r}")


def gates_for(
    settings: Settings, shared: Callable[[str], SharedSlots] | None = None
) -> dict[str, ProviderGate]:
    """A gate per online provider of the chain: Amap paced at ``AIDMAP_AMAP_QPS`` with its
    daily quotas reset at midnight China time; Nominatim at ``AIDMAP_NOMINATIM_QPS``.
    ``shared(name)``: the provider's slots that every process counts (the pace is then
    for all of them together)."""
    paces = {
        "amap": Pace(settings.amap_qps, daily_reset=CHINA_TIME),
        "nominatim": Pace(settings.nominatim_qps),
    }
    return {
        name: ProviderGate(paces[name], shared=shared(name) if shared else None)
        for name in settings.geocoders
        if name in paces
    }


def build_chain(
    settings: Settings,
    store: GeoSource,
    *,
    online: bool = True,
    gates: dict[str, ProviderGate] | None = None,
    cache: AnswerCache | None = None,
    roads: Callable[[], RoadIndex] | None = None,
    learned: Callable[[], LearnedIndex] | None = None,
) -> GeocoderChain:
    """The chain ``AIDMAP_GEOCODERS`` names, caching provider answers in ``store``; with
    ``online=False`` only its offline part (the gazetteer), which spends no provider's
    quota. A process passes the same ``gates`` and ``cache`` to every chain it builds, so
    pauses and pace outlive a rebuild; without them the chain gets its own. ``roads`` and
    ``learned`` give the current road and learned indexes; without them the chain reads
    them from the store once."""
    index = GazetteerIndex.from_store(store)
    roads = roads or constant(RoadIndex.from_store(store, index))
    reverse, parse = ReverseIndex(store), SharedParse(index)
    names = chain_names(settings)
    names = [name for name in names if online or name in OFFLINE] or ["gazetteer"]
    if "learned" in names and learned is None:
        once = LearnedIndex.from_source(store)
        learned = lambda: once  # noqa: E731
    geocoders = [
        provider(name, settings, index, roads, learned=learned, reverse=reverse, parse=parse)
        for name in names
    ]
    return GeocoderChain(
        geocoders,
        index=index,
        reverse=reverse,
        gates=gates if gates is not None else gates_for(settings),
        cache=cache or AnswerCache(store, settings.geocode_cache_days),
        enough=Precision(settings.geocode_enough),
    )


def chain_names(settings: Settings) -> list[str]:
    """``AIDMAP_GEOCODERS``, with ``learned`` right after ``gazetteer`` unless named or
    turned off (``AIDMAP_LEARN_ADDRESSES``)."""
    names = list(settings.geocoders)
    if not settings.learn_addresses:
        return [name for name in names if name != "learned"]
    if "learned" not in names and "gazetteer" in names:
        names.insert(names.index("gazetteer") + 1, "learned")
    return names
