"""POST /api/v1/share and the text card on the real app: codes, idempotence, the card's
hospitals (the same as /nearest), languages, and bad input."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import Precision, Role
from app.domain.records import NewResource
from app.services.auth import create_token
from app.services.ratelimit import RateLimiter
from tests.api.offering import offer

SQUARE = {"lon": 121.474, "lat": 31.23}
"""People's Square to the ~100 m a share keeps (test_share_privacy.py tests the rounding)."""
VIEW = {"center": [SQUARE["lon"], SQUARE["lat"]], "zoom": 13, "service": "dialysis"}
CODE = re.compile(r"[23456789abcdefghjkmnpqrstuvwxyz]{6}")


@pytest.fixture
def volunteer(client: TestClient) -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
    return {"Authorization": f"Bearer {secret}"}


def set_state(client, headers, resource_id: int, service: str, state: str, at: datetime) -> None:
    offer(client, resource_id, service)  # not every hospital lists every service
    etag = client.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
    response = client.put(
        f"/api/v1/resources/{resource_id}/status/{service}",
        json={"state": state, "reported_at": at.isoformat()},
        headers=headers | {"If-Match": etag},
    )
    assert response.status_code == 200, response.text


def share(client: TestClient, view: dict) -> dict:
    response = client.post("/api/v1/share", json=view)
    assert response.status_code == 201, response.text
    return response.json()


def card(client: TestClient, code: str) -> str:
    response = client.get(f"/s/{code}.txt")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "max-age" in response.headers["cache-control"]
    return response.text


def nearest_ids(client: TestClient, k: int) -> list[int]:
    body = client.get("/api/v1/nearest", params=SQUARE | {"k": k}).json()
    return [f["id"] for f in body["features"]]


def test_a_share_gets_a_short_code_and_links_and_one_code_per_view(
    client: TestClient, settings: Settings
):
    made = share(client, VIEW)
    code = made["code"]
    assert CODE.fullmatch(code)
    url = f"http://testserver/s/{code}"  # no AIDMAP_BASE_URL: the address asked
    assert made == {
        "code": code, "url": url, "qr_png": f"{url}/qr.png", "qr_svg": f"{url}/qr.svg",
        "preview_png": f"{url}/preview.png", "poster_png": f"{url}/poster.png",
        "text": f"{url}.txt",
    }  # fmt: skip
    same = {"zoom": 13, "service": "dialysis", "lang": None, "center": VIEW["center"]}
    assert share(client, same)["code"] == code
    assert share(client, VIEW | {"zoom": 14})["code"] != code
    assert share(client, VIEW | {"lang": "en"})["code"] != code
    assert client.get(f"/s/{code.upper()}.txt").status_code == 200  # read aloud, typed in caps


def test_the_nearest_card_names_what_nearest_answers(client, volunteer, clock):
    clock.now = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    checked = clock.now - timedelta(minutes=25)
    ids = nearest_ids(client, 8)
    for rid, state in zip(ids, ["closed", "open", "limited", "open", "open", "open"], strict=False):
        set_state(client, volunteer, rid, "dialysis", state, checked)
    view = VIEW | {"nearest": SQUARE | {"service": "dialysis"}}
    text = card(client, share(client, view)["code"])
    expected = client.get(
        "/api/v1/nearest", params=SQUARE | {"service": "dialysis", "k": 3}
    ).json()["features"]
    assert [f["id"] for f in expected] == ids[1:4]  # open and limited: not the closed one
    listed = re.findall(r"^\d\. (.+)$", text, flags=re.M)
    assert listed == [f["properties"]["name"] for f in expected]
    first = expected[0]["properties"]
    metres = first["distance_m"]
    distance = f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"
    assert f"{distance} · " in text and "更新 11:35" in text
    heading = "黄浦区附近接诊血透的医院（开放或有条件），由近到远（12 小时内确认）：\n"
    assert text.startswith(heading)
    assert "限流/有条件 · 更新 11:35" in text
    assert text.rstrip().endswith(f"/s/{share(client, view)['code']}")


