"""What volunteers and the public write is stored cleaned of control, invisible and direction
characters, and refused when nothing visible is left (the class of review findings 2/22)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.domain.enums import Role
from app.services.auth import create_token


def signed_in(client: TestClient, role: Role) -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, role.value, role)
    return {"Authorization": f"Bearer {secret}"}


def test_status_text_is_stored_cleaned(client: TestClient):
    volunteer = signed_in(client, Role.volunteer)
    target = client.get("/api/v1/resources", params={"kind": "hospital"}).json()[0]
    body = {
        "state": "limited",
        "conditions": ["需\u200b预约 ", "\u202e明证会委居需"],
        "note": "第一行\r\n\r\n\u2066第二行\u2069  \t末尾\u00a0",
        "source": "电话\n核实\ufeff",
    }
    response = client.put(f"/api/v1/resources/{target['id']}/status/dialysis", json=body,
                          headers=volunteer | {"If-Match": f'"{target["version"]}"'})  # fmt: skip
    assert response.status_code == 200, response.text
    status = client.get(f"/api/v1/resources/{target['id']}/history").json()[0]["status"]
    assert status["conditions"] == ["需预约", "明证会委居需"]
    assert status["note"] == "第一行\n第二行 末尾"
    assert status["source"] == "电话 核实"


@pytest.mark.parametrize("text", ["\u200b", "\u202e\u2066 \r\n", "\x00\x01"])
def test_a_problem_report_with_nothing_visible_is_a_422(client: TestClient, text: str):
    rid = client.get("/api/v1/resources", params={"kind": "hospital"}).json()[0]["id"]
    response = client.post(f"/api/v1/resources/{rid}/reports", json={"text": text})
    assert response.status_code == 422, response.text
    assert client.app.state.context.store.list_problem_reports() == []


def test_a_problem_report_is_stored_cleaned_for_the_queue(client: TestClient):
    rid = client.get("/api/v1/resources", params={"kind": "hospital"}).json()[0]["id"]
    sent = {"text": "\u202e电话打不通\u200b\r\n已停诊 ", "service": "dialysis"}
    created = client.post(f"/api/v1/resources/{rid}/reports", json=sent)
    assert created.status_code == 201 and created.json()["text"] == "电话打不通\n已停诊"
    queue = client.get("/api/v1/verification-queue", headers=signed_in(client, Role.verifier),
                       params={"limit": 1}).json()  # fmt: skip
    assert queue[0]["problem_reports"] == ["电话打不通\n已停诊"]
