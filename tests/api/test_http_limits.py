"""Request body limits on every write route, through the real app and a real uvicorn."""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient

from app.api import body_limits as limits
from app.domain.enums import Role
from app.services.auth import create_token
from tests.cli.serving import free_port, start_serve, stop, wait_healthy

WRITES = {"post", "put", "patch", "delete"}
CHUNKED_SHARE = (
    b"POST /api/v1/share HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)
LIMITS = {
    ("post", "/api/v1/imports"): limits.IMPORT,
    ("post", "/api/v1/status-batch"): limits.STATUS_BATCH,
    ("put", "/api/v1/resources/{resource_id}/status/{service}"): limits.STATUS,
    ("post", "/api/v1/resources/{resource_id}/status/{service}/verify"): limits.VERIFY,
    ("post", "/api/v1/resources/{resource_id}/reports"): limits.PUBLIC_FORM,
    ("post", "/api/v1/share"): limits.PUBLIC_FORM,
    ("post", "/api/v1/resources/{resource_id}/claim"): limits.VERIFY,
    ("delete", "/api/v1/resources/{resource_id}/claim"): limits.VERIFY,
    ("put", "/api/v1/resources/{resource_id}/location"): limits.LOCATION,
    ("post", "/api/v1/problem-reports/{report_id}/resolve"): limits.CLOSE_REPORT,
    ("post", "/api/v1/problem-reports/{report_id}/dismiss"): limits.CLOSE_REPORT,
    ("post", "/api/v1/resources"): limits.HOSPITAL,
    ("post", "/api/v1/resources/duplicates"): limits.HOSPITAL,
    ("patch", "/api/v1/resources/{resource_id}"): limits.HOSPITAL,
    ("post", "/api/v1/help-requests"): limits.HELP_FORM,
    ("post", "/api/v1/help-requests/{request_id}/claim"): limits.VERIFY,
    ("post", "/api/v1/help-requests/{request_id}/transition"): limits.CLOSE_REPORT,
    ("post", "/api/v1/help-requests/{request_id}/notes"): limits.HELP_FORM,
    ("post", "/h/{secret}/messages"): limits.HELP_FORM,
    ("post", "/h/{secret}/withdraw"): limits.VERIFY,
}
"""The routes with their own limit; every other one has the default."""


def concrete(path: str) -> str:
    """A request path for a route template (ids 1, service dialysis)."""
    return (
        path.replace("{resource_id}", "1")
        .replace("{service}", "dialysis")
        .replace("{token_id}", "1")
        .replace("{report_id}", "1")
        .replace("{request_id}", "1")
        .replace("{secret}", "1")
    )


def admin(client: TestClient) -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, "admin", Role.admin)
    return {"Authorization": f"Bearer {secret}"}


def write_operations(client: TestClient) -> list[tuple[str, str]]:
    """(method, path template) of every operation in the app's OpenAPI that writes."""
    paths = client.app.openapi()["paths"]
    return sorted((m, p) for p, operations in paths.items() for m in operations if m in WRITES)


def test_the_routes_with_their_own_limit_exist(client: TestClient):
    assert set(LIMITS) <= set(write_operations(client))  # a renamed route keeps its limit


def test_every_write_route_refuses_one_byte_over_its_limit_and_takes_its_limit(client):
    headers = admin(client) | {"Content-Type": "application/json"}
    for method, path in write_operations(client):
        limit = LIMITS.get((method, path), limits.DEFAULT)
        over = client.request(method, concrete(path), content=b" " * (limit + 1),
                               headers=headers)  # fmt: skip
        assert over.status_code == 413, (method, path)
        assert over.json()["error"]["code"] == "too_large"
        at = client.request(method, concrete(path), content=b" " * limit, headers=headers)
        assert at.status_code != 413, (method, path)  # refused for its content instead


def test_routes_that_read_no_body_refuse_a_declared_length_before_acting(client):
    headers = admin(client) | {"Content-Type": "application/json"}
    etag = client.get("/api/v1/resources/1").headers["ETag"]
    put = client.put("/api/v1/resources/1/status/dialysis", json={"state": "open"},
                     headers=headers | {"If-Match": etag})  # fmt: skip
    assert put.status_code == 200
    verify = client.post("/api/v1/resources/1/status/dialysis/verify",
                         content=b" " * (limits.VERIFY + 1), headers=headers)  # fmt: skip
    assert verify.status_code == 413
    assert len(client.get("/api/v1/resources/1/history").json()) == 1  # not verified
    _, secret = create_token(client.app.state.context.store, "spare", Role.volunteer)
    [spare] = [
        t for t in client.get("/api/v1/tokens", headers=headers).json() if t["name"] == "spare"
    ]
    revoke = client.request("DELETE", f"/api/v1/tokens/{spare['id']}",
                            content=b" " * (limits.DEFAULT + 1), headers=headers)  # fmt: skip
    assert revoke.status_code == 413
    still = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {secret}"})
    assert still.status_code == 403  # the token still signs in (a volunteer may not list)


def test_a_chunked_body_is_counted_as_it_arrives_and_nothing_is_written(client: TestClient):
    headers = admin(client) | {"If-Match": client.get("/api/v1/resources/1").headers["ETag"]}

    def chunks():  # no Content-Length: the client sends it chunked
        yield b'{"state": "open", "note": "'
        for _ in range(40):
            yield b"x" * 1024
        yield b'"}'

    response = client.put("/api/v1/resources/1/status/dialysis", content=chunks(),
                          headers=headers | {"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 413
    assert client.get("/api/v1/resources/1/history").json() == []


@pytest.mark.server
def test_uvicorn_answers_413_to_a_chunked_body_over_the_limit(tmp_path):
    port = free_port()
    server = start_serve(tmp_path / "data", port, tmp_path / "serve.log")
    try:
        wait_healthy(server, port)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(CHUNKED_SHARE)
            for _ in range(8):  # 8 KiB in 1 KiB chunks, twice the share limit
                conn.sendall(b"400\r\n" + b"x" * 1024 + b"\r\n")
            answer = conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    finally:
        stop(server)
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
