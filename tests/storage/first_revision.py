"""Turning a new database back into one of the first revision's shape, as the tests of
upgrades from before Alembic need."""

from __future__ import annotations

from app.storage import revisions
from app.storage import schema as t


def later_tables() -> list[str]:
    """The tables that revisions after the first added, in an order to drop them."""
    first = revisions.scripts().get_revision(revisions.FIRST_REVISION).module._snapshot()
    return [table.name for table in reversed(t.metadata.sorted_tables)
            if table.name not in first.tables]  # fmt: skip
