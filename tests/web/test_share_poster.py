"""A share's poster (issue 19) from the real app: a 1080×2340 PNG whose QR code decodes
back to the live link (also after a chat app shrinks it to a JPEG), whose list is what
``/api/v1/nearest`` answers at that time, cached per share and data version with an
ETag, in English when no CJK font is found."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from app.core.config import Settings
from app.domain.enums import Role
from app.domain.statuses import State
from app.main import create_app
from app.services.auth import create_token
from app.services.share_place import Places
from app.web.fonts import Fonts, find_fonts
from app.web.map_image import BACKGROUND, LAND, STATE_COLOURS
from app.web.poster import FOOTER_HEIGHT, HEIGHT, MARGIN, WIDTH, Poster, share_poster
from tests.api.offering import offer
from tests.conftest import require_or_skip
from tests.web.conftest import ARTIFACTS

SQUARE = {"lon": 121.474, "lat": 31.23}
NEAREST = {"center": [SQUARE["lon"], SQUARE["lat"]], "zoom": 15,
           "nearest": SQUARE | {"service": "dialysis", "k": 3}}  # fmt: skip
VIEW = {"center": [121.47, 31.23], "zoom": 12, "service": "dialysis"}


def app_client(settings: Settings, clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


@pytest.fixture
def client(settings: Settings, clock) -> Iterator[TestClient]:
    yield from app_client(settings, clock)


@pytest.fixture
def english_client(settings: Settings, clock) -> Iterator[TestClient]:
    """An app that finds no CJK font: AIDMAP_IMAGE_FONTS set to nothing."""
    yield from app_client(settings.model_copy(update={"image_fonts": []}), clock)


def share(client: TestClient, view: dict) -> dict:
    response = client.post("/api/v1/share", json=view)
    assert response.status_code == 201, response.text
    return response.json()


def poster(client: TestClient, made: dict, name: str | None = None) -> np.ndarray:
    response = client.get(made["poster_png"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (WIDTH, HEIGHT) == (1080, 2340)
    if name is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        image.save(ARTIFACTS / f"poster-{name}.png")
    return np.asarray(image.convert("RGB"))


def drawn_by_the_app(client: TestClient, made: dict, fonts: Fonts | None = None) -> Poster:
    """The poster as the route draws it, with the rows it lists, at the app's clock."""
    context = client.app.state.context
    found = context.store.get_share(made["code"])
    return share_poster(found, context.store, context.nearest, Places.of(context.geocoders),
                        context.clock(), context.settings.status_ttl_hours, made["url"],
                        fonts or find_fonts())  # fmt: skip


def decoded_qr(pixels: np.ndarray) -> str:
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    text, points, _ = cv2.QRCodeDetector().detectAndDecode(grey)
    assert points is not None, "no QR code found"
    return text


def set_status(client: TestClient, resource_id: int, state: str, role: Role, clock) -> None:
    """A report dated by the app's clock (a verification is dated by the store's)."""
    offer(client, resource_id, "dialysis")
    _, secret = create_token(client.app.state.context.store, role.value, role)
    etag = client.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
    response = client.put(
        f"/api/v1/resources/{resource_id}/status/dialysis",
        json={
            "state": state,
            "verified": role is Role.verifier,
            "reported_at": clock.now.isoformat(),
        },
        headers={"Authorization": f"Bearer {secret}", "If-Match": etag},
    )
    assert response.status_code == 200, response.text


def open_two_near_the_square(client: TestClient, clock) -> list[int]:
    near = client.get("/api/v1/nearest", params=SQUARE | {"k": 2}).json()["features"]
    ids = [feature["id"] for feature in near]
    set_status(client, ids[0], "open", Role.verifier, clock)
    clock.now += timedelta(minutes=12, seconds=30)
    set_status(client, ids[1], "limited", Role.volunteer, clock)
    return ids


def test_a_nearest_poster_lists_what_nearest_answers_now(client: TestClient, clock):
    opened = open_two_near_the_square(client, clock)
    made = share(client, NEAREST)
    pixels = poster(client, made, "nearest-zh")
    nearest = client.get("/api/v1/nearest", params=SQUARE | {"service": "dialysis", "k": 3})
    features = nearest.json()["features"]
    drawn = drawn_by_the_app(client, made)
    assert client.get(made["poster_png"]).content == drawn.png  # these rows drew these pixels
    assert [row.resource_id for row in drawn.rows] == [f["id"] for f in features]
    assert {row.resource_id for row in drawn.rows} == set(opened)
    for row, feature in zip(drawn.rows, features, strict=True):
        assert row.distance_m == pytest.approx(feature["properties"]["distance_m"], abs=0.1)
        assert list(row.phones) == feature["properties"]["phones"]
        assert row.state == feature["properties"]["status"]["state"]
    if find_fonts().cjk:
        assert drawn.rows[0].status == "可接诊 · 12 分钟前核实"  # verified 12 minutes ago
        assert drawn.rows[1].status == "有条件 · 刚刚更新"  # reported, not verified
    # The list: one disc per row in its state's colour, left of the names, below the map.
    list_part = pixels[HEIGHT - FOOTER_HEIGHT - 900 : HEIGHT - FOOTER_HEIGHT]
    discs = list_part[:, MARGIN : MARGIN + 60]
    for state in (State.open, State.limited):
        assert (discs == STATE_COLOURS[state]).all(axis=2).sum() > 1000
    dark = (list_part.max(axis=2) < 80).mean()
    assert 0.01 < dark < 0.3  # text, not a blank or a flat fill
    assert decoded_qr(pixels) == made["url"]


