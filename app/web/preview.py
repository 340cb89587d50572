"""The Open Graph image of a share: a 1200×630 PNG drawn from our own data, no tiles.

District outlines and hospitals are projected to Web Mercator around the share's centre
and zoom (or around the whole city when the view shows more than it; around the origin
and the listed hospitals for a nearest share, so what the card lists is in the picture);
hospitals are dots coloured by their state for the share's service, the listed ones
numbered as the card numbers them. The legend and caption speak the share's language
where a CJK font is installed (``fonts``). Drawn at twice the size and scaled down for
smooth edges. The same data give the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from PIL import Image, ImageDraw
from shapely.geometry import shape

from app.core.text import clean_text
from app.domain.enums import Level
from app.domain.layers import Area
from app.domain.records import ResourceView
from app.domain.statuses import IntakeStatus, State
from app.services.freshness import checked_at, is_stale
from app.services.sharing import ShareView
from app.storage.port import Store
from app.web.fonts import font

WIDTH, HEIGHT, FOOTER = 1200, 630, 44
SUPERSAMPLE = 2
TILE = 256
MAX_LAT = 85.05112878
CITY_MARGIN = 0.06
"""Share of the map left empty around the city when it is shown whole."""
DOT_MARGIN = 40
"""Pixels (of the drawn frame) outside the image where a hospital's dot may still show."""
MAX_DOTS = 5000
"""Hospitals read for one image: the cost of a preview stays that of 5,000 dots, however
many hospitals the view holds."""

BACKGROUND = (226, 232, 238)
LAND = (250, 249, 245)
OUTLINE = (148, 160, 176)
INK = (30, 41, 59)
ORIGIN = (37, 99, 235)
WHITE = (255, 255, 255)
STATE_COLOURS = {
    State.open: (22, 163, 74),
    State.limited: (217, 145, 11),
    State.closed: (220, 38, 38),
    State.unknown: (148, 155, 166),
}
NO_SERVICE = (71, 85, 105)
"""Hospitals when the share names no service: one neutral colour, no state claimed."""
DRAW_ORDER = (State.unknown, State.closed, State.limited, State.open)
"""Open hospitals last, so that they stay visible where dots overlap."""
LEGEND = {
    "zh": {State.open: "可接诊", State.limited: "有条件", State.closed: "暂停",
           State.unknown: "未知/过期"},
    "en": {State.open: "open", State.limited: "limited", State.closed: "closed",
           State.unknown: "unknown/stale"},
}  # fmt: skip
FIT_MAX_ZOOM = 16
FIT_MARGIN = 0.12
"""Share of the image left around the origin and the listed hospitals."""


@dataclass(frozen=True, slots=True)
class Marks:
    """What to point out on the image besides the hospitals."""

    origin: tuple[float, float] | None = None
    selected: int | None = None
    listed: tuple[int, ...] = ()
    """Hospitals the card lists, in its order (numbered on the image)."""
    fit: tuple[float, float, float, float] | None = None
    """(west, south, east, north) degrees to show whole instead of the view's window."""
    caption: str = ""
    lang: str = "en"


def legend_words(lang: str) -> tuple[dict[State, str], bool]:
    """The legend's labels in the share's language where the font can draw it (else in
    English), and whether that font has Chinese glyphs."""
    _, cjk = font(20)
    return LEGEND["zh" if lang == "zh" and cjk else "en"], cjk


@dataclass(frozen=True, slots=True)
class Frame:
    """A Web Mercator window: world pixels at ``zoom`` with (cx, cy) at the image centre."""

    zoom: float
    cx: float
    cy: float
    width: int = WIDTH
    height: int = HEIGHT - FOOTER

    def project(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Image pixels of WGS-84 lon/lat degrees (arrays or numbers)."""
        x, y = _world(np.asarray(lon, float), np.asarray(lat, float), self.zoom)
        return x - self.cx + self.width / 2, y - self.cy + self.height / 2

    def bbox(self, pad_px: float) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees of the image, ``pad_px`` pixels wider."""
        size = TILE * 2**self.zoom
        west, east = (self.cx - self.width / 2 - pad_px, self.cx + self.width / 2 + pad_px)
        north, south = (self.cy - self.height / 2 - pad_px, self.cy + self.height / 2 + pad_px)

        def lat(y: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / size))))

        return west / size * 360 - 180, lat(south), east / size * 360 - 180, lat(north)


