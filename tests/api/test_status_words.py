"""A volunteer's own words (issue 14): a service named in Chinese in the path, a state in
the words the map shows; and no status for a service the resource does not list until a
coordinator adds it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.domain.enums import Role
from app.domain.statuses import State
from app.services.auth import create_token
from app.services.vocabulary import state_from_word, state_words


def bearer(client: TestClient, role: Role) -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, role.value, role)
    return {"Authorization": f"Bearer {secret}"}


def by_ref(client: TestClient, ref: str) -> dict:
    hospitals = client.get("/api/v1/resources", params={"kind": "hospital", "limit": 500}).json()
    return next(h for h in hospitals if h["ref"] == ref)


def put(client: TestClient, headers: dict, rid: int, service: str, body: dict):
    etag = client.get(f"/api/v1/resources/{rid}").headers["ETag"]
    return client.put(
        f"/api/v1/resources/{rid}/status/{service}", json=body, headers=headers | {"If-Match": etag}
    )


@pytest.mark.parametrize(
    ("service", "state", "code", "canonical"),
    [
        ("血透", "可接收", "dialysis", "open"),
        ("dialysis", "开放", "dialysis", "open"),
        ("Dialysis", "有限制", "dialysis", "limited"),
        ("化疗", "限制接收", "oncology", "limited"),
        ("肿瘤", "需预约", "oncology", "limited"),  # a part of 肿瘤/化疗/放疗
        ("急诊", "暂停接收", "emergency", "closed"),
        ("emergency", "停诊", "emergency", "closed"),
        ("发热门诊", "未知", "fever_clinic", "unknown"),
        ("血透", " ＯＰＥＮ ", "dialysis", "open"),  # full-width, spaces: folded
    ],
)
def test_chinese_service_names_and_state_words_are_read_as_codes(
    client: TestClient, service, state, code, canonical
):
    ruijin = by_ref(client, "ruijin")  # lists every one of these services
    answer = put(client, bearer(client, Role.volunteer), ruijin["id"], service, {"state": state})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"]["service"] == code
    assert answer.json()["status"]["state"] == canonical
    read = client.get(f"/api/v1/resources/{ruijin['id']}").json()
    assert next(s for s in read["statuses"] if s["service"] == code)["state"] == canonical


def test_unknown_words_are_refused_and_say_what_is_accepted(client: TestClient):
    ruijin, volunteer = by_ref(client, "ruijin"), bearer(client, Role.volunteer)
    answer = put(client, volunteer, ruijin["id"], "血透", {"state": "马上就好"})
    assert answer.status_code == 422
    message = answer.json()["error"]["message"]
    assert "马上就好" in message and "open (开放/可接诊/可接收)" in message
    missing = put(client, volunteer, ruijin["id"], "牙科", {"state": "open"})
    assert missing.status_code == 404 and "/api/v1/services" in missing.json()["error"]["message"]


def test_no_word_names_two_states():
    words = [word for words_of_state in state_words().values() for word in words_of_state]
    assert len(words) == len(set(words))
    assert all(state_from_word(state.value) is state for state in State)
    assert state_from_word("可接诊") is State.open and state_from_word("暂停") is State.closed


def test_a_status_for_a_service_not_listed_waits_for_a_coordinator(client: TestClient):
    children = by_ref(client, "childrens-beijingxi")
    assert "dialysis" not in children["services"]
    rid, volunteer = children["id"], bearer(client, Role.volunteer)
    refused = put(client, volunteer, rid, "血透", {"state": "可接收"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "service_not_offered" and "does not list" in error["message"]
    version = client.get(f"/api/v1/resources/{rid}").json()["version"]
    item = {"resource_id": rid, "service": "dialysis", "expected_version": version}
    items = [item | {"update": {"state": "open"}}]
    batch = client.post("/api/v1/status-batch", json={"items": items}, headers=volunteer)
    assert batch.status_code == 409 and "does not list" in batch.json()["items"][0]["error"]
    near = {"lon": children["lon"], "lat": children["lat"], "service": "dialysis", "k": 50}
    nearest = client.get("/api/v1/nearest", params=near)
    assert rid not in [f["id"] for f in nearest.json()["features"]]

    add = f"/api/v1/resources/{rid}/services/血透"
    assert client.put(add, headers=volunteer).status_code == 403
    assert client.put(add).status_code == 401
    coordinator = bearer(client, Role.coordinator)
    stale = client.put(add, headers=coordinator | {"If-Match": f'"{version - 1 or 99}"'})
    assert stale.status_code == 412
    added = client.put(add, headers=coordinator | {"If-Match": f'"{version}"'})
    assert added.status_code == 200, added.text
    assert added.json()["services"] == [*children["services"], "dialysis"]
    assert added.headers["ETag"] == f'"{version + 1}"'
    again = client.put(add, headers=coordinator)
    assert again.status_code == 200 and again.headers["ETag"] == f'"{version + 1}"'  # no change

    written = put(client, volunteer, rid, "血透", {"state": "可接收"})
    assert written.status_code == 200 and written.json()["status"]["state"] == "open"
    assert client.get(f"/api/v1/resources/{rid}").json()["services"][-1] == "dialysis"
