"""The offline map file: a folium map of one snapshot, as one HTML file needing no network.

folium builds the document and the Leaflet map (the map and its outlines as GeoJSON
layers); its default links to CDNs (Leaflet, jQuery, Bootstrap,
Font Awesome, awesome-markers) are dropped, and Leaflet and markercluster are inlined from
the installed packages instead (``snapshot_assets``). Hospitals are not folium markers:
they travel as GeoJSON in a data block, and the file's own script draws them and builds
their popups as text (``textContent``), so nothing from the data is ever read as HTML. The
page's chrome (banner, search, legend, the live map's link and QR code) comes from a Jinja
template with autoescaping.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from app.core.config import Settings
from app.core.i18n import STRINGS
from app.core.i18n_snapshot import MONTHS_EN, SNAPSHOT_STRINGS
from app.services.exports.snapshot_data import STATES, SnapshotData, SnapshotQuery, read_snapshot
from app.storage.port import Store
from app.web.basemaps import basemaps
from app.web.page import TEMPLATES
from app.web.qr import qr_svg
from app.web.snapshot_assets import (
    content_policy,
    json_tag,
    own_css,
    own_js,
    script_tag,
    style_tag,
    vendor_css,
    vendor_js,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORDS = (
    "title", "open", "limited", "closed", "unknown", "not_offered", "hospitals", "verified",
    "never_reported", "approximate", "district_level", "hollow_means", "cluster_title",
    "cluster_means", "comma", "list_sep", "geo", "close", "service", "all_services",
    "condition_names", "html_lang",
)  # fmt: skip
"""The map page's words the file uses (``STRINGS``), beside all of ``SNAPSHOT_STRINGS``."""
DISTRICT_STYLE = {"color": "#57606a", "weight": 1.5, "fill": True, "fillColor": "#f6f8fa",
                  "fillOpacity": 0.6, "interactive": False}  # fmt: skip
STREET_STYLE = {"color": "#8c959f", "weight": 0.6, "fill": False, "interactive": False}
MIN_ZOOM, MAX_ZOOM = 8, 18
"""The city fills a phone at 9; 18 is a street's buildings (and what the tiles offer)."""
FILE_BUDGET = 1024 * 1024
"""Bytes a whole-city file should stay within (a chat app's preview and a phone's memory)."""
SHELL_BYTES = 40_000
"""Bytes of the file besides the scripts, styles, hospitals and outlines: folium's map
code, the chrome, the words, the QR code (~25 KB for the city)."""
"""Pixels the bar covers at the top of the map on a phone (fitted around)."""


@dataclass(frozen=True, slots=True)
class Tiles:
    """Online tiles the viewer may switch on: a WGS-84 tile URL, as the markers are."""

    url: str
    subdomains: str
    attribution: str

    @property
    def origins(self) -> list[str]:
        """The origins the tiles come from, ``{s}`` spelled out (for the policy)."""
        parts = urlsplit(self.url)
        hosts = [parts.netloc]
        if "{s}" in parts.netloc and self.subdomains:
            hosts = [parts.netloc.replace("{s}", s) for s in self.subdomains]
        return [f"{parts.scheme}://{host}" for host in dict.fromkeys(hosts)]


def online_tiles(settings: Settings) -> Tiles | None:
    """The deployment's tiles when they are WGS-84 (the configured ones first, else
    OpenStreetMap); None when only GCJ-02 tiles are configured (they would sit ~500 m off
    the markers, which the file does not shift)."""
    offered = basemaps(settings)
    choices = offered["choices"]
    names = [offered["start"], *choices]
    for name in names:
        choice = choices.get(name)
        if choice is not None and not choice["gcj02"]:
            return Tiles(choice["url"], choice["subdomains"], choice["attribution"])
    return None


def taken_words(data: SnapshotData) -> str:
    """When the snapshot was taken, in Shanghai time: 4月12日 14:30, 12 Apr 14:30."""
    local = data.taken_at.astimezone(SHANGHAI)
    words = SNAPSHOT_STRINGS[data.query.lang]["month_day"]
    return words.format(month=local.month, day=local.day, month_name=MONTHS_EN[local.month - 1],
                        time=local.strftime("%H:%M"))  # fmt: skip


