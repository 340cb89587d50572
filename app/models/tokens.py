"""Tokens as the API creates and lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
)

from app.domain.enums import Role
from app.services.auth import MAX_TOKEN_NAME, token_name


class TokenCreate(BaseModel):
    """A token to make: who holds it and what it may do."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, AfterValidator(token_name)] = Field(
        min_length=1,
        max_length=MAX_TOKEN_NAME,
        description="who holds it: visible text, no control, invisible or direction characters",
    )
    role: Role


class TokenPublic(BaseModel):
    """A token as listed: never its secret."""

    id: int
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    """A new token with its secret, shown this once."""

    token: str
