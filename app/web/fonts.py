"""The share images' font: a CJK font of the system where one is installed (Debian's
``fonts-wqy-microhei``, or Noto Sans CJK; ``AIDMAP_IMAGE_FONTS`` names others, or none),
so that a Chinese share's images speak Chinese; Pillow's built-in font (Latin only)
otherwise, and the images then speak English."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
"""Where Debian (fonts-wqy-microhei, fonts-wqy-zenhei, fonts-noto-cjk) and other
distributions put their CJK fonts."""


@dataclass(frozen=True, slots=True)
class Fonts:
    """The font file images are drawn with: a CJK one, or None for Pillow's own."""

    path: str | None

    @property
    def cjk(self) -> bool:
        """Whether the font has Chinese glyphs (else images are drawn in English)."""
        return self.path is not None

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        """The font at ``size`` pixels."""
        return _face(self.path, size)


@lru_cache(maxsize=64)
def _face(path: str | None, size: int) -> ImageFont.FreeTypeFont:
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=8)
def _first_file(candidates: tuple[str, ...]) -> str | None:
    return next((path for path in candidates if Path(path).is_file()), None)


def find_fonts(candidates: Sequence[str] | None = None) -> Fonts:
    """The first of ``candidates`` (``AIDMAP_IMAGE_FONTS``; None: ``CJK_FONTS``) that is
    a file; Pillow's font when none is (an empty list: none wanted)."""
    return Fonts(_first_file(tuple(CJK_FONTS if candidates is None else candidates)))
