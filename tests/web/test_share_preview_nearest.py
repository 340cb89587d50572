"""A nearest share's preview image (issue 14): the hospitals the card lists are drawn,
numbered, in the frame (a fallback too, not a blank map with one dot), and a Chinese
share's legend and caption are in Chinese."""

from __future__ import annotations

import io
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from app.core.config import Settings
from app.domain.statuses import State
from app.main import create_app
from app.web.fonts import find_fonts
from app.web.map_image import INK, STATE_COLOURS
from app.web.preview import FOOTER, HEIGHT, WIDTH
from tests.conftest import require_or_skip
from tests.web.conftest import ARTIFACTS

SQUARE = {"lon": 121.474, "lat": 31.23}


@pytest.fixture
def client(settings: Settings, clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def preview(client: TestClient, **view) -> np.ndarray:
    body = {"center": [SQUARE["lon"], SQUARE["lat"]], "zoom": 16,
            "nearest": SQUARE | {"service": "dialysis", "k": 3}} | view  # fmt: skip
    made = client.post("/api/v1/share", json=body)
    assert made.status_code == 201, made.text
    response = client.get(made.json()["preview_png"])
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    return np.asarray(image)


def test_a_fallback_preview_shows_the_listed_hospitals_numbered(client: TestClient):
    listed = client.get("/api/v1/nearest", params=SQUARE | {"service": "dialysis", "k": 3})
    assert listed.json()["answer"] == "fallback"
    pixels = preview(client)
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(pixels).save(ARTIFACTS / "preview-fallback-zh.png")
    map_part = pixels[: HEIGHT - FOOTER]
    grey = (map_part == STATE_COLOURS[State.unknown]).all(axis=2)
    ink = (map_part == INK).all(axis=2)
    # Three listed dots (radius 14, a 3 px ring in ink) at least: at zoom 16 around the
    # square the old image held the origin alone.
    labels, count = cv2.connectedComponents(ink.astype(np.uint8))[1], ink.sum()
    assert count > 3 * 150 and len(np.unique(labels)) - 1 >= 3
    assert grey.sum() > 3 * 300
    white_in_grey = cv2.dilate(grey.astype(np.uint8), np.ones((3, 3))) & (map_part > 240).all(2)
    assert white_in_grey.sum() > 20  # the numbers, white on the dots


def test_a_chinese_shares_legend_is_chinese_and_an_english_ones_english(client: TestClient):
    require_or_skip(find_fonts().cjk, "no CJK font (apt-get install fonts-wqy-microhei)")
    zh = preview(client, lang="zh")
    en = preview(client, lang="en")
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(zh).save(ARTIFACTS / "preview-legend-zh.png")
    footer_zh, footer_en = zh[HEIGHT - FOOTER :], en[HEIGHT - FOOTER :]
    assert found_text(footer_zh, "可接诊") and found_text(footer_zh, "未知/过期")
    assert found_text(footer_zh, "黄浦区附近")  # the caption names the place in Chinese
    assert not found_text(footer_zh, "open")
    assert found_text(footer_en, "open") and found_text(footer_en, "limited")
    assert not found_text(footer_en, "可接诊")


def found_text(footer: np.ndarray, text: str) -> bool:
    """Whether ``text``, drawn white on ink in the preview's font, appears in the footer."""
    face = find_fonts().at(20)
    width = int(face.getlength(text)) + 4
    stamp = Image.new("RGB", (width, 30), INK)
    ImageDraw.Draw(stamp).text((2, 15), text, fill=(255, 255, 255), font=face, anchor="lm")
    grey = cv2.cvtColor(footer, cv2.COLOR_RGB2GRAY)
    template = cv2.cvtColor(np.asarray(stamp), cv2.COLOR_RGB2GRAY)
    score = cv2.matchTemplate(grey, template, cv2.TM_CCOEFF_NORMED).max()
    return score > 0.8  # ~0.88 at a subpixel offset; other text scores below 0.5
