"""What the offline map file inlines instead of linking: Leaflet and markercluster from the
installed xstatic packages (the same files the map page serves), our own script and style
for the file, and the file's Content-Security-Policy, which names every inline script and
style block by its hash.

Nothing may be fetched when the file is opened from disk: the images Leaflet's CSS names
(``url(images/…)``) become ``data:`` URLs and source-map comments are dropped (developer
tools would fetch them). The policy then refuses any request but the optional tiles, and
any script that is not one of ours: a name that smuggled markup in could not run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

from app.web.assets import VENDOR

OWN = Path(__file__).parent / "snapshot"
CSS_IMAGE = re.compile(r"url\((['\"]?)images/([\w.-]+\.png)\1\)")
SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.M)
SCRIPT_BLOCK = re.compile(r"<script>(.*?)</script>", re.S)
"""Scripts that run (data blocks have a ``type`` and never run)."""
STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@cache
def vendor_css() -> str:
    """Leaflet's and markercluster's CSS (not its coloured default clusters: ours are
    rings), images inlined."""
    leaflet = VENDOR["leaflet"]

    def inline(found: re.Match) -> str:
        data = base64.b64encode((leaflet / "images" / found[2]).read_bytes()).decode()
        return f"url(data:image/png;base64,{data})"

    css = CSS_IMAGE.sub(inline, _text(leaflet / "leaflet.css"))
    return css + "\n" + _text(VENDOR["markercluster"] / "MarkerCluster.css")


@cache
def vendor_js() -> str:
    """Leaflet and Leaflet.markercluster, minified, without source-map comments."""
    scripts = (
        VENDOR["leaflet"] / "leaflet.js",
        VENDOR["markercluster"] / "leaflet.markercluster.js",
    )
    return "\n".join(SOURCE_MAP.sub("", _text(path)) for path in scripts)


@cache
def own_js() -> str:
    """The file's own script: markers, popups, legend, search and the banner's clock."""
    return _text(OWN / "snapshot.js")


@cache
def own_css() -> str:
    """The file's own style (the live map's colours and marker shapes)."""
    return _text(OWN / "snapshot.css")


def script_tag(code: str) -> str:
    """``code`` as an inline classic script; a ``</script`` inside it cannot end it early."""
    return f"<script>{_guarded(code, 'script')}</script>"


def style_tag(css: str) -> str:
    """``css`` as an inline style block."""
    return f"<style>{_guarded(css, 'style')}</style>"


def json_tag(element_id: str, text: str) -> str:
    """JSON text in a data block the page reads with ``JSON.parse``: ``<``, ``>`` and ``&``
    are escaped as ``\\u`` sequences, so no text from the data can close the block."""
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{safe}</script>'


def _guarded(text: str, tag: str) -> str:
    if re.search(f"</{tag}", text, re.I):
        raise ValueError(f"inline {tag} holds </{tag}")  # our files and the vendors' never do
    return text


def content_policy(html: str, tile_origins: list[str]) -> str:
    """The file's policy: its own inline scripts and styles by hash, images from itself
    (``data:``) and the optional tile server, no other request of any kind."""
    scripts = _hashes(SCRIPT_BLOCK, html)
    styles = _hashes(STYLE_BLOCK, html)
    directives = {
        "default-src": "'none'",
        "script-src": scripts,
        "style-src": styles,
        "img-src": " ".join(["data:", *tile_origins]),
        "base-uri": "'none'",
        "form-action": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _hashes(block: re.Pattern, html: str) -> str:
    digests = dict.fromkeys(
        base64.b64encode(hashlib.sha256(found.encode()).digest()).decode()
        for found in block.findall(html)
    )
    return " ".join(f"'sha256-{digest}'" for digest in digests) or "'none'"
