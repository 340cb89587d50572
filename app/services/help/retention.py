"""Erasing what help requests hold about people once they no longer need it: the phone,
name, text, exact point, answers and private notes of requests resolved or closed more
than the retention period ago (AIDMAP_HELP_RETENTION_DAYS, default 30). The rows, their
states, places by unit and urgency stay: the counts do not change.

``aidmap help purge`` erases on demand; ``aidmap serve`` erases hourly (``upkeep``).
Erasing is idempotent, so replicas may all run it."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.storage.port import HelpStore


def purge(store: HelpStore, now: datetime, older_than: timedelta) -> int:
    """Erase the personal fields of requests finished more than ``older_than`` before
    ``now``; how many were erased."""
    return store.purge_help_requests(now - older_than, now)