def _world(lon: np.ndarray, lat: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    size = TILE * 2**zoom
    phi = np.radians(np.clip(lat, -MAX_LAT, MAX_LAT))
    y = (1 - np.log(np.tan(phi) + 1 / np.cos(phi)) / math.pi) / 2 * size
    return (lon + 180) / 360 * size, y


def frame_for(
    view: ShareView,
    city: tuple[float, float, float, float] | None,
    fit: tuple[float, float, float, float] | None = None,
) -> Frame:
    """The view's window, or the whole city's when the view would show more than it, or
    the window that holds ``fit`` whole."""
    height = HEIGHT - FOOTER
    if fit is not None:
        (x0, x1), (y1, y0) = _world(np.array(fit[0::2]), np.array(fit[1::2]), 0)
        room = 1 - 2 * FIT_MARGIN
        span_x, span_y = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
        zoom = min(math.log2(min(WIDTH * room / span_x, height * room / span_y)), FIT_MAX_ZOOM)
        scale = 2**zoom
        return Frame(zoom, (x0 + x1) / 2 * scale, (y0 + y1) / 2 * scale)
    if city is not None:
        (x0, x1), (y1, y0) = _world(np.array(city[0::2]), np.array(city[1::2]), 0)
        fit = math.log2(min(WIDTH / (x1 - x0), height / (y1 - y0)) * (1 - 2 * CITY_MARGIN))
        if view.zoom < fit:
            scale = 2**fit
            return Frame(fit, (x0 + x1) / 2 * scale, (y0 + y1) / 2 * scale)
    lon, lat = view.center
    cx, cy = _world(np.array(lon), np.array(lat), view.zoom)
    return Frame(float(view.zoom), float(cx), float(cy))


def render_preview(
    store: Store, view: ShareView, marks: Marks, now: datetime, ttl_hours: float
) -> bytes:
    """The share's preview image as PNG bytes."""
    outlines = [shape(geometry) for geometry in store.boundaries(Level.district).values()]
    city = shapely.total_bounds(outlines) if outlines else None
    frame = frame_for(view, tuple(city) if city is not None else None, marks.fit)
    big = Frame(frame.zoom + math.log2(SUPERSAMPLE), frame.cx * SUPERSAMPLE,
                frame.cy * SUPERSAMPLE, frame.width * SUPERSAMPLE,
                frame.height * SUPERSAMPLE)  # fmt: skip
    image = Image.new("RGB", (big.width, big.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _draw_outlines(draw, big, outlines)
    hospitals = _hospitals_in(store, big, marks)
    service = view.chosen_service
    _draw_hospitals(draw, big, hospitals, service, marks, now, ttl_hours)
    if marks.origin is not None:
        x, y = big.project(*marks.origin)
        _dot(draw, float(x), float(y), 13 * SUPERSAMPLE, ORIGIN, WHITE, 4 * SUPERSAMPLE)
    map_part = image.reduce(SUPERSAMPLE)  # a box average: smooth edges, fast
    canvas = Image.new("RGB", (WIDTH, HEIGHT), INK)
    canvas.paste(map_part, (0, 0))
    _draw_footer(ImageDraw.Draw(canvas), marks.caption, service is not None, marks.lang)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _hospitals_in(store: Store, frame: Frame, marks: Marks) -> list[ResourceView]:
    """The hospitals the image can show: at most ``MAX_DOTS`` in its frame (the first by
    id: a frame holding more is covered by dots anyway), and the marked ones."""
    area = Area(bbox=frame.bbox(pad_px=DOT_MARGIN))
    _, shown = store.resources_in("hospital", area, MAX_DOTS, 0, count=False)
    marked = {marks.selected, *marks.listed} - {None} - {v.resource.id for v in shown}
    if marked:
        shown += store.view_resources(ids=sorted(marked), limit=len(marked))
    return shown


def _draw_outlines(draw: ImageDraw.ImageDraw, frame: Frame, outlines: Sequence) -> None:
    clip = frame.bbox(pad_px=20)
    rings = []
    for outline in outlines:
        visible = shapely.clip_by_rect(outline, *clip)
        for polygon in getattr(visible, "geoms", [visible]):
            if polygon.is_empty or polygon.geom_type != "Polygon":
                continue
            rings.append(_points(frame, polygon.exterior.coords))
            rings.extend(_points(frame, ring.coords) for ring in polygon.interiors)
    for ring in rings:
        if len(ring) >= 3:
            draw.polygon(ring, fill=LAND)
    for ring in rings:
        if len(ring) >= 2:
            draw.line([*ring, ring[0]], fill=OUTLINE, width=2 * SUPERSAMPLE, joint="curve")


def _points(frame: Frame, coords: Iterable) -> list[tuple[float, float]]:
    xy = np.asarray(coords, float)
    x, y = frame.project(xy[:, 0], xy[:, 1])
    return list(zip(x.tolist(), y.tolist(), strict=True))


def _draw_hospitals(
    draw: ImageDraw.ImageDraw, frame: Frame, hospitals: list[ResourceView],
    service: str | None, marks: Marks, now: datetime, ttl_hours: float,
) -> None:  # fmt: skip
    if not hospitals:
        return
    x, y = frame.project([h.resource.lon for h in hospitals], [h.resource.lat for h in hospitals])
    m = DOT_MARGIN
    inside = (x > -m) & (x < frame.width + m) & (y > -m) & (y < frame.height + m)
    dots, listed = [], set(marks.listed)
    for view, px, py, seen in zip(hospitals, x.tolist(), y.tolist(), inside.tolist(), strict=True):
        if not seen:
            continue
        state = _state(view.statuses.get(service), now, ttl_hours) if service else None
        rank = DRAW_ORDER.index(state) if state else 0
        rid = view.resource.id
        emphasis = 2 if rid == marks.selected else 1 if rid in listed else 0
        dots.append((emphasis, rank, rid, px, py, state))
    s = SUPERSAMPLE
    numbers = {rid: n for n, rid in enumerate(marks.listed, start=1)}
    digits, _ = font(17 * s)
    for emphasis, _rank, rid, px, py, state in sorted(dots):
        colour = STATE_COLOURS[state] if state else NO_SERVICE
        if emphasis == 2:
            _dot(draw, px, py, 16 * s, colour, INK, 4 * s)
        elif emphasis == 1:
            _dot(draw, px, py, 14 * s, colour, INK, 3 * s)
        else:
            _dot(draw, px, py, 8 * s, colour, WHITE, 2 * s)
        if rid in numbers:
            draw.text((px, py), str(numbers[rid]), fill=WHITE, font=digits, anchor="mm")


def _state(status: IntakeStatus | None, now: datetime, ttl_hours: float) -> State:
    """The colour-giving state: unknown for a status never reported or gone stale."""
    if status is None or is_stale(checked_at(status), now, ttl_hours):
        return State.unknown
    return status.state


def _dot(draw, x: float, y: float, radius: float, fill, ring, ring_width: float) -> None:
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ring)
    inner = radius - ring_width
    draw.ellipse((x - inner, y - inner, x + inner, y + inner), fill=fill)


def _draw_footer(draw: ImageDraw.ImageDraw, caption: str, legend: bool, lang: str) -> None:
    """The caption (the link, the place) and, with a service, the colour legend, in the
    share's language where the font has its glyphs (invisible and direction characters
    dropped first; without a CJK font, ASCII only)."""
    words, cjk = legend_words(lang)
    face, _ = font(20)
    top = HEIGHT - FOOTER
    middle = top + FOOTER / 2
    text = clean_text(caption)
    if not cjk:
        text = text.encode("ascii", "replace").decode()
    draw.text((20, middle), text, fill=WHITE, font=face, anchor="lm")
    if not legend:
        return
    x = WIDTH - 20
    for state in DRAW_ORDER:  # right to left: reads open, limited, closed, unknown
        label = words[state]
        x -= draw.textlength(label, font=face)
        draw.text((x, middle), label, fill=WHITE, font=face, anchor="lm")
        x -= 18
        _dot(draw, x, middle, 8, STATE_COLOURS[state], WHITE, 2)
        x -= 24