def test_the_qr_code_survives_a_chat_apps_recompression(client: TestClient):
    made = share(client, NEAREST)
    pixels = poster(client, made)
    small = Image.fromarray(pixels).resize((540, 1170), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=50)
    assert decoded_qr(np.asarray(Image.open(out).convert("RGB"))) == made["url"]


def test_a_view_posters_map_fills_the_page(client: TestClient):
    made = share(client, VIEW)
    pixels = poster(client, made, "view-zh")
    assert decoded_qr(pixels) == made["url"]
    assert drawn_by_the_app(client, made).rows == []
    map_part = pixels[400 : HEIGHT - FOOTER_HEIGHT - 200]  # below the title, above the legend
    drawn = ((map_part == LAND) | (map_part == BACKGROUND)).all(axis=2).mean()
    assert drawn > 0.8  # the map, not a list
    assert (map_part == STATE_COLOURS[State.unknown]).all(axis=2).sum() > 500  # hospitals


def test_a_hospitals_poster_lists_that_hospital(client: TestClient):
    chosen = client.get("/api/v1/nearest", params=SQUARE | {"k": 1}).json()["features"][0]
    made = share(client, VIEW | {"resource_id": chosen["id"], "zoom": 16})
    poster(client, made, "hospital-zh")
    [row] = drawn_by_the_app(client, made).rows
    assert row.resource_id == chosen["id"] and row.distance is None


def test_the_poster_is_cached_with_an_etag_until_the_data_or_the_minutes_move(
    client: TestClient, clock
):
    made = share(client, NEAREST)
    first = client.get(made["poster_png"])
    etag = first.headers["etag"]
    assert "max-age=60" in first.headers["cache-control"]
    again = client.get(made["poster_png"] + "?from=singlemessage", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    clock.now += timedelta(minutes=4)  # still the poster made four minutes ago
    assert client.get(made["poster_png"], headers={"If-None-Match": etag}).status_code == 304
    target = client.get("/api/v1/nearest", params=SQUARE | {"k": 1}).json()["features"][0]["id"]
    set_status(client, target, "open", Role.volunteer, clock)  # the data moved: drawn anew
    changed = client.get(made["poster_png"], headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    clock.now += timedelta(minutes=6)  # past five minutes: its ages would be wrong
    later = client.get(made["poster_png"], headers={"If-None-Match": changed.headers["etag"]})
    assert later.status_code == 200 and later.content != changed.content


def test_an_unknown_or_malformed_code_is_a_404(client: TestClient):
    for code in ("zzzzzz", "0o1il!"):
        response = client.get(f"/s/{code}/poster.png")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_without_a_cjk_font_the_poster_is_english(english_client: TestClient, clock):
    open_two_near_the_square(english_client, clock)
    made = share(english_client, NEAREST | {"lang": "zh"})  # asked in Chinese
    pixels = poster(english_client, made, "nearest-en-fallback")
    assert decoded_qr(pixels) == made["url"]
    drawn = drawn_by_the_app(english_client, made, find_fonts([]))
    assert english_client.get(made["poster_png"]).content == drawn.png
    latin = [text.encode("latin-1") for row in drawn.rows for text in (row.name, row.status)]
    assert len(latin) == 4  # Pillow's own font draws Latin-1 (the middle dot): no error
    assert drawn.rows[0].status == "open · verified 12 min ago"
    footer = pixels[HEIGHT - FOOTER_HEIGHT :]
    assert found_text(footer, "Scan for the live map", find_fonts([]), 44)


def test_a_chinese_poster_says_so_in_chinese_and_an_english_one_in_english(client: TestClient):
    require_or_skip(find_fonts().cjk, "no CJK font (apt-get install fonts-wqy-microhei)")
    zh = poster(client, share(client, NEAREST))[HEIGHT - FOOTER_HEIGHT :]
    en = poster(client, share(client, NEAREST | {"lang": "en"}), "nearest-en")
    assert found_text(zh, "扫码打开实时地图", find_fonts(), 44)
    assert not found_text(zh, "Scan for the live map", find_fonts(), 44)
    assert found_text(en[HEIGHT - FOOTER_HEIGHT :], "Scan for the live map", find_fonts(), 44)


def found_text(part: np.ndarray, text: str, fonts: Fonts, size: int) -> bool:
    """Whether ``text``, drawn in ink on the footer's paper in the poster's font, is in
    ``part``."""
    face = fonts.at(size)
    stamp = Image.new("RGB", (int(face.getlength(text)) + 4, size * 3 // 2), (248, 250, 252))
    ImageDraw.Draw(stamp).text((2, size * 3 // 4), text, fill=(30, 41, 59), font=face, anchor="lm")
    grey = cv2.cvtColor(part, cv2.COLOR_RGB2GRAY)
    template = cv2.cvtColor(np.asarray(stamp), cv2.COLOR_RGB2GRAY)
    return cv2.matchTemplate(grey, template, cv2.TM_CCOEFF_NORMED).max() > 0.8
