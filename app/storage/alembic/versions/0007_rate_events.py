"""Rate limits shared by every worker and replica: one row per counted event, under a
keyed hash of the client's address (or phone), and the key of that hash.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RATE_KEY = "rate_limit_key"
"""``MetaKey.rate_limit_key``: the secret the limits' keys are hashed with."""


def upgrade() -> None:
    """One new table and one ``meta`` row; nothing existing changes. Left as they are when
    there already (a database whose version row was lost comes through the revisions
    again)."""
    metadata = sa.MetaData()
    events = sa.Table(
        "rate_events",
        metadata,
        sa.Column("bucket", sa.String(32), nullable=False, comment="which limit"),
        sa.Column(
            "key", sa.String(64), nullable=False, comment="HMAC-SHA256 hex of address or phone"
        ),
        sa.Column("at", sa.Float, nullable=False, comment="seconds since the epoch"),
        sa.Index("ix_rate_events_key", "bucket", "key", "at"),
    )
    bind = op.get_bind()
    events.create(bind, checkfirst=True)
    meta = sa.Table("meta", metadata, sa.Column("key", sa.Text), sa.Column("value", sa.Text))
    found = bind.execute(sa.select(meta.c.value).where(meta.c.key == RATE_KEY)).first()
    if found is None:
        bind.execute(sa.insert(meta).values(key=RATE_KEY, value=secrets.token_hex(32)))
