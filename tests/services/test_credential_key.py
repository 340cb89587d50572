"""Who a caller is across requests (claims, geocoding allowances): a session is never the
token whose id happens to equal its own."""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.enums import Role
from app.domain.records import Token
from app.services.auth import credential_key


def test_a_session_and_a_token_with_the_same_id_are_different_callers():
    now = datetime.now(UTC)
    token = Token(id=1, name="管理员", role=Role.admin, created_at=now, revoked_at=None)
    session = Token(id=1, name="王阿姨", role=Role.volunteer, created_at=now, revoked_at=None,
                    session_id=1)  # fmt: skip
    assert credential_key(token) != credential_key(session)
    assert credential_key(session) == credential_key(session)
