"""Where the page's static files come from: ours, and Leaflet from installed packages."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

OWN = Path(__file__).parent / "static"
VENDOR = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
}
"""URL name → directory of an installed package's files (PyPI xstatic-leaflet,
xstatic-leaflet-markercluster): never a CDN, never copied into the repository."""
VERSIONS = {
    "leaflet": xstatic.pkg.leaflet.VERSION,
    "markercluster": xstatic.pkg.leaflet_markercluster.VERSION,
}
VENDOR_URLS = {name: f"/static/vendor/{name}-{VERSIONS[name]}" for name in VENDOR}
"""Versioned URL prefixes: a new package version is a new URL, so browsers may cache long."""
