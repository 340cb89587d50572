"""QR codes of share links, as PNG and SVG (segno: pure Python), and as an image to draw
into a poster."""

from __future__ import annotations

import io

import segno
from PIL import Image

SCALE = 8
"""Pixels per module in the PNG: a version-3 code (a typical link) is 37 modules, ~300 px."""
BORDER = 4
"""Quiet zone in modules, as the QR standard asks."""


def _code(url: str) -> segno.QRCode:
    return segno.make_qr(url, error="m")


def qr_png(url: str) -> bytes:
    """The link as a black-on-white QR code PNG (error correction M, 15 %)."""
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()


def qr_svg(url: str) -> bytes:
    """The link as a QR code SVG that scales without blurring."""
    out = io.BytesIO()
    _code(url).save(out, kind="svg", scale=SCALE, border=BORDER, title=url)
    return out.getvalue()


def qr_image(url: str, max_px: int) -> Image.Image:
    """The link as a black-on-white QR code with its quiet zone, in whole pixels a module
    (a scanner reads sharp modules best), as large as fits in ``max_px`` square."""
    rows = list(_code(url).matrix_iter(scale=1, border=BORDER))
    modules = len(rows)
    image = Image.new("L", (modules, modules), 255)
    image.putdata([0 if dark else 255 for row in rows for dark in row])
    size = max_px // modules * modules
    return image.resize((size, size), Image.Resampling.NEAREST)
