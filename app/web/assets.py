"""Where static files come from: ours, and Leaflet and Swagger UI from installed packages.
Every URL carries a version in its path, so a browser may keep a file as long as it likes
and a module's relative imports stay within the version its page asked for."""

from __future__ import annotations

import hashlib
import re
from functools import cache
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


def own_digest(directory: Path = OWN) -> str:
    """A digest of our static files' names and contents: any change to any of them is a
    new URL for all of them, so a page never runs a mix of old and new modules."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


OWN_URL = f"/static/app/{own_digest()}"
"""Our files' URL prefix; only the current digest is served (another one is a 404)."""

IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;'"]*?\bfrom\s*["']\./([\w.-]+\.js)["']""", re.M)


@cache
def module_graph(entry: str) -> tuple[str, ...]:
    """``entry`` and every module it imports, directly or not (our modules import their
    siblings as ``"./name.js"``): the page preloads them all at once instead of learning of
    each import only when the module naming it has arrived."""
    found: list[str] = []
    todo = [entry]
    while todo:
        name = todo.pop(0)
        if name not in found:
            found.append(name)
            todo += IMPORT.findall((OWN / name).read_text(encoding="utf-8"))
    return tuple(found)
