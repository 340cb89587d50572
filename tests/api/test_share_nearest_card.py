"""A nearest share's text card tells what /api/v1/nearest tells (issue 14): a fallback
lists the hospitals offering the service with what is known and their phones, and the
office to call; limited hospitals show their conditions in words and the volunteer's note
with its age; English names carry the Chinese one; no false distance."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import Precision, Role
from app.domain.records import NewResource
from app.main import create_app
from app.services.auth import create_token

SQUARE = {"lon": 121.474, "lat": 31.23}


@pytest.fixture
def client(settings: Settings, clock) -> Iterator[TestClient]:
    clock.now = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    with TestClient(create_app(settings, clock=clock)) as client:
        _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client


def set_state(client: TestClient, rid: int, service: str, state: str, at, **extra) -> None:
    etag = client.get(f"/api/v1/resources/{rid}").headers["ETag"]
    response = client.put(
        f"/api/v1/resources/{rid}/status/{service}",
        json={"state": state, "reported_at": at.isoformat()} | extra,
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text


def card_of(client: TestClient, view: dict) -> str:
    made = client.post("/api/v1/share", json=view)
    assert made.status_code == 201, made.text
    response = client.get(f"/s/{made.json()['code']}.txt")
    assert response.status_code == 200
    return response.text


def share_view(service: str, k: int = 3, **extra) -> dict:
    nearest = SQUARE | {"service": service, "k": k}
    return {"center": [SQUARE["lon"], SQUARE["lat"]], "zoom": 13, "nearest": nearest} | extra


def test_a_fallback_card_lists_hospitals_with_states_phones_and_the_office(client, clock):
    hits = client.get("/api/v1/nearest", params=SQUARE | {"service": "dialysis", "k": 3}).json()
    first, second, third = hits["features"]
    set_state(client, first["id"], "dialysis", "open", clock.now - timedelta(hours=20))
    set_state(client, second["id"], "dialysis", "closed", clock.now - timedelta(hours=1))
    client.app.state.context.store.add_resource(NewResource(
        kind="office", name="人民广场居委会", lon=121.4745, lat=31.2305,
        precision=Precision.exact, phones=("021-63210000",),
    ))  # fmt: skip
    text = card_of(client, share_view("dialysis"))
    lines = text.splitlines()
    assert lines[:2] == [
        "黄浦区附近目前没有 12 小时内确认可接诊血透的医院。",
        "以下医院提供血透，状态未确认，出发前务必先打电话：",
    ]
    listed = re.findall(r"^\d\. (.+)$", text, flags=re.M)
    assert listed == [f["properties"]["name"] for f in (first, second, third)]
    details = [line.strip() for line in lines if line.startswith("   ")]
    assert "可接诊（已过期，20 小时前更新）" in details[0]
    assert "暂停接诊 · 更新 11:00" in details[1] and "未知，从未报告" in details[2]
    for detail, feature in zip(details, (first, second, third), strict=True):
        phones = feature["properties"]["phones"]
        assert (f"电话 {' / '.join(phones)}" if phones else "无电话") in detail
    assert "街道/居委会电话：" in lines
    assert "· 人民广场居委会 · 电话 021-63210000" in lines
    assert lines[-2] == "状态会变，出发前请先打电话确认。"


def test_a_limited_hospital_has_its_conditions_in_words_and_the_note_with_its_age(client, clock):
    near = client.get("/api/v1/nearest", params=SQUARE | {"service": "emergency", "k": 1}).json()
    rid = near["features"][0]["id"]
    conditions = ["appointment_only", "negative_test_48h"]
    at = clock.now - timedelta(hours=3)
    set_state(client, rid, "emergency", "limited", at, conditions=conditions, note="只收本院老病人")
    text = card_of(client, share_view("emergency", k=1))
    assert text.startswith("黄浦区附近接诊急诊的医院（开放或有条件），由近到远")
    assert "限流/有条件（需预约，需48小时核酸阴性） · 更新 09:00" in text
    assert "   志愿者备注（3 小时前更新）：“只收本院老病人”" in text.splitlines()
    en = card_of(client, share_view("emergency", k=1, lang="en"))
    assert "limited (appointment only, negative test within 48 h) · updated 09:00" in en
    assert "Volunteer's note (updated 3 h ago): “只收本院老病人”" in en
    name = near["features"][0]["properties"]
    assert f"1. {name['name_en']} ({name['name']})" in en


def test_a_hospital_placed_only_by_its_district_has_no_distance_on_the_card(client):
    client.app.state.context.store.add_resource(NewResource(
        kind="hospital", name="只知道区的医院", lon=121.4741, lat=31.2301,
        precision=Precision.district, services=("dialysis",),
    ))  # fmt: skip
    text = card_of(client, share_view("dialysis", k=1))
    assert "1. 只知道区的医院" in text
    assert "   距离不详 · 无电话 · 未知，从未报告" in text.splitlines()


def test_a_share_from_a_district_only_address_stays_district_only(client):
    """Review finding: the share kept only the district's point, and reopened it as an
    exact position, with distances from the middle of the district as if they were ours."""
    ask = {"address": "上海市黄浦区", "k": 3, "service": "dialysis"}
    asked = client.get("/api/v1/nearest", params=ask).json()
    assert asked["origin"]["precision"] == "district"
    point = {"lon": asked["origin"]["lon"], "lat": asked["origin"]["lat"]}
    view = {"center": [point["lon"], point["lat"]], "zoom": 13,
            "nearest": point | {"service": "dialysis", "precision": "district"}}  # fmt: skip
    card = card_of(client, view)
    assert "km" not in card and "距离不详" in card and card.startswith("黄浦区附近")
    exact = view | {"nearest": point | {"service": "dialysis"}}
    assert "km" in card_of(client, exact)
    same = client.post(
        "/api/v1/share", json=exact | {"nearest": exact["nearest"] | {"precision": "exact"}}
    )
    assert same.json()["code"] == client.post("/api/v1/share", json=exact).json()["code"]
    # the page reopens the share by asking /nearest from the point, to that precision
    reopened = client.get("/api/v1/nearest", params=point | {
        "k": 3, "service": "dialysis", "precision": "district"}).json()  # fmt: skip
    assert reopened["origin"]["precision"] == "district"
    assert [f["id"] for f in reopened["features"]] == [f["id"] for f in asked["features"]]
    assert [f["properties"] for f in reopened["features"]] == [
        f["properties"] for f in asked["features"]
    ]
