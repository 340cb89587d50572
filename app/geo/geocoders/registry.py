"""Building the configured geocoder chain; providers are imported only when named."""

from __future__ import annotations

from app.core.config import Settings
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import Geocoder, ProviderSettings
from app.geo.geocoders.chain import GeocoderChain
from app.geo.geocoders.gazetteer import GazetteerGeocoder
from app.geo.reverse import ReverseIndex
from app.storage.base import Store

NOMINATIM_MIN_INTERVAL_S = 1.0
"""The public Nominatim's usage policy: at most one request a second."""


def provider(name: str, settings: Settings, index: GazetteerIndex) -> Geocoder:
    """One geocoder by its name in ``AIDMAP_GEOCODERS``."""
    if name == "gazetteer":
        return GazetteerGeocoder(index)
    timeout = settings.geocoder_timeout_s
    if name == "amap":
        from app.geo.geocoders.amap import AmapGeocoder

        key = settings.amap_key.get_secret_value() if settings.amap_key else None
        return AmapGeocoder(ProviderSettings(settings.amap_url, key=key, timeout_s=timeout))
    if name == "nominatim":
        from app.geo.geocoders.nominatim import NominatimGeocoder

        return NominatimGeocoder(
            ProviderSettings(
                settings.nominatim_url,
                timeout_s=timeout,
                user_agent="aidmap",
                min_interval_s=NOMINATIM_MIN_INTERVAL_S,
            )
        )
    raise ValueError(f"unknown geocoder {name!r}")


def build_chain(settings: Settings, store: Store, *, online: bool = True) -> GeocoderChain:
    """The chain ``AIDMAP_GEOCODERS`` names, caching provider answers in ``store``; with
    ``online=False`` only its offline part (the gazetteer), which spends no provider's
    quota."""
    index = GazetteerIndex.from_store(store)
    names = [name for name in settings.geocoders if online or name == "gazetteer"]
    return GeocoderChain(
        [provider(name, settings, index) for name in names or ["gazetteer"]],
        index=index,
        reverse=ReverseIndex(store),
        cache=store,
        enough=settings.geocode_enough,
    )