def test_the_card_says_when_none_is_open_and_speaks_english_when_asked(client, volunteer, clock):
    view = VIEW | {"nearest": SQUARE | {"k": 5}}
    zh = card(client, share(client, view)["code"])
    assert "附近目前没有 12 小时内确认可接诊血透的医院" in zh
    assert "以下医院提供血透，状态未确认，出发前务必先打电话：" in zh  # not a dead end
    assert re.search(r"^5\. ", zh, re.M) and zh.count("未知，从未报告") == 5
    en = card(client, share(client, view | {"lang": "en"})["code"])
    assert "No hospital near Huangpu (黄浦区) is confirmed open for Dialysis" in en
    rid = nearest_ids(client, 1)[0]
    clock.now = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    set_state(client, volunteer, rid, "dialysis", "open", clock.now - timedelta(hours=1))
    en = card(client, share(client, view | {"lang": "en"})["code"])
    name_en = client.get(f"/api/v1/resources/{rid}").json()["name_en"]
    assert en.startswith("Hospitals taking Dialysis patients near Huangpu (黄浦区) (open or with")
    assert f"1. {name_en} (" in en and "updated 22:30" in en and "Map: http" in en
    clock.now += timedelta(hours=12)  # stale now: a fallback, as from /nearest, saying so
    en = card(client, share(client, view | {"lang": "en"})["code"])
    assert "No hospital near" in en and "These offer Dialysis" in en


def test_a_hospital_card_has_address_phones_and_every_status_with_its_age(client, volunteer, clock):
    hospital = client.get(f"/api/v1/resources/{nearest_ids(client, 1)[0]}").json()
    set_state(client, volunteer, hospital["id"], "emergency", "closed", clock.now)
    set_state(client, volunteer, hospital["id"], "dialysis", "open", clock.now)
    clock.now += timedelta(hours=2, minutes=5)
    code = share(client, VIEW | {"resource_id": hospital["id"]})["code"]
    lines = card(client, code).splitlines()
    assert lines[0] == hospital["name"] and lines[1] == f"地址：{hospital['address']}"
    assert lines[2] == "电话：" + (" / ".join(hospital["phones"]) or "未登记")
    assert lines[4] == "· 血透：可接诊 · 2 小时前更新"  # the shared service first
    assert "· 急诊：暂停接诊 · 2 小时前更新" in lines
    assert "· 发热门诊：未知，从未报告" in lines
    clock.now += timedelta(hours=11)
    en = card(client, share(client, VIEW | {"resource_id": hospital["id"], "lang": "en"})["code"])
    assert "· Dialysis: open · updated 13 h ago, stale" in en.splitlines()


def test_a_plain_view_card_names_its_service_and_link(client: TestClient, settings: Settings):
    code = share(client, VIEW)["code"]
    assert card(client, code) == f"互助医院地图：血透\n地图：http://testserver/s/{code}\n"
    code = share(client, {"center": VIEW["center"], "zoom": 10, "lang": "en"})["code"]
    assert card(client, code).startswith("Mutual-aid hospital map: all services\n")


def test_names_are_plain_text_on_their_own_line(client: TestClient):
    store = client.app.state.context.store
    odd = store.add_resource(NewResource(
        kind="hospital", name="<b>假</b>医院\n1. 伪造的一行", lon=121.48, lat=31.23,
        precision=Precision.exact, phones=("021-1234 <5678>",), address="&amp; 路",
    ))  # fmt: skip
    lines = card(client, share(client, VIEW | {"resource_id": odd.id})["code"]).splitlines()
    assert lines[:3] == ["<b>假</b>医院 1. 伪造的一行", "地址：&amp; 路", "电话：021-1234 <5678>"]


BAD_VIEWS = [
    (VIEW | {"zoom": 2}, 422),
    (VIEW | {"zoom": 20}, 422),
    (VIEW | {"center": [181, 31.2]}, 422),
    (VIEW | {"center": [121.4, 91]}, 422),
    (VIEW | {"center": [121.4]}, 422),
    (VIEW | {"nearest": {"lon": 121.4, "lat": 31.2, "k": 11}}, 422),
    (VIEW | {"lang": "fr"}, 422),
    (VIEW | {"tiles": "osm"}, 422),
    (VIEW | {"nearest": {"lon": 121.4, "lat": 31.2, "extra": 1}}, 422),
    (VIEW | {"resource_id": 0}, 422),
    (VIEW | {"service": "teleport"}, 404),
    (VIEW | {"nearest": {"lon": 121.4, "lat": 31.2, "service": "teleport"}}, 404),
    (VIEW | {"resource_id": 999_999}, 404),
]


