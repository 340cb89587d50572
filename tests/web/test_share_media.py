"""A share's QR codes and preview image from the real app: the QR decodes to the link,
the preview is a 1200×630 PNG drawn from our data, coloured by state."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.core.config import Settings
from app.domain.enums import Precision
from app.domain.records import NewResource
from app.main import create_app
from app.web.map_image import BACKGROUND, STATE_COLOURS
from tests.api.offering import set_open

SQUARE = {"lon": 121.4737, "lat": 31.2304}
VIEW = {"center": [SQUARE["lon"], SQUARE["lat"]], "zoom": 13, "service": "dialysis"}


@pytest.fixture
def client(settings: Settings, clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def share(client: TestClient, view: dict) -> dict:
    response = client.post("/api/v1/share", json=view)
    assert response.status_code == 201, response.text
    return response.json()


def png(client: TestClient, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return Image.open(io.BytesIO(response.content))


def test_the_qr_png_decodes_back_to_the_short_link(client: TestClient):
    made = share(client, VIEW)
    response = client.get(made["qr_png"])
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert "immutable" in response.headers["cache-control"]
    pixels = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_GRAYSCALE)
    text, points, _ = cv2.QRCodeDetector().detectAndDecode(pixels)
    assert points is not None and text == made["url"]


def test_the_qr_svg_is_an_svg_of_the_link(client: TestClient):
    made = share(client, VIEW)
    response = client.get(made["qr_svg"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title").text == made["url"]
    assert root.find("{http://www.w3.org/2000/svg}path") is not None


def test_the_preview_is_a_drawn_map_coloured_by_state(client: TestClient):
    nearest = client.get("/api/v1/nearest", params=SQUARE | {"k": 1}).json()["features"][0]
    set_open(client, nearest["id"], "dialysis")
    made = share(client, VIEW | {"nearest": SQUARE})
    response = client.get(made["preview_png"])
    assert "max-age" in response.headers["cache-control"]
    image = png(client, made["preview_png"])
    assert image.size == (1200, 630)
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    colours = {tuple(c) for c in np.unique(pixels, axis=0)}
    assert len(colours) > 20  # outlines, land, dots, text; not one flat fill
    assert (pixels != BACKGROUND).any(axis=1).mean() > 0.2
    assert STATE_COLOURS["open"] in colours and STATE_COLOURS["unknown"] in colours
    assert client.get(made["preview_png"]).content == response.content  # deterministic


def test_a_city_wide_preview_shows_the_whole_city(client: TestClient):
    image = png(client, share(client, {"center": [121.47, 31.23], "zoom": 3})["preview_png"])
    map_part = np.asarray(image.convert("RGB"))[: 630 - 44]
    background = (map_part == BACKGROUND).all(axis=2)
    assert 0.3 < background.mean() < 0.95  # land in the middle, background around it
    assert background[0].all() and background[:, 0].all()  # the city fits inside


def test_a_preview_of_an_html_named_hospital_is_drawn(client: TestClient):
    odd = client.app.state.context.store.add_resource(NewResource(
        kind="hospital", name='<img src=x onerror="alert(1)">&\n医院', lon=121.48, lat=31.23,
        precision=Precision.exact, name_en="<script>alert(1)</script>",
    ))  # fmt: skip
    made = share(client, VIEW | {"resource_id": odd.id, "zoom": 16, "lang": "en"})
    assert png(client, made["preview_png"]).size == (1200, 630)
    text = client.get(made["text"]).text
    assert text.startswith('<script>alert(1)</script> (<img src=x onerror="alert(1)">& 医院)\n')


def test_a_view_far_from_any_data_is_still_an_image(client: TestClient):
    image = png(client, share(client, {"center": [-179.9, -89], "zoom": 19})["preview_png"])
    assert image.size == (1200, 630)
