"""A share as a tall poster (1080×2340 PNG) to forward in a chat and read full screen.

From the top: the title and what the share is about; the share's map (``map_image``)
with its legend; for a nearest share the hospitals ``/api/v1/nearest`` answers now, each
with its distance, state, how long ago it was checked and its phones (for a hospital's
share, that hospital); when it was made; the QR code of the live link. The map takes the
height the list leaves, never less than ``MAP_MIN``: a list too long for that ends with
how many more the link shows. Words come from ``poster_rows``; the layout is here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from app.domain.records import Share
from app.services.nearest import NearestFinder
from app.services.nearest_answer import NearestAnswer
from app.services.share_card import share_answer
from app.services.share_place import Places
from app.services.sharing import ShareView, view_of
from app.storage.port import Store
from app.web.fonts import Fonts
from app.web.map_image import (
    DRAW_ORDER,
    INK,
    NO_SERVICE,
    ORIGIN,
    STATE_COLOURS,
    WHITE,
    draw_dot,
    draw_map,
    marks_for,
)
from app.web.poster_rows import PosterRow, PosterText, poster_text
from app.web.preview import LEGEND, image_lang
from app.web.qr import qr_image
from app.web.text_wrap import wrap

WIDTH, HEIGHT = 1080, 2340
"""A 19.5:9 phone screen's pixels (decisions.md): full width, full height, no zooming."""
MARGIN = 48
MAP_MIN = 480
HEADER_BOTTOM_PAD, LEGEND_HEIGHT, FOOTER_HEIGHT = 36, 76, 440
QR_MAX = 380
DOT_SCALE = 1.6
ZOOM_OFFSET, MAX_ZOOM = 1.0, 15.0
"""The poster's pixels are a phone's, about twice the page's CSS pixels: one zoom level
closer shows the ground the shared page showed; no closer than 15, where a map of our
outlines without tiles still shows the hospitals around (landmarks to find one by)."""
SHANGHAI = ZoneInfo("Asia/Shanghai")

PAPER = (248, 250, 252)
MUTED = (100, 116, 139)
LIGHT = (203, 213, 225)
RULE = (226, 232, 240)
WORDS = {
    "zh": {"more": "还有 {n} 家，扫码查看", "scan": "扫码打开实时地图",
           "made": "制作于 {month}月{day}日 {clock}（北京时间）", "origin": "查找位置",
           "phone": "电话 ", "no_phone": "无电话", "contacts": "街道/居委会电话：",
           "call": "状态会变，出发前请先打电话确认。"},
    "en": {"more": "{n} more: scan the code", "scan": "Scan for the live map",
           "made": "Made {day} {mon} {year}, {clock} (Shanghai time)", "origin": "search point",
           "phone": "Tel ", "no_phone": "no phone", "contacts": "Street office / committee:",
           "call": "Statuses change: call before you go."},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Poster:
    """A drawn poster and the hospitals it lists (in its order)."""

    png: bytes
    rows: list[PosterRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    size: int
    colour: tuple[int, int, int]
    gap: int = 8
    """Pixels below the line."""


def share_poster(
    share: Share, store: Store, finder: NearestFinder, places: Places, now: datetime,
    ttl_hours: float, link: str, fonts: Fonts,
) -> Poster:  # fmt: skip
    """The poster of a stored share as of ``now``: a nearest share lists what
    ``/api/v1/nearest`` answers now for its kept position."""
    view = view_of(share)
    found = share_answer(view, finder, places, now, ttl_hours)
    return render_poster(store, view, found, link, now, ttl_hours, fonts)


def render_poster(
    store: Store, view: ShareView, found: NearestAnswer | None, link: str, now: datetime,
    ttl_hours: float, fonts: Fonts,
) -> Poster:  # fmt: skip
    """The share's poster: ``found`` is its nearest answer now (None for another view),
    ``link`` the live short link its QR code holds."""
    lang = image_lang(view.lang or "zh", fonts)
    text = poster_text(view, found, store, lang, fonts, now, ttl_hours)
    header = _header_lines(text, fonts)
    header_height = MARGIN + sum(_height(line, fonts) for line in header) + HEADER_BOTTOM_PAD
    room = HEIGHT - header_height - LEGEND_HEIGHT - FOOTER_HEIGHT - MAP_MIN
    blocks, shown = _list_blocks(text, fonts, room)
    list_height = sum(_block_height(block, fonts) for block in blocks)
    map_height = HEIGHT - header_height - LEGEND_HEIGHT - FOOTER_HEIGHT - list_height

    canvas = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, WIDTH, header_height), fill=INK)
    _draw_lines(draw, header, MARGIN, MARGIN, fonts)
    listed = tuple(row.resource_id for row in shown)  # numbered on the map as in the list
    marks = replace(marks_for(view, found, len(shown)), listed=listed)
    map_part = draw_map(
        store, view, marks, now, ttl_hours, (WIDTH, map_height), fonts,
        dot_scale=DOT_SCALE, zoom_offset=ZOOM_OFFSET, max_zoom=MAX_ZOOM,
    )  # fmt: skip
    canvas.paste(map_part, (0, header_height))
    top = header_height + map_height
    _draw_legend(draw, top, view.chosen_service is not None, found is not None, lang, fonts)
    top += LEGEND_HEIGHT
    for block in blocks:
        top = _draw_block(draw, block, top, fonts)
    _draw_footer(canvas, draw, link, now, lang, fonts)
    out = io.BytesIO()
    canvas.save(out, format="PNG", compress_level=3)
    return Poster(out.getvalue(), shown)