def test_bad_views_are_refused(client: TestClient):
    for body, status in BAD_VIEWS:
        response = client.post("/api/v1/share", json=body)
        assert response.status_code == status, (body, response.text)
        if "teleport" in json.dumps(body):
            assert response.json()["error"]["message"] == "no service 'teleport'"


def test_non_finite_coordinates_and_oversized_bodies_are_refused(client: TestClient):
    as_json = {"Content-Type": "application/json"}
    raw = '{"center": [NaN, 31.2], "zoom": 12}'
    assert client.post("/api/v1/share", content=raw, headers=as_json).status_code == 422
    big = json.dumps(VIEW | {"nearest": SQUARE | {"address": "路" * 2000}})
    assert client.post("/api/v1/share", content=big, headers=as_json).status_code == 413


def test_unknown_and_malformed_codes_are_404(client: TestClient):
    share(client, VIEW)
    for path in ("/s/zzzzzz.txt", "/s/abc.txt", "/s/abc1o0.txt", "/s/%27%3B--.txt",
                 "/s/" + "a" * 500 + ".txt", "/s/zzzzzz/qr.png", "/s/ab/preview.png"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_the_card_qr_codes_and_preview_ignore_what_chat_apps_append(client: TestClient):
    """WeChat passes links on with ``?from=singlemessage&isappinstalled=0``: the share's
    media answer as without it, like the share page (an API filter would still be a 400)."""
    code = share(client, VIEW)["code"]
    appended = {"from": "singlemessage", "isappinstalled": "0"}
    for path in (f"/s/{code}.txt", f"/s/{code}/qr.png", f"/s/{code}/qr.svg",
                 f"/s/{code}/preview.png", f"/s/{code}"):  # fmt: skip
        plain, with_params = client.get(path), client.get(path, params=appended)
        assert with_params.status_code == 200, (path, with_params.text[:200])
        assert with_params.content == plain.content, path
    assert client.get("/s/zzzzzz.txt", params=appended).status_code == 404
    assert client.get("/api/v1/nearest", params=SQUARE | appended).status_code == 400


def test_shares_are_rate_limited_per_address(client: TestClient):
    context = client.app.state.context
    limits = replace(context.limits, public_shares=RateLimiter(2, 600.0))
    client.app.state.context = replace(context, limits=limits)
    assert share(client, VIEW)["code"] == share(client, VIEW)["code"]
    response = client.post("/api/v1/share", json=VIEW | {"zoom": 5})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 600
    assert client.get("/s/zzzzzz.txt").status_code == 404  # reading has its own limit


def test_shares_outlive_the_process(settings: Settings, clock):
    from app.main import create_app

    with TestClient(create_app(settings, clock=clock)) as first:
        code = share(first, VIEW)["code"]
    with TestClient(create_app(settings, clock=clock)) as second:
        assert share(second, VIEW)["code"] == code
        assert card(second, code).endswith(f"/s/{code}\n")


def test_the_share_routes_are_in_openapi(client: TestClient):
    paths = client.get("/openapi.json").json()["paths"]
    created = paths["/api/v1/share"]["post"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["$ref"].endswith("/ShareCreated")
    assert "image/png" in paths["/s/{code}/preview.png"]["get"]["responses"]["200"]["content"]
    assert "text/plain" in paths["/s/{code}.txt"]["get"]["responses"]["200"]["content"]


def test_a_check_made_before_midnight_in_shanghai_shows_its_date(client, volunteer, clock):
    clock.now = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)  # 00:30 on 3 March in Shanghai
    set_state(client, volunteer, nearest_ids(client, 1)[0], "dialysis", "open",
              clock.now - timedelta(hours=1))  # fmt: skip
    text = card(client, share(client, VIEW | {"nearest": SQUARE})["code"])
    assert "更新 03-02 23:30" in text
