"""Help links know whether they came from a repeated submission (the same phone and
service merged into an earlier request): such a link shows the state only, since whoever
sent it may have known no more than the requester's phone.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """One new column, added in place; a link made after its request (a merged
    submission's: the first link is made with the request) is marked a repeat. Left as it
    is when there already (a database whose version row was lost comes through the
    revisions again)."""
    conn = op.get_bind()
    if "repeat" in {column["name"] for column in sa.inspect(conn).get_columns("help_links")}:
        return
    op.add_column("help_links", sa.Column(
        "repeat", sa.Boolean, nullable=False, server_default=sa.false(),
        comment="a merged submission's link: the state only, no messages, no withdrawal",
    ))  # fmt: skip
    conn.execute(sa.text(
        "UPDATE help_links SET repeat = TRUE WHERE created_at > "
        "(SELECT created_at FROM help_requests WHERE help_requests.id = help_links.request_id)"
    ))  # fmt: skip
