"""The volunteers' side of help requests: the board (order, filters, masked phones), the
detail with reveals logged for coordinators, exclusive claims across two replicas on both
backends, lapsing claims, transitions and their history, notes and messages, matches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import Role
from app.main import create_app
from tests.api.help import ask, bearer, days_ago
from tests.api.test_queue_api import backend_settings  # noqa: F401 (a fixture)

BOARD = "/api/v1/help-requests"


def board(client: TestClient, headers: dict, **params) -> list[dict]:
    answer = client.get(BOARD, headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def transition(client: TestClient, rid: int, headers: dict, **body):
    return client.post(f"{BOARD}/{rid}/transition", headers=headers, json=body)


def test_the_board_needs_a_volunteer(client: TestClient, clock):
    ask(client, clock.now)
    assert client.get(BOARD).status_code == 401
    assert client.get(f"{BOARD}/1").status_code == 401
    assert client.post(f"{BOARD}/1/claim").status_code == 401
    volunteer = bearer(client, Role.volunteer)
    assert client.get(f"{BOARD}/1/reveals", headers=volunteer).status_code == 403


def test_the_board_orders_masks_and_filters(client: TestClient, clock):
    volunteer = bearer(client, Role.volunteer)
    normal = ask(client, clock.now, service="pharmacy", answers={}, phone="13900000001")
    clock.now += timedelta(minutes=1)
    critical = ask(client, clock.now, phone="13812345678")
    pudong = {"lon": 121.5447, "lat": 31.2211}
    high = ask(client, clock.now, service="emergency", answers={}, location=pudong,
               phone="021-64370045")  # fmt: skip
    items = board(client, volunteer)
    assert [i["id"] for i in items] == [critical["id"], high["id"], normal["id"]]
    first = items[0]
    assert first["phone"] == "138****5678" and items[1]["phone"] == "021-****0045"
    assert (first["urgency"], first["state"], first["claim"]) == ("critical", "new", None)
    assert first["urgency_why"] == [
        {
            "code": "dialysis_3_days",
            "zh": "距上次透析已满3天",
            "en": "3 or more days since the last dialysis session",
        }
    ]
    assert first["district"]["name"] == "黄浦区" and first["age_seconds"] == 0
    assert items[2]["age_seconds"] == 60
    text = str(items)
    assert "李先生" not in text and "父亲" not in text and "121.47" not in text
    assert [i["id"] for i in board(client, volunteer, district="浦东新区")] == [high["id"]]
    district_id = items[1]["district"]["id"]
    assert [i["id"] for i in board(client, volunteer, district=str(district_id))] == [high["id"]]
    assert [i["id"] for i in board(client, volunteer, service="配药")] == [normal["id"]]
    assert board(client, volunteer, state="resolved,closed") == []
    for params, status in (({"district": "火星区"}, 404), ({"service": "x光"}, 404),
                           ({"state": "done"}, 422), ({"state": ","}, 422)):  # fmt: skip
        assert client.get(BOARD, headers=volunteer, params=params).status_code == status


def test_details_are_revealed_to_the_holder_and_coordinators_and_logged(client: TestClient, clock):
    rid = ask(client, clock.now)["id"]
    holder = bearer(client, Role.volunteer, "王阿姨")
    other = bearer(client, Role.verifier, "张医生")
    coordinator = bearer(client, Role.coordinator, "协调员")
    hidden = client.get(f"{BOARD}/{rid}", headers=holder).json()
    assert hidden["revealed"] is False and hidden["phone"] == "138****5678"
    assert (hidden["name"], hidden["text"], hidden["lon"], hidden["lat"]) == (None,) * 4
    assert hidden["answers"] == {"last_session": days_ago(clock.now, 3)}
    assert client.post(f"{BOARD}/{rid}/claim", headers=holder).status_code == 200
    shown = client.get(f"{BOARD}/{rid}", headers=holder).json()
    assert (shown["revealed"], shown["phone"], shown["name"], shown["text"]) == (
        True, "13812345678", "李先生", "父亲需要透析")  # fmt: skip
    assert (shown["lon"], shown["lat"]) == (121.4737, 31.2304)
    assert client.get(f"{BOARD}/{rid}", headers=other).json()["revealed"] is False
    clock.now += timedelta(minutes=5)
    assert client.get(f"{BOARD}/{rid}", headers=coordinator).json()["phone"] == "13812345678"
    log = client.get(f"{BOARD}/{rid}/reveals", headers=coordinator)
    assert log.status_code == 200 and log.headers["Cache-Control"] == "private, no-store"
    assert [entry["by"] for entry in log.json()] == ["王阿姨", "协调员"]
    assert client.get(f"{BOARD}/999/reveals", headers=coordinator).status_code == 404


def test_the_requesters_additions_are_revealed_only_with_the_details(client: TestClient, clock):
    link = ask(client, clock.now)["tracking_url"]
    client.post(link + "/messages", json={"text": "住在3楼"})
    rid = ask(client, clock.now, text="再次求助")["id"]  # merged into the first
    volunteer = bearer(client, Role.volunteer)
    events = client.get(f"{BOARD}/{rid}", headers=volunteer).json()["events"]
    assert [(e["kind"], e["text"]) for e in events] == [
        ("created", None), ("added", None), ("merged", None)]  # fmt: skip
    coordinator = bearer(client, Role.coordinator)
    events = client.get(f"{BOARD}/{rid}", headers=coordinator).json()["events"]
    assert [e["text"] for e in events] == [None, "住在3楼", "再次求助"]


def test_claims_are_exclusive_and_lapse(client: TestClient, clock):
    rid = ask(client, clock.now)["id"]
    first, second = bearer(client, Role.volunteer, "王阿姨"), bearer(client, Role.volunteer, "张")
    claimed = client.post(f"{BOARD}/{rid}/claim", headers=first)
    assert claimed.status_code == 200
    assert claimed.json()["claim"]["holder"] == "王阿姨"
    lapses = claimed.json()["claim"]["lapses_at"]
    refused = client.post(f"{BOARD}/{rid}/claim", headers=second)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert (error["code"], error["holder"], error["claimed_at"]) == (
        "claimed", "王阿姨", claimed.json()["claim"]["claimed_at"])  # fmt: skip
    assert board(client, first, state="claimed")[0]["claim"]["lapses_at"] == lapses
    clock.now += timedelta(minutes=31)  # AIDMAP_HELP_CLAIM_MINUTES: 30
    [back] = board(client, first, state="new")
    assert (back["id"], back["claim"]) == (rid, None)
    assert client.post(f"{BOARD}/{rid}/claim", headers=second).status_code == 200
    moved = transition(client, rid, first, state="contacting")
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "claim_needed"
    assert moved.json()["error"]["holder"] == "张"
    assert client.post(f"{BOARD}/999/claim", headers=first).status_code == 404


def test_one_volunteer_holds_at_most_ten_running_claims(client: TestClient, clock):
    ids = [ask(client, clock.now, phone=f"139000000{n:02}")["id"] for n in range(12)]
    volunteer, other = bearer(client, Role.volunteer, "王阿姨"), bearer(client, Role.volunteer)
    for rid in ids[:10]:
        assert client.post(f"{BOARD}/{rid}/claim", headers=volunteer).status_code == 200
    full = client.post(f"{BOARD}/{ids[10]}/claim", headers=volunteer)
    assert full.status_code == 409 and full.json()["error"]["code"] == "too_many_claims"
    assert client.post(f"{BOARD}/{ids[0]}/claim", headers=volunteer).status_code == 200  # renews
    assert client.post(f"{BOARD}/{ids[10]}/claim", headers=other).status_code == 200
    matched = transition(client, ids[0], volunteer, state="matched", resource_id=2)
    assert matched.status_code == 200, matched.text  # waiting on the hospital: not running
    clock.now += timedelta(minutes=31)  # the others lapse, and were taken long enough ago
    assert client.post(f"{BOARD}/{ids[11]}/claim", headers=volunteer).status_code == 200


def test_moving_claims_on_does_not_lift_the_cap(client: TestClient, clock):
    """Each claim shows a phone: claiming, reading and closing (or matching) at once must
    not let one volunteer, or a leaked invite, read every phone on the board."""
    ids = [ask(client, clock.now, phone=f"139000000{n:02}")["id"] for n in range(12)]
    volunteer = bearer(client, Role.volunteer, "王阿姨")
    for n, rid in enumerate(ids[:10]):
        assert client.post(f"{BOARD}/{rid}/claim", headers=volunteer).status_code == 200
        assert client.get(f"{BOARD}/{rid}", headers=volunteer).json()["revealed"] is True
        matched = {"state": "matched", "resource_id": 2}
        moved = matched if n % 2 else {"state": "closed", "reason": "duplicate"}
        assert transition(client, rid, volunteer, **moved).status_code == 200
    full = client.post(f"{BOARD}/{ids[10]}/claim", headers=volunteer)
    assert full.status_code == 409 and full.json()["error"]["code"] == "too_many_claims"
    clock.now += timedelta(minutes=31)
    assert client.post(f"{BOARD}/{ids[10]}/claim", headers=volunteer).status_code == 200


def test_the_state_machine_and_its_history(client: TestClient, clock):
    rid = ask(client, clock.now)["id"]
    volunteer = bearer(client, Role.volunteer, "王阿姨")
    assert transition(client, rid, volunteer, state="contacting").json()["error"]["code"] == (
        "claim_needed")  # fmt: skip
    client.post(f"{BOARD}/{rid}/claim", headers=volunteer)
    for body, status, code in (
        ({"state": "claimed"}, 422, "bad_request"),
        ({"state": "new"}, 422, "bad_request"),
        ({"state": "closed"}, 422, "bad_request"),
        ({"state": "matched"}, 422, "bad_request"),
        ({"state": "matched", "resource_id": 999_999}, 422, "bad_request"),
        ({"state": "contacting", "reason": "admitted"}, 422, "bad_request"),
        ({"state": "resolved"}, 409, "invalid_transition"),
        ({"state": "closed", "reason": "finished"}, 422, "invalid_request"),
    ):
        answer = transition(client, rid, volunteer, **body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), body
    clock.now += timedelta(minutes=20)
    assert transition(client, rid, volunteer, state="contacting").status_code == 200
    clock.now += timedelta(minutes=20)  # moved on 20 minutes ago: still held
    matched = transition(client, rid, volunteer, state="matched", resource_id=2)
    assert matched.status_code == 200 and matched.json()["resource_id"] == 2
    coordinator = bearer(client, Role.coordinator, "协调员")
    done = transition(client, rid, coordinator, state="resolved")
    assert done.json()["state"] == "resolved" and done.json()["claim"] is None
    assert (
        transition(client, rid, coordinator, state="closed", reason="admitted").status_code == 409
    )
    events = client.get(f"{BOARD}/{rid}", headers=coordinator).json()["events"]
    assert [(e["kind"], e["state"], e["by"]) for e in events] == [
        ("created", "new", None), ("state", "claimed", "王阿姨"),
        ("state", "contacting", "王阿姨"), ("state", "matched", "王阿姨"),
        ("state", "resolved", "协调员"),
    ]  # fmt: skip
    detail = client.get(f"{BOARD}/{rid}", headers=coordinator).json()
    assert detail["contacted_at"] and detail["closed_at"]


def test_a_coordinator_closes_without_claiming(client: TestClient, clock):
    rid = ask(client, clock.now)["id"]
    coordinator = bearer(client, Role.coordinator)
    closed = transition(client, rid, coordinator, state="closed", reason="duplicate")
    assert closed.status_code == 200
    assert (closed.json()["state"], closed.json()["close_reason"]) == ("closed", "duplicate")


def test_the_requester_sees_the_match_and_messages_without_names(client: TestClient, clock):
    created = ask(client, clock.now)
    rid, link = created["id"], created["tracking_url"]
    holder, other = bearer(client, Role.volunteer, "王阿姨"), bearer(client, Role.volunteer, "张")
    client.post(f"{BOARD}/{rid}/claim", headers=holder)
    note = client.post(f"{BOARD}/{rid}/notes", headers=other, json={"text": "家属电话占线"})
    assert note.status_code == 201 and note.json()["public"] is False
    refused = client.post(f"{BOARD}/{rid}/notes", headers=other,
                          json={"text": "你好", "public": True})  # fmt: skip
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "claim_needed"
    message = client.post(f"{BOARD}/{rid}/notes", headers=holder,
                          json={"text": "正在联系瑞金医院", "public": True})  # fmt: skip
    assert message.status_code == 201 and message.json()["by"] == "王阿姨"
    transition(client, rid, holder, state="contacting")
    transition(client, rid, holder, state="matched", resource_id=2)
    seen = client.get(link, params={"f": "json"}).json()
    assert seen["state"] == "matched"
    assert seen["matched"]["id"] == 2 and seen["matched"]["name"]
    assert [m["text"] for m in seen["messages"]] == ["正在联系瑞金医院"]
    assert "王阿姨" not in str(seen) and "占线" not in str(seen)
    page = client.get(link).text
    assert seen["matched"]["name"] in page and "正在联系瑞金医院" in page


def test_no_note_outlives_an_erased_request(client: TestClient, clock):
    """Erasure runs once: a note written after it (a phone copied into it) would be kept
    for good."""
    created = ask(client, clock.now)
    client.post(created["tracking_url"] + "/withdraw")
    coordinator = bearer(client, Role.coordinator)
    for public in (False, True):
        late = client.post(f"{BOARD}/{created['id']}/notes", headers=coordinator,
                           json={"text": "回电13812345678", "public": public})  # fmt: skip
        assert late.status_code == 409 and late.json()["error"]["code"] == "erased"
    events = client.app.state.context.store.help_events(created["id"])
    assert all(e.text is None or "1381234" not in e.text for e in events)


def test_matches_are_the_nearest_open_hospitals_without_the_exact_point(client: TestClient, clock):
    rid = ask(client, clock.now)["id"]
    volunteer = bearer(client, Role.volunteer)
    answer = client.get(f"{BOARD}/{rid}/matches", headers=volunteer, params={"k": 4})
    assert answer.status_code == 200, answer.text
    matches = answer.json()
    assert matches["type"] == "FeatureCollection" and matches["numberReturned"] == 4
    assert (matches["origin"]["lon"], matches["origin"]["lat"]) == (121.474, 31.23)
    assert all(f["properties"]["distance_m"] % 100 == 0 for f in matches["features"])
    assert client.get(f"{BOARD}/999/matches", headers=volunteer).status_code == 404
    link = ask(client, clock.now, phone="13900000000")["tracking_url"]
    client.post(link + "/withdraw")  # erased: matched from its district's point
    [withdrawn] = board(client, volunteer, state="closed")
    erased = client.get(f"{BOARD}/{withdrawn['id']}/matches", headers=volunteer)
    assert erased.status_code == 200 and erased.json()["origin"]["precision"] == "district"


def test_match_distances_say_no_more_than_the_rounded_origin(client: TestClient, clock):
    """Twenty distances from the exact point, each rounded to 100 m, placed a requester
    within ~10-20 m by trilateration; measured from the rounded point, two requests in
    one ~100 m cell get the same answer."""
    volunteer = bearer(client, Role.volunteer)
    answers = []
    for phone, lon, lat in (("13900000001", 121.47361, 31.23049),
                            ("13900000002", 121.47449, 31.22951)):  # fmt: skip
        rid = ask(client, clock.now, phone=phone, location={"lon": lon, "lat": lat})["id"]
        found = client.get(f"{BOARD}/{rid}/matches", headers=volunteer, params={"k": 20})
        answers.append(found.json())
    assert answers[0]["origin"] == answers[1]["origin"]
    assert answers[0]["features"] == answers[1]["features"]
    assert answers[0]["contacts"] == answers[1]["contacts"]


@pytest.fixture
def two_replicas(backend_settings: Settings, clock) -> Iterator[tuple[TestClient, TestClient]]:  # noqa: F811
    """Two app instances on one store, as two replicas behind a proxy."""
    with (
        TestClient(create_app(backend_settings, clock=clock)) as first,
        TestClient(create_app(backend_settings, clock=clock)) as second,
    ):
        yield first, second


def test_two_volunteers_on_two_replicas_cannot_both_claim(two_replicas, clock):
    first, second = two_replicas
    rid = ask(first, clock.now)["id"]
    one, two = bearer(first, Role.volunteer, "王阿姨"), bearer(second, Role.volunteer, "张")
    assert first.post(f"{BOARD}/{rid}/claim", headers=one).status_code == 200
    refused = second.post(f"{BOARD}/{rid}/claim", headers=two)
    assert refused.status_code == 409 and refused.json()["error"]["holder"] == "王阿姨"
