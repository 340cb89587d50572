"""What the help request tests share: a valid request, sending it, reading the store."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from app.domain.enums import Role
from app.domain.help import HelpBoardQuery, HelpRequest, HelpState
from app.services.auth import create_token
from app.services.help.intake import shanghai_today

PEOPLES_SQUARE = {"lon": 121.4737, "lat": 31.2304}
"""黄浦区, inside the bundled district outline."""


def days_ago(clock_now: datetime, days: int) -> str:
    """The Shanghai date ``days`` before ``clock_now``, as a form sends it."""
    return (shanghai_today(clock_now) - timedelta(days=days)).isoformat()


def body(clock_now: datetime, **overrides) -> dict:
    """A valid dialysis request, three days after the last session."""
    values = {
        "service": "dialysis", "answers": {"last_session": days_ago(clock_now, 3)},
        "location": PEOPLES_SQUARE, "phone": "138 1234 5678", "name": "李先生",
        "text": "父亲需要透析", "consent": True,
    }  # fmt: skip
    return values | overrides


def ask(client: TestClient, clock_now: datetime, **overrides) -> dict:
    """Send a request; its 201 answer."""
    answer = client.post("/api/v1/help-requests", json=body(clock_now, **overrides))
    assert answer.status_code == 201, answer.text
    return answer.json()


def stored(client: TestClient) -> list[HelpRequest]:
    """Every stored request, as the store has it."""
    context = client.app.state.context
    query = HelpBoardQuery(lapsed_before=context.clock(), states=tuple(HelpState), limit=10_000)
    return context.store.list_help_requests(query)


def bearer(client: TestClient, role: Role, name: str | None = None) -> dict[str, str]:
    """A new token's Authorization header."""
    _, secret = create_token(client.app.state.context.store, name or role.value, role)
    return {"Authorization": f"Bearer {secret}"}
