"""Token names are what signed-in callers see as a status's reporter: plain visible text
only (review finding 7), through the real app and in the store's one rule."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.domain.enums import Role
from app.services.auth import BadTokenName, create_token

REFUSED = [
    "王阿姨\r\nX-Injected: 1",  # a line break: a forged log or CSV line
    "王阿姨\n",
    "\t王阿姨",
    "王\x00阿姨",
    "\u202e姨阿王",  # a right-to-left override reverses what follows
    "王\u200b阿姨",  # zero-width space
    "王阿姨\u2066",  # a direction isolate
    "\ufeff王阿姨",  # byte-order mark
    "王\ue000阿姨",  # private use
    "王  阿姨",  # a run of spaces
    "\u3164",  # a Hangul filler: draws nothing
    "x" * 101,
    "   ",
]


@pytest.mark.parametrize("name", REFUSED)
def test_a_token_name_with_control_or_invisible_characters_is_a_422(client: TestClient, name):
    _, secret = create_token(client.app.state.context.store, "admin", Role.admin)
    admin = {"Authorization": f"Bearer {secret}"}
    response = client.post("/api/v1/tokens", json={"name": name, "role": "volunteer"},
                           headers=admin)  # fmt: skip
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert [t.name for t in client.app.state.context.store.list_tokens()] == ["admin"]
    with pytest.raises(BadTokenName):  # the same rule for every caller of the service
        create_token(client.app.state.context.store, name, Role.volunteer)


def test_plain_names_are_kept_as_typed_without_surrounding_spaces(client: TestClient):
    _, secret = create_token(client.app.state.context.store, "admin", Role.admin)
    admin = {"Authorization": f"Bearer {secret}"}
    for name, kept in (
        ("王阿姨", "王阿姨"),
        (" Team A 核查组 ", "Team A 核查组"),
        ("x" * 100, "x" * 100),
    ):
        response = client.post("/api/v1/tokens", json={"name": name, "role": "verifier"},
                                headers=admin)  # fmt: skip
        assert response.status_code == 201, response.text
        assert response.json()["name"] == kept
