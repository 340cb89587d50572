"""A share's map drawn from our own data, no tiles: the map part of the preview image and
of the poster.

District outlines and hospitals are projected to Web Mercator around the share's centre
and zoom (or around the whole city when the view shows more than it; around the origin
and the listed hospitals for a nearest share, so what is listed is in the picture);
hospitals are dots coloured by their state for the share's service, the listed ones
numbered in the order they are listed. Drawn at twice the size and scaled down for
smooth edges. The same data give the same pixels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from PIL import Image, ImageDraw
from shapely.geometry import shape

from app.domain.enums import Level
from app.domain.layers import Area
from app.domain.records import ResourceView
from app.domain.statuses import IntakeStatus, State
from app.services.freshness import checked_at, is_stale
from app.services.nearest_answer import NearestAnswer
from app.services.sharing import ShareView
from app.storage.port import Store
from app.web.fonts import Fonts

SUPERSAMPLE = 2
TILE = 256
MAX_LAT = 85.05112878
CITY_MARGIN = 0.06
"""Share of the map left empty around the city when it is shown whole."""
DOT_MARGIN = 40
"""Pixels (of the drawn frame) outside the image where a hospital's dot may still show."""
MAX_DOTS = 5000
"""Hospitals read for one image: the cost of a map stays that of 5,000 dots, however
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
FIT_MAX_ZOOM = 16
FIT_MARGIN = 0.12
"""Share of the image left around the origin and the listed hospitals."""


@dataclass(frozen=True, slots=True)
class Marks:
    """What to point out on the map besides the hospitals."""

    origin: tuple[float, float] | None = None
    selected: int | None = None
    listed: tuple[int, ...] = ()
    """Hospitals listed beside the map, in their order (numbered on it)."""
    fit: tuple[float, float, float, float] | None = None
    """(west, south, east, north) degrees to show whole instead of the view's window."""


def marks_for(view: ShareView, found: NearestAnswer | None, listed: int | None = None) -> Marks:
    """The marks of a share: for a nearest share its origin and its first ``listed``
    hospitals (all by default), framed together."""
    if found is None:
        return Marks(selected=view.resource_id)
    hits = found.hits[:listed]
    points = [(found.origin.lon, found.origin.lat)]
    points += [(hit.view.resource.lon, hit.view.resource.lat) for hit in hits]
    lons, lats = zip(*points, strict=True)
    return Marks(
        origin=(found.origin.lon, found.origin.lat),
        selected=view.resource_id,
        listed=tuple(hit.view.resource.id for hit in hits),
        fit=(min(lons), min(lats), max(lons), max(lats)),
    )


@dataclass(frozen=True, slots=True)
class Frame:
    """A Web Mercator window: world pixels at ``zoom`` with (cx, cy) at the image centre."""

    zoom: float
    cx: float
    cy: float
    width: int
    height: int

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

    def scaled(self, factor: int) -> Frame:
        """The same window ``factor`` times as many pixels across."""
        return Frame(self.zoom + math.log2(factor), self.cx * factor, self.cy * factor,
                     self.width * factor, self.height * factor)  # fmt: skip


