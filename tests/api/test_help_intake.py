"""``POST /api/v1/help-requests``: the contract's answer, the three ways to say where,
duplicates merged, urgency from the rules, every kind of bad input a precise 422 with
nothing stored, the honeypot, the rate limits per address and per phone."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.domain.enums import Kind, Precision
from app.domain.help import Urgency
from app.domain.records import NewResource
from tests.api.help import PEOPLES_SQUARE, ask, body, days_ago, stored


def test_a_request_answers_as_the_contract_says(client: TestClient, clock):
    answer = ask(client, clock.now)
    assert set(answer) == {"id", "tracking_url", "state", "nearest", "office", "merged_into"}
    assert answer["state"] == "new" and answer["merged_into"] is None
    assert answer["tracking_url"].startswith("http://testserver/h/")
    assert len(answer["tracking_url"].rsplit("/", 1)[1]) == 43  # token_urlsafe(32)
    nearest = answer["nearest"]
    assert nearest["type"] == "FeatureCollection" and nearest["numberReturned"] == 3
    assert nearest["answer"] == "fallback"  # nobody reported dialysis open yet
    assert all(f["properties"]["status"]["service"] == "dialysis" for f in nearest["features"])
    assert nearest["origin"]["place"]["district"] == "黄浦区"
    assert answer["office"] is None  # the bundled data has no offices
    [request] = stored(client)
    assert (request.id, request.phone, request.name, request.text) == (
        answer["id"], "13812345678", "李先生", "父亲需要透析")  # fmt: skip
    assert (request.lon, request.lat, request.precision) == (121.4737, 31.2304, Precision.exact)
    assert request.urgency is Urgency.critical and request.urgency_why == ("dialysis_3_days",)
    assert request.district_id is not None and request.consent_at == clock.now


def test_the_nearest_are_open_hospitals_once_reported(client: TestClient, clock):
    store = client.app.state.context.store
    hospital = store.add_resource(NewResource(
        kind=Kind.hospital, name="测试透析中心", lon=121.474, lat=31.231,
        precision=Precision.exact, services=("dialysis",)))  # fmt: skip
    from app.domain.statuses import StatusReport

    store.set_status(hospital.id, "dialysis", StatusReport("open", "王阿姨"), hospital.version)
    nearest = ask(client, clock.now)["nearest"]
    assert nearest["answer"] == "open"
    assert [f["id"] for f in nearest["features"]] == [hospital.id]


def test_the_office_is_the_nearest_with_a_phone(client: TestClient, clock):
    store = client.app.state.context.store
    office = store.add_resource(NewResource(
        kind=Kind.office, name="南京东路街道办事处", lon=121.475, lat=31.231,
        precision=Precision.exact, phones=("021-63215555",)))  # fmt: skip
    answer = ask(client, clock.now)
    assert answer["office"]["id"] == office.id
    assert answer["office"]["phones"] == ["021-63215555"]


def test_a_place_can_be_typed_or_picked(client: TestClient, clock):
    typed = ask(client, clock.now, location={"address": "黄浦区南京东路街道"})
    assert typed["nearest"]["origin"]["place"]["street"] == "南京东路街道"
    name = "龙山新村第二居委会"
    unit = client.get("/api/v1/units", params={"level": "committee", "name": name}).json()[0]
    picked = ask(client, clock.now, location={"unit_id": unit["id"]}, phone="13900000000")
    assert picked["nearest"]["origin"]["place"]["district"] == "徐汇区"
    by_id = {r.id: r for r in stored(client)}
    assert by_id[picked["id"]].committee_id == unit["id"]
    assert by_id[picked["id"]].street_id == unit["parent_id"]
    assert by_id[picked["id"]].precision is Precision.district
    gcj = ask(client, clock.now, location={"lon": 121.478, "lat": 31.228, "crs": "gcj02"},
              phone="13900000001")  # fmt: skip
    converted = next(r for r in stored(client) if r.id == gcj["id"])
    assert 0.003 < 121.478 - converted.lon < 0.006  # GCJ-02 is ~500 m east of WGS-84 here


def test_the_same_phone_and_service_within_a_day_is_merged(client: TestClient, clock):
    first = ask(client, clock.now)
    again = ask(client, clock.now, phone="+86 138-1234-5678", text="补充：已经4天没透析")
    assert (again["id"], again["merged_into"]) == (first["id"], first["id"])
    assert again["tracking_url"] != first["tracking_url"]
    followed = client.get(again["tracking_url"], params={"f": "json"})
    assert followed.status_code == 200 and followed.json()["state"] == "new"
    other = ask(client, clock.now, service="oncology", answers={})
    assert other["merged_into"] is None
    assert len(stored(client)) == 2


@pytest.mark.parametrize(
    ("service", "answers", "urgency", "why"),
    [
        ("dialysis", {"last_session": 1}, Urgency.medium, ("dialysis",)),
        ("dialysis", {"last_session": 2}, Urgency.high, ("dialysis_2_days",)),
        ("dialysis", {}, Urgency.medium, ("dialysis",)),
        ("oncology", {"due_date": -1}, Urgency.high, ("oncology_due_soon",)),
        ("oncology", {"due_date": 1}, Urgency.high, ("oncology_due_passed", "oncology_due_soon")),
        ("oncology", {"due_date": -30, "treatment": "chemotherapy"}, Urgency.medium,
         ("oncology",)),
        ("maternity", {"weeks": 30, "signs": ["bleeding"]}, Urgency.critical,
         ("maternity_signs",)),
        ("maternity", {"weeks": 38, "signs": []}, Urgency.high, ("maternity_term",)),
        ("emergency", {}, Urgency.high, ("emergency",)),
        ("pharmacy", {}, Urgency.normal, ()),
        ("other", {"need": "胰岛素"}, Urgency.normal, ()),
    ],
)  # fmt: skip
def test_urgency_comes_from_the_rules(
    client: TestClient, clock, service: str, answers: dict, urgency: Urgency, why: tuple
):
    """Dates as days before today (negative: ahead)."""
    sent = {key: days_ago(clock.now, value) if key in ("last_session", "due_date") else value
            for key, value in answers.items()}  # fmt: skip
    ask(client, clock.now, service=service, answers=sent)
    [request] = stored(client)
    assert (request.urgency, request.urgency_why) == (urgency, why)


BAD = {
    "no consent": ({"consent": False}, "consent_required"),
    "consent missing": ({"consent": None}, "invalid_request"),
    "unknown service": ({"service": "x光", "answers": {}}, "unknown_service"),
    "a hotline": ({"phone": "12345"}, "invalid_phone"),
    "a 400 number": ({"phone": "400-820-8820"}, "invalid_phone"),
    "a number abroad": ({"phone": "+1 415 555 0100"}, "invalid_phone"),
    "short": ({"phone": "1381234567"}, "invalid_phone"),
    "HTML for a phone": ({"phone": "<b>13812345678</b>"}, "invalid_phone"),
    "an impossible date": ({"answers": {"last_session": "2022-02-30"}}, "invalid_answer"),
    "not a date": ({"answers": {"last_session": "上周三"}}, "invalid_answer"),
    "a future last session": ({"answers": {"last_session": "FUTURE"}}, "invalid_answer"),
    "a question not asked": ({"answers": {"weeks": 30}}, "invalid_answer"),
    "weeks out of range": ({"service": "maternity", "answers": {"weeks": 50}}, "invalid_answer"),
    "an unknown sign": (
        {"service": "maternity", "answers": {"signs": ["<script>"]}},
        "invalid_answer",
    ),
    "outside Shanghai": ({"location": {"lon": 116.40, "lat": 39.90}}, "outside_area"),
    "swapped": ({"location": {"lon": 31.2304, "lat": 121.4737}}, "swapped_coordinates"),
    "half a point": ({"location": {"lon": 121.47}}, "invalid_request"),
    "two places": ({"location": PEOPLES_SQUARE | {"unit_id": 1}}, "invalid_request"),
    "no place": ({"location": {}}, "invalid_request"),
    "an unknown unit": ({"location": {"unit_id": 999_999}}, "unknown_unit"),
    "an address nowhere": ({"location": {"address": "火星基地"}}, "address_not_found"),
    "oversized text": ({"text": "很" * 1001}, "invalid_request"),
    "oversized name": ({"name": "李" * 51}, "invalid_request"),
    "an invisible name": ({"name": "\u200b\u202e"}, "invalid_request"),
    "an unknown field": ({"diagnosis": "x"}, "invalid_request"),
    "the honeypot": ({"website": "http://spam.example"}, "honeypot"),
    "HTML in the name": ({"name": "<b>李</b>"}, "invalid_request"),
    "HTML in the text": ({"text": "父亲需要透析<script>alert(1)</script>"}, "invalid_request"),
    "an HTML comment": ({"text": "父亲<!-- x -->"}, "invalid_request"),
    "HTML in the address": ({"location": {"address": "<img src=x>"}}, "invalid_request"),
    "HTML in the need": ({"service": "other", "answers": {"need": "<i>药</i>"}}, "invalid_answer"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_a_precise_422_and_stores_nothing(client: TestClient, clock, case: str):
    overrides, code = BAD[case]
    sent = body(clock.now, **overrides)
    if sent["answers"].get("last_session") == "FUTURE":
        sent["answers"]["last_session"] = days_ago(clock.now, -1)
    sent = {key: value for key, value in sent.items() if value is not None}
    answer = client.post("/api/v1/help-requests", json=sent)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code
    assert stored(client) == []


def test_a_less_than_sign_is_text_not_markup(client: TestClient, clock):
    ask(client, clock.now, name="李 <3", text="血压<140，血糖 < 7\n需要透析")
    [request] = stored(client)
    assert (request.name, request.text) == ("李 <3", "血压<140，血糖 < 7\n需要透析")


def test_a_body_over_the_limit_is_413(client: TestClient, clock):
    padded = body(clock.now, text="很" * 1000, name="李" * 50, website="x" * 200)
    padded["answers"] = {"need": "药" * 3000}
    answer = client.post("/api/v1/help-requests", json=padded)
    assert answer.status_code == 413 and stored(client) == []


def test_the_address_limit_and_the_phone_limit(client: TestClient, clock):
    limits = client.app.state.context.limits
    for number in range(5):  # one phone, five times (merged), then refused
        ask(client, clock.now, service=["dialysis", "oncology"][number % 2], answers={})
    refused = client.post("/api/v1/help-requests", json=body(clock.now))
    assert refused.status_code == 429 and "phone" in refused.json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) > 0
    ask(client, clock.now, phone="13900000000")  # another phone is fine
    limits.help_intake.limit = 8  # 7 sent from this address so far
    ask(client, clock.now, phone="13900000001")
    over = client.post("/api/v1/help-requests", json=body(clock.now, phone="13900000002"))
    assert over.status_code == 429 and "address" in over.json()["error"]["message"]
    assert len(stored(client)) == 4


def test_extensions_do_not_make_one_landline_many(client: TestClient, clock):
    """Someone sending a stranger's landline over and over, to have volunteers ring it,
    must not get past the phone's limit by adding extensions."""
    for extension in range(1, 6):
        ask(client, clock.now, phone=f"021-64370045转{extension}", answers={})
    refused = client.post("/api/v1/help-requests",
                          json=body(clock.now, phone="021 6437 0045-6", answers={}))  # fmt: skip
    assert refused.status_code == 429 and "phone" in refused.json()["error"]["message"]
