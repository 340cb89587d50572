"""Where static files come from: ours, and Leaflet and Swagger UI from installed packages."""

from __future__ import annotations

from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

OWN = Path(__file__).parent / "static"
VENDOR = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
    "swaggerui": Path(str(files("fastapi_offline") / "static")),
}
"""URL name → directory of an installed package's files (PyPI xstatic-leaflet,
xstatic-leaflet-markercluster, and fastapi-offline's Swagger UI 5 for /docs): never a CDN,
never copied into the repository."""
VERSIONS = {
    "leaflet": xstatic.pkg.leaflet.VERSION,
    "markercluster": xstatic.pkg.leaflet_markercluster.VERSION,
    "swaggerui": version("fastapi-offline"),
}
VENDOR_URLS = {name: f"/static/vendor/{name}-{VERSIONS[name]}" for name in VENDOR}
"""Versioned URL prefixes: a new package version is a new URL, so browsers may cache long."""
