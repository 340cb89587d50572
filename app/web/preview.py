"""The Open Graph image of a share: a 1200×630 PNG, the share's map (``map_image``) over
a footer with the caption (the link, the place) and, with a service, the colour legend.
The footer speaks the share's language where a CJK font is installed (``fonts``), else
English. The same data give the same bytes.
"""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image, ImageDraw

from app.core.text import clean_text
from app.domain.statuses import State
from app.services.sharing import ShareView
from app.storage.port import Store
from app.web.fonts import Fonts
from app.web.map_image import DRAW_ORDER, INK, STATE_COLOURS, WHITE, Marks, draw_dot, draw_map

WIDTH, HEIGHT, FOOTER = 1200, 630, 44
LEGEND = {
    "zh": {State.open: "可接诊", State.limited: "有条件", State.closed: "暂停",
           State.unknown: "未知/过期"},
    "en": {State.open: "open", State.limited: "limited", State.closed: "closed",
           State.unknown: "unknown/stale"},
}  # fmt: skip


def image_lang(lang: str, fonts: Fonts) -> str:
    """The language an image can speak: the share's where the font has its glyphs, else
    English."""
    return "zh" if lang == "zh" and fonts.cjk else "en"


def render_preview(
    store: Store, view: ShareView, marks: Marks, caption: str, now: datetime,
    ttl_hours: float, fonts: Fonts,
) -> bytes:  # fmt: skip
    """The share's preview image as PNG bytes."""
    map_part = draw_map(store, view, marks, now, ttl_hours, (WIDTH, HEIGHT - FOOTER), fonts)
    canvas = Image.new("RGB", (WIDTH, HEIGHT), INK)
    canvas.paste(map_part, (0, 0))
    lang = image_lang(view.lang or "zh", fonts)
    _draw_footer(ImageDraw.Draw(canvas), caption, view.chosen_service is not None, lang, fonts)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _draw_footer(
    draw: ImageDraw.ImageDraw, caption: str, legend: bool, lang: str, fonts: Fonts
) -> None:
    """The caption and, with a service, the colour legend (invisible and direction
    characters dropped first; without a CJK font, ASCII only)."""
    face = fonts.at(20)
    middle = HEIGHT - FOOTER / 2
    text = clean_text(caption)
    if not fonts.cjk:
        text = text.encode("ascii", "replace").decode()
    draw.text((20, middle), text, fill=WHITE, font=face, anchor="lm")
    if not legend:
        return
    x = WIDTH - 20
    for state in DRAW_ORDER:  # right to left: reads open, limited, closed, unknown
        label = LEGEND[lang][state]
        x -= draw.textlength(label, font=face)
        draw.text((x, middle), label, fill=WHITE, font=face, anchor="lm")
        x -= 18
        draw_dot(draw, x, middle, 8, STATE_COLOURS[state], WHITE, 2)
        x -= 24
