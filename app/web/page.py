"""The map page's HTML: words in the asked language, the base maps, a shared view."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.core.config import Settings
from app.core.i18n import STRINGS
from app.core.text import clean_text
from app.web.assets import OWN_URL, VENDOR_URLS, module_graph
from app.web.basemaps import basemaps

ENTRY = "map.js"
"""The page's own module; the page preloads it and all it imports."""

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def render_page(
    settings: Settings,
    lang: str,
    url: str,
    root: str,
    *,
    image: str | None = None,
    embed: bool = False,
    view: dict | None = None,
    share_code: str | None = None,
    title: str | None = None,
    description: str | None = None,
) -> str:
    """The page; ``view`` (a shared view) is where it opens, and what it shows first.
    ``title`` and ``description`` (what a chat shows of the link) are cleaned here, where
    they are rendered, whatever made them. ``url`` is the page's own (og:url), ``image``
    its preview (og:image); ``root`` (the root path, ``/aidmap`` behind a proxy's path)
    starts the static files' URLs and the page scripts' requests."""
    strings = STRINGS[lang]
    config = {
        "root": root,
        "lang": lang,
        "strings": strings,
        "basemaps": basemaps(settings),
        "view": view,
        "share_code": share_code,
        "embed": embed,
    }
    return TEMPLATES.get_template("map.html").render(
        t=strings,
        lang=lang,
        embed=embed,
        config=config,
        title=clean_text(title or strings["title"]),
        description=clean_text(description or strings["description"]),
        url=url,
        image=image,
        root=root,
        own=OWN_URL,
        modules=module_graph(ENTRY),
        vendor=VENDOR_URLS,
    )