def _wrapped(
    text: str, size: int, colour: tuple[int, int, int], width: int, max_lines: int,
    fonts: Fonts, gap: int = 8,
) -> list[_Line]:  # fmt: skip
    """``text`` in lines of ``size`` pixels, cut with an ellipsis the font can draw."""
    ellipsis = "…" if fonts.cjk else "..."
    lines = wrap(text, fonts.at(size), width, max_lines, ellipsis)
    return [_Line(line, size, colour, gap) for line in lines]


def _header_lines(text: PosterText, fonts: Fonts) -> list[_Line]:
    width = WIDTH - 2 * MARGIN
    title = _wrapped(text.title, 60, WHITE, width, 2, fonts, gap=12)
    return title + _wrapped(text.subtitle, 42, LIGHT, width, 2, fonts)


def _height(line: _Line, fonts: Fonts) -> int:
    ascent, descent = fonts.at(line.size).getmetrics()
    return ascent + descent + line.gap


def _draw_lines(draw: ImageDraw.ImageDraw, lines: list[_Line], x: int, y: int, fonts: Fonts) -> int:
    """Draws ``lines`` from (x, y) down; returns the y below them."""
    for line in lines:
        draw.text((x, y), line.text, fill=line.colour, font=fonts.at(line.size))
        y += _height(line, fonts)
    return y


@dataclass(frozen=True, slots=True)
class _Block:
    """A part of the list: lines beside a numbered disc (a hospital), or lines alone."""

    lines: list[_Line]
    number: int | None = None
    colour: tuple[int, int, int] = NO_SERVICE
    pad: int = 24


def _block_height(block: _Block, fonts: Fonts) -> int:
    return block.pad + sum(_height(line, fonts) for line in block.lines) + block.pad


def _list_blocks(text: PosterText, fonts: Fonts, room: int) -> tuple[list[_Block], list[PosterRow]]:
    """The list's blocks that fit in ``room`` pixels, and the rows among them."""
    width, words = WIDTH - 2 * MARGIN, WORDS[text.lang]
    blocks = []
    if text.heading:
        blocks.append(_Block(_wrapped(text.heading, 36, MUTED, width, 3, fonts), pad=16))
    rows = [_row_block(n, row, fonts, words) for n, row in enumerate(text.rows, 1)]
    tail = []
    if text.contacts:
        lines = [_Line(words["contacts"], 36, MUTED)]
        for contact in text.contacts:
            lines += _wrapped(contact, 36, INK, width, 2, fonts)
        tail.append(_Block(lines, pad=16))
    if text.rows or text.heading:
        tail.append(_Block([_Line(words["call"], 34, MUTED)], pad=16))

    def more(count: int) -> _Block:  # "3 more: scan the code", where rows did not fit
        return _Block([_Line(words["more"].format(n=count), 36, ORIGIN)], pad=16)

    used, shown = sum(_block_height(b, fonts) for b in [*blocks, *tail]), 0
    for block in rows:
        left = len(rows) - shown - 1
        need = _block_height(block, fonts) + (_block_height(more(left), fonts) if left else 0)
        if used + need > room:
            break
        used += _block_height(block, fonts)
        shown += 1
    blocks += rows[:shown]
    if shown < len(rows):
        blocks.append(more(len(rows) - shown))
    return blocks + tail, text.rows[:shown]