def _world(lon: np.ndarray, lat: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    size = TILE * 2**zoom
    phi = np.radians(np.clip(lat, -MAX_LAT, MAX_LAT))
    y = (1 - np.log(np.tan(phi) + 1 / np.cos(phi)) / math.pi) / 2 * size
    return (lon + 180) / 360 * size, y


def frame_for(
    view: ShareView,
    city: tuple[float, float, float, float] | None,
    size: tuple[int, int],
    fit: tuple[float, float, float, float] | None = None,
    zoom_offset: float = 0.0,
    max_zoom: float | None = None,
) -> Frame:
    """The view's window (at its zoom plus ``zoom_offset``: an image whose pixels are a
    phone's, not the page's CSS pixels, shows the same ground one level closer), or the
    whole city's when the view would show more than it, or the window that holds ``fit``
    whole; never closer than ``max_zoom`` (None: a fit no closer than ``FIT_MAX_ZOOM``,
    the view as it was)."""
    width, height = size
    if fit is not None:
        (x0, x1), (y1, y0) = _world(np.array(fit[0::2]), np.array(fit[1::2]), 0)
        room = 1 - 2 * FIT_MARGIN
        span_x, span_y = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
        most = FIT_MAX_ZOOM if max_zoom is None else max_zoom
        zoom = min(math.log2(min(width * room / span_x, height * room / span_y)), most)
        scale = 2**zoom
        return Frame(zoom, (x0 + x1) / 2 * scale, (y0 + y1) / 2 * scale, width, height)
    zoom = view.zoom + zoom_offset if max_zoom is None else min(view.zoom + zoom_offset, max_zoom)
    if city is not None:
        (x0, x1), (y1, y0) = _world(np.array(city[0::2]), np.array(city[1::2]), 0)
        whole = math.log2(min(width / (x1 - x0), height / (y1 - y0)) * (1 - 2 * CITY_MARGIN))
        if zoom < whole:
            scale = 2**whole
            return Frame(whole, (x0 + x1) / 2 * scale, (y0 + y1) / 2 * scale, width, height)
    lon, lat = view.center
    cx, cy = _world(np.array(lon), np.array(lat), zoom)
    return Frame(float(zoom), float(cx), float(cy), width, height)


def draw_map(
    store: Store, view: ShareView, marks: Marks, now: datetime, ttl_hours: float,
    size: tuple[int, int], fonts: Fonts, *, dot_scale: float = 1.0, zoom_offset: float = 0.0,
    max_zoom: float | None = None,
) -> Image.Image:  # fmt: skip
    """The map of ``size`` pixels; dots and numbers ``dot_scale`` times the preview's
    (``frame_for`` says what ``zoom_offset`` and ``max_zoom`` do)."""
    outlines = [shape(geometry) for geometry in store.boundaries(Level.district).values()]
    city = shapely.total_bounds(outlines) if outlines else None
    city = tuple(city) if city is not None else None
    big = frame_for(view, city, size, marks.fit, zoom_offset, max_zoom).scaled(SUPERSAMPLE)
    image = Image.new("RGB", (big.width, big.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _draw_outlines(draw, big, outlines)
    hospitals = _hospitals_in(store, big, marks)
    s = SUPERSAMPLE * dot_scale
    if marks.origin is not None:  # under the hospitals: a listed one's number stays readable
        x, y = big.project(*marks.origin)
        draw_dot(draw, float(x), float(y), 13 * s, ORIGIN, WHITE, 4 * s)
    _draw_hospitals(draw, big, hospitals, view.chosen_service, marks, now, ttl_hours, s, fonts)
    return image.reduce(SUPERSAMPLE)  # a box average: smooth edges, fast


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
    service: str | None, marks: Marks, now: datetime, ttl_hours: float, s: float, fonts: Fonts,
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
        state = shown_state(view.statuses.get(service), now, ttl_hours) if service else None
        rank = DRAW_ORDER.index(state) if state else 0
        rid = view.resource.id
        emphasis = 2 if rid == marks.selected else 1 if rid in listed else 0
        dots.append((emphasis, rank, rid, px, py, state))
    numbers = {rid: n for n, rid in enumerate(marks.listed, start=1)}
    digits = fonts.at(round(17 * s))
    for emphasis, _rank, rid, px, py, state in sorted(dots):
        colour = STATE_COLOURS[state] if state else NO_SERVICE
        if emphasis == 2:
            draw_dot(draw, px, py, 16 * s, colour, INK, 4 * s)
        elif emphasis == 1:
            draw_dot(draw, px, py, 14 * s, colour, INK, 3 * s)
        else:
            draw_dot(draw, px, py, 8 * s, colour, WHITE, 2 * s)
        if rid in numbers:
            draw.text((px, py), str(numbers[rid]), fill=WHITE, font=digits, anchor="mm")


def shown_state(status: IntakeStatus | None, now: datetime, ttl_hours: float) -> State:
    """The colour-giving state: unknown for a status never reported or gone stale."""
    if status is None or is_stale(checked_at(status), now, ttl_hours):
        return State.unknown
    return status.state


def draw_dot(draw, x: float, y: float, radius: float, fill, ring, ring_width: float) -> None:
    """A disc of ``fill`` in a ring of ``ring``, centred on (x, y)."""
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ring)
    inner = radius - ring_width
    draw.ellipse((x - inner, y - inner, x + inner, y + inner), fill=fill)
