"""The record of people's edits to resources' fields: who created or changed which field
of a hospital, from what to what, when and from where.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """One new table; nothing existing changes. Left as it is when it is there already (a
    database whose version row was lost comes through the revisions again)."""
    at = sa.DateTime(timezone=True)
    metadata = sa.MetaData()
    sa.Table("resources", metadata, sa.Column("id", sa.Integer, primary_key=True))  # referred to
    edits = sa.Table(
        "resource_edits",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("resource_id", sa.Integer, sa.ForeignKey("resources.id"), nullable=False),
        sa.Column(
            "resource_version", sa.Integer, nullable=False, comment="the version the edit made"
        ),
        sa.Column("action", sa.String(16), nullable=False, comment="created | edited"),
        sa.Column(
            "changes",
            sa.JSON,
            nullable=False,
            comment="field: [old, new], as the columns hold them",
        ),
        sa.Column("changed_by", sa.Text, nullable=False),
        sa.Column("changed_at", at, nullable=False),
        sa.Column("via", sa.String(16), nullable=False, comment="workspace|api|import"),
        sa.CheckConstraint("action IN ('created', 'edited')", name="action_valid"),
        sa.Index("ix_resource_edits_resource", "resource_id", "id"),
    )
    edits.create(op.get_bind(), checkfirst=True)
