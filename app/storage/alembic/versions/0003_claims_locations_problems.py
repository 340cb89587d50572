"""The call queue's storage: claims (who is calling a hospital, until when), the history of
moved locations, how a problem report was closed, and where each status change came from.

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VIA_COMMENT = "workspace|api|import"


def upgrade() -> None:
    """Two new tables, and new columns that SQLite adds in place (no copy, so the
    append-only triggers of ``status_history`` stay). What is there already is left: a
    database whose version row was lost is stamped with the first revision and comes
    through here again."""
    conn = op.get_bind()
    present = sa.inspect(conn)
    at = sa.DateTime(timezone=True)
    metadata = sa.MetaData()
    sa.Table("resources", metadata, sa.Column("id", sa.Integer, primary_key=True))  # referred to
    claims = sa.Table(
        "claims",
        metadata,
        sa.Column("resource_id", sa.Integer, sa.ForeignKey("resources.id"), primary_key=True),
        sa.Column(
            "holder", sa.Text, nullable=False, comment="the caller's name, shown to signed-in users"
        ),
        sa.Column("holder_key", sa.String(64), nullable=False, comment="token:ID or session:ID"),
        sa.Column("claimed_at", at, nullable=False),
        sa.Column("expires_at", at, nullable=False, comment="free again from then on"),
    )
    history = sa.Table(
        "location_history",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("resource_id", sa.Integer, sa.ForeignKey("resources.id"), nullable=False),
        sa.Column(
            "resource_version", sa.Integer, nullable=False, comment="the version the move made"
        ),
        sa.Column(
            "old",
            sa.JSON,
            nullable=False,
            comment="lon, lat, precision, location_verified, source_crs",
        ),
        sa.Column("new", sa.JSON, nullable=False),
        sa.Column("changed_by", sa.Text, nullable=False),
        sa.Column("changed_at", at, nullable=False),
        sa.Column("via", sa.String(16), nullable=False, comment=VIA_COMMENT),
        sa.Index("ix_location_history_resource", "resource_id", "id"),
    )
    for table in (claims, history):
        table.create(conn, checkfirst=True)
    new_columns = {
        "status_history": [
            sa.Column(
                "via", sa.String(16), nullable=False, server_default="api", comment=VIA_COMMENT
            )
        ],
        "problem_reports": [
            sa.Column("closed_as", sa.String(16), comment="resolved | dismissed; NULL while open"),
            sa.Column("closed_by", sa.Text),
            sa.Column("closed_at", at),
            sa.Column("close_note", sa.Text),
        ],
    }
    for table_name, columns in new_columns.items():
        there = {column["name"] for column in present.get_columns(table_name)}
        for column in columns:
            if column.name not in there:
                op.add_column(table_name, column)
