"""Sources: teams' shared documents read again and again, the health of their runs, a plan
held for review, and the lease that lets one replica at a time run each.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KINDS = ("statuses", "hospitals", "contacts")
OUTCOMES = ("applied", "unchanged", "not_modified", "held", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"{column}_valid")


def upgrade() -> None:
    """Two new tables; nothing existing changes. Left as they are when there already (a
    database whose version row was lost comes through the revisions again)."""
    at = sa.DateTime(timezone=True)
    metadata = sa.MetaData()
    sources = sa.Table(
        "sources",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "url", sa.Text, nullable=False, comment="coordinator-only: may hold a secret link"
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sheet", sa.Text),
        sa.Column("every_s", sa.Integer, nullable=False),
        sa.Column("max_change", sa.Float, nullable=False),
        sa.Column("review", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.Text, comment="who added it; null: the operator (CLI)"),
        sa.Column("created_at", at, nullable=False),
        sa.Column("next_run_at", at, nullable=False),
        sa.Column("last_run_at", at),
        sa.Column("last_outcome", sa.String(16)),
        sa.Column("last_error", sa.Text),
        sa.Column("rows_understood", sa.Integer),
        sa.Column("rows_not_understood", sa.Integer),
        sa.Column(
            "etag", sa.Text, comment="validators of the last file read, for a conditional GET"
        ),
        sa.Column("last_modified", sa.Text),
        sa.Column("content_hash", sa.String(64), comment="sha256 hex of the last file read"),
        sa.Column("good", sa.JSON, comment="headers and row keys of the last applied file"),
        sa.Column("held", sa.JSON, comment="a plan held for review"),
        sa.Column("held_file", sa.LargeBinary, comment="the held plan's file, zlib-compressed"),
        _one_of("kind", KINDS),
        _one_of("last_outcome", OUTCOMES),
        sa.CheckConstraint("every_s >= 1", name="every_s_positive"),
        sa.CheckConstraint("max_change >= 0 AND max_change <= 1", name="max_change_fraction"),
    )
    leases = sa.Table(
        "source_leases",
        metadata,
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), primary_key=True),
        sa.Column("holder", sa.Text, comment="the replica (or manual run) running the source"),
        sa.Column("expires_at", at, nullable=False, comment="free again from then on"),
    )
    for table in (sources, leases):
        table.create(op.get_bind(), checkfirst=True)