def build_snapshot(
    store: Store, settings: Settings, query: SnapshotQuery, now: datetime, link: str
) -> tuple[bytes, SnapshotData]:
    """The file for ``query`` as of ``now``, within ``FILE_BUDGET`` as far as the outlines
    can give way, and the data it shows."""
    fixed = sum(len(part.encode()) for part in (vendor_js(), vendor_css(), own_js(), own_css()))
    room = FILE_BUDGET - fixed - SHELL_BYTES
    data = read_snapshot(store, query, now, settings.status_ttl_hours, room)
    return render_snapshot(data, link, online_tiles(settings)).encode(), data


def render_snapshot(data: SnapshotData, link: str, tiles: Tiles | None) -> str:
    """The whole file: ``link`` is the live map's short link (shown and as a QR code)."""
    lang = data.query.lang
    words = {key: STRINGS[lang][key] for key in WORDS} | SNAPSHOT_STRINGS[lang]
    names = [(s.code, s.name_en if lang == "en" else s.name_zh) for s in data.services]
    when = taken_words(data)
    taken = words["taken"].format(when=when)
    figure = Figure(title=html.escape(f"{words['title']} · {words['snapshot_title']} · {when}"))
    west, south, east, north = data.bounds
    center = ((south + north) / 2, (west + east) / 2)
    map_ = folium.Map(location=center, zoom_start=data.query.zoom, tiles=None,
                      zoom_control="bottomright", prefer_canvas=True,
                      maxZoom=MAX_ZOOM, minZoom=MIN_ZOOM)  # fmt: skip
    map_.default_js, map_.default_css = [], []  # no CDN: see snapshot_assets
    map_.add_to(figure)
    figure.header.add_child(Element(style_tag(vendor_css()) + style_tag(own_css())), name="css")
    figure.header.add_child(Element(script_tag(vendor_js()) + script_tag(own_js())), name="js")
    chrome = TEMPLATES.get_template("snapshot.html").render(
        t=words, subtitle=_subtitle(data, words, names), taken=taken, link=link,
        qr=_qr_data_url(link), choose=data.query.service is None, services=names,
    )  # fmt: skip
    figure.html.add_child(Element(chrome), name="chrome")
    config = {
        "lang": lang, "strings": words, "when": when,
        "taken_ms": int(data.taken_at.timestamp() * 1000), "ttl_hours": data.ttl_hours,
        "service": data.query.service, "services": names, "states": [s.value for s in STATES],
        "tiles": None if tiles is None else {"url": tiles.url, "subdomains": tiles.subdomains,
                                             "attribution": tiles.attribution},
        "bounds": [[south, west], [north, east]],
        "hospitals": data.hospitals,
    }  # fmt: skip
    text = json.dumps(config, ensure_ascii=False, separators=(",", ":"))
    figure.html.add_child(Element(json_tag("snapshot-data", text)), name="data")
    _outline_layer(data.outlines.districts, DISTRICT_STYLE, "districts").add_to(map_)
    _outline_layer(data.outlines.streets, STREET_STYLE, "streets").add_to(map_)
    Hospitals().add_to(map_)
    document = figure.render()
    document = document.replace("<html>", f'<html lang="{words["html_lang"]}">', 1)
    policy = content_policy(document, tiles.origins if tiles else [])
    meta = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy)}">'
    return document.replace("<head>", f'<head>\n<meta charset="utf-8">\n{meta}', 1)


class Hospitals(MacroElement):
    """The hospitals, drawn by the file's own script on the map it is added to."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "window.aidmapSnapshot({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )


def _outline_layer(geometries: list[dict], style: dict, name: str) -> folium.GeoJson:
    """Outlines as a GeoJSON layer without properties: nothing of them is ever shown as text."""
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": g} for g in geometries],
    }
    return folium.GeoJson(collection, name=name, style_function=lambda _feature: style,
                          control=False, overlay=True, smooth_factor=1.5)  # fmt: skip


def _subtitle(data: SnapshotData, words: dict, names: list[tuple[str, str]]) -> str:
    parts = [words["snapshot_title"]]
    if data.query.district is not None:
        district = data.query.district
        parts.append(district.name_en if data.query.lang == "en" and district.name_en
                     else district.name)  # fmt: skip
    if data.query.service is not None:
        parts.append(dict(names)[data.query.service])
    parts.append(words["count"].format(n=f"{data.count:,}"))
    return " · ".join(parts)


def _qr_data_url(link: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(link)).decode()
