"""Test helpers: a coordinator lists a service on a resource, as volunteers' status
reports need since issue 14 (a status for a service not listed is a 422), and a status
reported open."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.domain.enums import Role
from app.services.auth import create_token


def offer(client: TestClient, resource_id: int, service: str) -> None:
    """List ``service`` on the resource through the coordinators' route (no-op if listed)."""
    _, secret = create_token(client.app.state.context.store, "协调员", Role.coordinator)
    response = client.put(
        f"/api/v1/resources/{resource_id}/services/{service}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.text


def set_open(client: TestClient, resource_id: int, service: str = "dialysis") -> None:
    """Report ``service`` open on the resource (listed first when it is not)."""
    offer(client, resource_id, service)
    _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
    etag = client.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
    response = client.put(
        f"/api/v1/resources/{resource_id}/status/{service}",
        json={"state": "open"},
        headers={"Authorization": f"Bearer {secret}", "If-Match": etag},
    )
    assert response.status_code == 200, response.text
