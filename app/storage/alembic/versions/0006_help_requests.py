"""Help requests (求助): the requests, their tracking links (hashes only), their history
(transitions, notes, messages) and the log of who read a requester's details.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATES = ("new", "claimed", "contacting", "matched", "resolved", "closed")
REASONS = ("admitted", "referred", "unreachable", "duplicate", "withdrawn", "out_of_scope")
URGENCIES = ("critical", "high", "medium", "normal")
PRECISIONS = ("exact", "approximate", "committee", "street", "district")
EVENTS = ("created", "merged", "state", "lapsed", "note", "added", "withdrawn")


def _one_of(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"{column}_valid")


def upgrade() -> None:
    """Four new tables; nothing existing changes. Left as they are when there already (a
    database whose version row was lost comes through the revisions again)."""
    at = sa.DateTime(timezone=True)
    metadata = sa.MetaData()
    for referred in ("admin_units", "resources"):
        sa.Table(referred, metadata, sa.Column("id", sa.Integer, primary_key=True))
    requests = sa.Table(
        "help_requests",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("service", sa.String(32), nullable=False, comment="a service's code, or 'other'"),
        sa.Column("answers", sa.JSON, comment="the service's questions answered; NULL once erased"),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column(
            "urgency_why", sa.JSON, nullable=False, comment="the rules that decided the urgency"
        ),
        sa.Column("district_id", sa.Integer, sa.ForeignKey("admin_units.id")),
        sa.Column(
            "street_id", sa.Integer, sa.ForeignKey("admin_units.id"), comment="the public cell"
        ),
        sa.Column("committee_id", sa.Integer, sa.ForeignKey("admin_units.id")),
        sa.Column("lon", sa.Float, comment="private: the requester's point; NULL once erased"),
        sa.Column("lat", sa.Float),
        sa.Column("precision", sa.String(16), nullable=False),
        sa.Column("phone", sa.Text, comment="personal fields: NULL once erased"),
        sa.Column("name", sa.Text),
        sa.Column("text", sa.Text),
        sa.Column("consent_at", at, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("close_reason", sa.String(16)),
        sa.Column("claimed_by", sa.Text, comment="the claimant's name, shown to signed-in users"),
        sa.Column("claim_key", sa.String(64), comment="token:ID or session:ID"),
        sa.Column("claimed_at", at),
        sa.Column("state_at", at, nullable=False, comment="the last transition"),
        sa.Column(
            "resource_id",
            sa.Integer,
            sa.ForeignKey("resources.id"),
            comment="the matched hospital",
        ),
        sa.Column("created_at", at, nullable=False),
        sa.Column("updated_at", at, nullable=False),
        sa.Column("contacted_at", at, comment="first moved to contacting or beyond"),
        sa.Column("closed_at", at, comment="resolved or closed: retention counts from it"),
        sa.Column("erased_at", at),
        _one_of("state", STATES),
        _one_of("close_reason", REASONS),
        _one_of("urgency", URGENCIES),
        _one_of("precision", PRECISIONS),
        sa.CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
        sa.CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        sa.Index("ix_help_requests_state_created", "state", "created_at"),
        sa.Index("ix_help_requests_phone_service", "phone", "service"),
        sa.Index("ix_help_requests_district", "district_id"),
        sa.Index("ix_help_requests_closed", "closed_at"),
    )
    links = sa.Table(
        "help_links",
        metadata,
        sa.Column(
            "secret_hash",
            sa.String(64),
            primary_key=True,
            comment="sha256 hex of a tracking secret",
        ),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("help_requests.id"), nullable=False),
        sa.Column("created_at", at, nullable=False),
        sa.Index("ix_help_links_request", "request_id"),
    )
    events = sa.Table(
        "help_events",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("help_requests.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), comment="state events: the state moved to"),
        sa.Column("reason", sa.String(16)),
        sa.Column("resource_id", sa.Integer, sa.ForeignKey("resources.id")),
        sa.Column(
            "text",
            sa.Text,
            comment="notes and added information; NULL once erased (not public)",
        ),
        sa.Column("public", sa.Boolean, nullable=False, comment="shown to the requester"),
        sa.Column("by_name", sa.Text, comment="the volunteer; NULL: the requester or the system"),
        sa.Column("by_key", sa.String(64)),
        sa.Column("at", at, nullable=False),
        _one_of("kind", EVENTS),
        sa.Index("ix_help_events_request", "request_id", "id"),
    )
    reveals = sa.Table(
        "help_reveals",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("help_requests.id"), nullable=False),
        sa.Column("by_name", sa.Text, nullable=False),
        sa.Column("by_key", sa.String(64), nullable=False),
        sa.Column("at", at, nullable=False),
        sa.Index("ix_help_reveals_request", "request_id", "id"),
    )
    for table in (requests, links, events, reveals):
        table.create(op.get_bind(), checkfirst=True)
