"""The budget of a dry run without a coordinator's token (issue 13, finding 19): a summary
of the first 2,000 rows, planned offline, two at a time, ten per address per 10 minutes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api.context import PUBLIC_IMPORT_LIMIT
from app.api.import_gate import PUBLIC_RUNNING, RETRY_AFTER_S
from app.core.config import Settings
from app.domain.enums import Role
from app.main import create_app
from app.services.auth import create_token
from app.services.imports.limits import PUBLIC, SUMMARY_ROWS
from tests.geo.fake_providers import FakeAmap


def upload(client: TestClient, text: str, **params):
    files = {"file": ("list.csv", text.encode())}
    return client.post("/api/v1/imports", params=params, files=files)


def sheet(rows: int, bad_every: int = 0) -> str:
    lines = ["名称,区,电话"]
    for n in range(rows):
        district = "火星区" if bad_every and n % bad_every == 0 else "黄浦区"
        lines.append(f"测试医院{n:05d},{district},021-6{n:07d}")
    return "\n".join(lines) + "\n"


def sign_in(client: TestClient, role: Role) -> None:
    _, secret = create_token(client.app.state.context.store, role.value, role)
    client.headers["Authorization"] = f"Bearer {secret}"


def test_anyone_gets_a_summary_of_the_first_rows_and_a_coordinator_every_row(
    client: TestClient,
):
    text = sheet(2_500, bad_every=10)
    body = upload(client, text).json()
    assert body["summarised"] and body["truncated"]
    assert sum(body["counts"].values()) == PUBLIC.read.rows == 2_000
    assert body["counts"]["bad"] == 200
    assert [row["action"] for row in body["rows"]] == ["bad"] * SUMMARY_ROWS
    assert "only the first 2,000 rows were read" in body["notices"]
    sign_in(client, Role.volunteer)  # a volunteer's token is no coordinator's
    assert upload(client, text).json()["truncated"]
    sign_in(client, Role.coordinator)
    full = upload(client, text).json()
    assert not full["summarised"] and not full["truncated"]
    assert len(full["rows"]) == 2_500 and full["counts"]["bad"] == 250


@pytest.fixture
def amap() -> Iterator[FakeAmap]:
    with FakeAmap([]) as server:
        yield server


def test_only_a_coordinator_spends_an_online_geocoders_quota(settings: Settings, amap: FakeAmap):
    online = Settings(
        data_dir=settings.data_dir, database_url=settings.database_url,
        geocoders="gazetteer,amap", amap_key="test-key", amap_url=amap.url,
    )  # fmt: skip
    text = "名称,区,地址\n某医院,黄浦区,某某路1号\n"
    with TestClient(create_app(online)) as client:
        assert upload(client, text).status_code == 200
        assert amap.requests == []
        sign_in(client, Role.coordinator)
        assert upload(client, text).status_code == 200
        assert len(amap.requests) == 1


def test_dry_runs_without_a_coordinator_are_rate_limited_per_address(client: TestClient):
    limit, _ = PUBLIC_IMPORT_LIMIT
    for _ in range(limit):
        assert upload(client, sheet(1)).status_code == 200
    refused = upload(client, sheet(1))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    sign_in(client, Role.coordinator)
    assert upload(client, sheet(1)).status_code == 200


def test_a_third_public_dry_run_at_once_is_told_to_come_back(client: TestClient):
    gate = client.app.state.context.imports
    with gate.admit(public=True), gate.admit(public=True):  # two dry runs still running
        assert gate.public_running == PUBLIC_RUNNING
        busy = upload(client, sheet(1))
        assert busy.status_code == 503 and busy.json()["error"]["code"] == "busy"
        assert busy.headers["Retry-After"] == str(RETRY_AFTER_S)
        sign_in(client, Role.coordinator)
        assert upload(client, sheet(1)).status_code == 200
    assert gate.public_running == 0
