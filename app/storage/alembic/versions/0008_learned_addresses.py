"""Addresses learned from the deployment's own verified points: one row per place's point
with its parsed keys (road, lane or number, compound), where it came from and when.

No backfill here: a revision is a snapshot and must not import the parser; the first
``rebuild`` (``aidmap geodata learn --rebuild``, or the app once ``learned_version`` is
absent) derives the rows of resources already placed.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SOURCES = ("verified", "sheet", "provider", "taught")
"""``LearnedFrom`` as of this revision."""
CRS = ("wgs84", "gcj02", "bd09")
"""``SourceCrs`` as of this revision."""


def _one_of(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"{column}_valid")


def upgrade() -> None:
    """One new table; nothing existing changes. Left as it is when there already."""
    metadata = sa.MetaData()
    sa.Table("resources", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("admin_units", metadata, sa.Column("id", sa.Integer, primary_key=True))
    learned = sa.Table(
        "learned_addresses",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(16), nullable=False, comment="what taught it: LearnedFrom"),
        sa.Column(
            "resource_id",
            sa.Integer,
            sa.ForeignKey("resources.id"),
            unique=True,
            comment="the place it was learned from: one point per resource, replaced on correction",
        ),
        sa.Column(
            "address", sa.Text, nullable=False, comment="a place's address, never a requester's"
        ),
        sa.Column("district_id", sa.Integer, sa.ForeignKey("admin_units.id"), nullable=False),
        sa.Column("road", sa.Text),
        sa.Column(
            "house_number",
            sa.Integer,
            comment="the lane, else the number: position on the road",
        ),
        sa.Column("house_text", sa.Text, comment="lane and number as written, for an exact match"),
        sa.Column(
            "place", sa.Text, comment="compound, village or committee, when no road and number"
        ),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column(
            "source_crs", sa.String(8), nullable=False, comment="what it was given in (display)"
        ),
        sa.Column(
            "origin", sa.Text, comment="'resource' or the taught file's name (no person's name)"
        ),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
        _one_of("source", SOURCES),
        _one_of("source_crs", CRS),
        sa.CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
        sa.CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        sa.Index("ix_learned_road", "district_id", "road", "house_number"),
        sa.Index("ix_learned_place", "district_id", "place"),
        sa.Index(
            "uq_learned_address",
            "source",
            "district_id",
            "address",
            unique=True,
            sqlite_where=sa.text("resource_id IS NULL"),
            postgresql_where=sa.text("resource_id IS NULL"),
        ),
    )
    learned.create(op.get_bind(), checkfirst=True)
