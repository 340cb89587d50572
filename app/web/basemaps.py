"""Base map choices for the page: tile URL, its coordinate system, and credit."""

from __future__ import annotations

from app.core.config import Settings

PRESETS = {
    "amap": {
        "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "subdomains": "1234",
        "gcj02": True,
        "attribution": "© 高德地图 AutoNavi",
    },
    "osm": {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "subdomains": "",
        "gcj02": False,
        "attribution": "© OpenStreetMap contributors",
    },
}
"""Tile servers by preset name; ``none`` draws our own district and street outlines."""


def basemaps(settings: Settings) -> dict:
    """The base maps the page offers and which one it starts with.

    A configured custom URL replaces the presets; ``none`` is always offered, and the
    page falls back to it by itself when no tile loads.
    """
    if settings.tiles in PRESETS or settings.tiles == "none":
        choices = dict(PRESETS)
        start = settings.tiles
    else:
        choices = {
            "custom": {
                "url": settings.tiles,
                "subdomains": "abc",
                "gcj02": settings.tiles_gcj02,
                "attribution": settings.tiles_attribution,
            }
        }
        start = "custom"
    return {"choices": choices, "start": start}
