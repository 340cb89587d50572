"""What the online providers share: confidence per precision and the text they are asked."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.domain.enums import Precision
from app.geo.geocoders.base import GeocodeQuery

CITY = "上海市"

CONFIDENCE: Mapping[Precision, float] = MappingProxyType(
    {
        Precision.exact: 0.9,
        Precision.approximate: 0.7,
        Precision.committee: 0.6,
        Precision.street: 0.5,
        Precision.district: 0.3,
    }
)
"""How far a provider's answer is trusted, by the precision of its match level."""


def confidence(precision: Precision) -> float:
    """The confidence (0–1) given to a provider answer of this precision."""
    return CONFIDENCE[precision]


def shanghai_address(query: GeocodeQuery) -> str:
    """The full text to send: 上海市, then the district unless the text names it, then the text.

    A leading 上海市 or 上海 already in the address is not repeated.
    """
    text = query.address.strip()
    for prefix in (CITY, "上海"):
        if text.startswith(prefix):
            text = text.removeprefix(prefix)
            break
    district = (query.district or "").strip()
    if district and district not in text:
        text = district + text
    return CITY + text
