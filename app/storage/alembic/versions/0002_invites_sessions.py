"""Invites (links that let people join with a role) and the cookie sessions made by
joining: both keep only SHA-256 hashes of their secrets, as tokens do.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ROLES = ("volunteer", "verifier", "coordinator", "admin")
ROLE_VALID = "role IN ({})".format(", ".join(f"'{role}'" for role in ROLES))


def upgrade() -> None:
    """Two new tables; nothing existing changes."""
    at = sa.DateTime(timezone=True)
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True, comment="sha256 hex"),
        sa.Column("name", sa.Text, nullable=False, comment="whom it invites"),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_by", sa.Text, comment="who made it; null: the operator (CLI)"),
        sa.Column("created_at", at, nullable=False),
        sa.Column("expires_at", at, nullable=False),
        sa.Column("max_uses", sa.Integer, nullable=False),
        sa.Column("uses", sa.Integer, nullable=False),
        sa.Column("revoked_at", at),
        sa.CheckConstraint(ROLE_VALID, name="role_valid"),
        sa.CheckConstraint("uses >= 0 AND uses <= max_uses", name="uses_within_max"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True, comment="sha256 hex"),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("invite_id", sa.Integer, sa.ForeignKey("invites.id")),
        sa.Column("created_at", at, nullable=False),
        sa.Column("last_seen_at", at, nullable=False),
        sa.Column("ended_at", at),
        sa.CheckConstraint(ROLE_VALID, name="role_valid"),
    )
    op.create_index("ix_sessions_invite", "sessions", ["invite_id"])
