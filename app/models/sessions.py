"""Invites and sessions as the API accepts and returns them (never a code's or a cookie's
secret, except the new invite's link, shown once)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.domain.enums import Role
from app.services.auth import MAX_TOKEN_NAME, token_name
from app.services.sessions import MAX_LIFETIME, MAX_USES, MIN_LIFETIME


def _invite_name(name: str) -> str:
    return token_name(name, "an invite name")


class InviteCreate(BaseModel):
    """An invite to make: whom it invites, with what role, for how long and how often."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, AfterValidator(_invite_name)] = Field(
        min_length=1,
        max_length=MAX_TOKEN_NAME,
        description="whom it invites (what history records for their changes): visible text",
        examples=["王阿姨"],
    )
    role: Role
    expires_hours: float = Field(
        72.0,
        ge=MIN_LIFETIME.total_seconds() / 3600,
        le=MAX_LIFETIME.total_seconds() / 3600,
        allow_inf_nan=False,
        description="hours until the link stops working",
    )
    uses: int = Field(1, ge=1, le=MAX_USES, description="how many people may join through it")


class JoinedPublic(BaseModel):
    """A session opened through an invite."""

    session_id: int
    joined_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None


class InvitePublic(BaseModel):
    """An invite as listed: never its code (which only its link, shown once, holds)."""

    id: int
    name: str
    role: Role
    created_by: str | None
    created_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked_at: datetime | None
    state: Literal["usable", "revoked", "expired", "used_up"]
    joined: list[JoinedPublic] = Field(description="who joined through it, newest first")


class InviteCreated(InvitePublic):
    """A new invite with its link and QR codes, shown this once."""

    url: str
    qr_png: str
    qr_svg: str


class SessionPublic(BaseModel):
    """A session as an admin lists it."""

    id: int
    name: str
    role: Role
    invite_id: int | None
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    expires_at: datetime = Field(description="when it ends unless used before")
    live: bool


class WhoAmI(BaseModel):
    """The signed-in caller: a session or a token."""

    name: str
    role: Role
    via: Literal["session", "token"]
    expires_at: datetime | None = Field(description="a session's end unless used before")