def _row_block(number: int, row: PosterRow, fonts: Fonts, words: dict) -> _Block:
    width = WIDTH - 2 * MARGIN - 84
    lines = _wrapped(row.name, 46, INK, width, 2, fonts, gap=6)
    if row.name_zh:
        lines += _wrapped(row.name_zh, 32, MUTED, width, 1, fonts)
    no_phone = None if row.phones else words["no_phone"]  # on the same line: a shorter row
    facts = " · ".join(filter(None, [row.distance, row.status, no_phone]))
    lines += _wrapped(facts, 36, INK, width, 2, fonts)
    if row.phones:
        lines += _wrapped(words["phone"] + " / ".join(row.phones), 40, ORIGIN, width, 2, fonts)
    return _Block(lines, number, STATE_COLOURS[row.state] if row.state else NO_SERVICE)


def _draw_block(draw: ImageDraw.ImageDraw, block: _Block, top: int, fonts: Fonts) -> int:
    """Draws a block from ``top``; returns the y below it."""
    x = MARGIN
    if block.number is not None:
        radius = 30
        cy = top + block.pad + radius
        draw_dot(draw, MARGIN + radius, cy, radius, block.colour, INK, 4)
        draw.text((MARGIN + radius, cy), str(block.number), fill=WHITE, font=fonts.at(34),
                  anchor="mm")  # fmt: skip
        x += 84
    bottom = _draw_lines(draw, block.lines, x, top + block.pad, fonts) + block.pad
    if block.number is not None:
        draw.line((MARGIN, bottom - 1, WIDTH - MARGIN, bottom - 1), fill=RULE, width=2)
    return bottom


def _draw_legend(
    draw: ImageDraw.ImageDraw, top: int, service: bool, origin: bool, lang: str, fonts: Fonts
) -> None:
    """The colour keys under the map: the states (with a service) and the search point."""
    draw.rectangle((0, top, WIDTH, top + LEGEND_HEIGHT), fill=PAPER)
    draw.line((0, top, WIDTH, top), fill=RULE, width=2)
    keys = [(STATE_COLOURS[s], LEGEND[lang][s]) for s in reversed(DRAW_ORDER)] if service else []
    if origin:
        keys.append((ORIGIN, WORDS[lang]["origin"]))
    face, x, middle = fonts.at(32), MARGIN, top + LEGEND_HEIGHT / 2
    for colour, label in keys:
        draw_dot(draw, x + 13, middle, 13, colour, WHITE, 3)
        draw.text((x + 34, middle), label, fill=INK, font=face, anchor="lm")
        x += 34 + draw.textlength(label, font=face) + 36


def _draw_footer(
    canvas: Image.Image, draw: ImageDraw.ImageDraw, link: str, now: datetime, lang: str,
    fonts: Fonts,
) -> None:  # fmt: skip
    """The QR code of the live link beside what it is, the link, and when this was made."""
    top = HEIGHT - FOOTER_HEIGHT
    draw.rectangle((0, top, WIDTH, HEIGHT), fill=PAPER)
    draw.line((0, top, WIDTH, top), fill=RULE, width=2)
    code = qr_image(link, QR_MAX)
    canvas.paste(code, (MARGIN - 8, top + (FOOTER_HEIGHT - code.height) // 2))
    x = MARGIN + code.width + 24
    width, words = WIDTH - x - MARGIN, WORDS[lang]
    local = now.astimezone(SHANGHAI)
    made = words["made"].format(month=local.month, day=local.day, mon=f"{local:%b}",
                                year=local.year, clock=f"{local:%H:%M}")  # fmt: skip
    lines = _wrapped(words["scan"], 44, INK, width, 2, fonts, gap=20)
    lines += _wrapped(link, 34, ORIGIN, width, 3, fonts)
    lines += _wrapped(made, 30, MUTED, width, 2, fonts)
    height = sum(_height(line, fonts) for line in lines)
    _draw_lines(draw, lines, x, top + (FOOTER_HEIGHT - height) // 2, fonts)
