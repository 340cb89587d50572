"""The preview image's font: a CJK font of the system where one is installed (Debian's
``fonts-wqy-microhei``, or Noto CJK), so that a Chinese share's image speaks Chinese;
Pillow's built-in font (ASCII only) otherwise, and the image then speaks English."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """The first CJK font installed, or None."""
    return next((path for path in CJK_FONTS if Path(path).is_file()), None)


@lru_cache(maxsize=8)
def font(size: int) -> tuple[ImageFont.FreeTypeFont, bool]:
    """A font of ``size`` pixels, and whether it has Chinese glyphs."""
    path = cjk_font_path()
    if path is not None:
        return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size=size), False
