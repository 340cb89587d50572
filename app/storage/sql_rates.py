"""The rate-limit part of the SQL store: counted events per limit and key, shared by every
worker and replica, so a limit holds whichever process answers.

A key's events are read and added in one write transaction, serialised per key
(``_serialise_rate_key``: SQLite's write lock, an advisory lock on PostgreSQL), so two
processes spending the last unit at once cannot both get it. These writes change nothing
a cache is built from: PostGIS sends no change notice for them (``_write_unannounced``).
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select

from app.storage import schema as t
from app.storage.meta_keys import MetaKey
from app.storage.sql_support import SqlPlumbing


class RateQueries(SqlPlumbing):
    """``Store`` methods about rate limits."""

    def _serialise_rate_key(self, conn: Connection, bucket: str, key: str) -> None:
        """Make spenders of one key queue until this transaction ends; SQLite's write lock
        already does."""

    def rate_limit_secret(self) -> str:
        """The secret the limits' keys are hashed with (made by revision 0007)."""
        with self._read() as conn:
            return conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == MetaKey.rate_limit_key)
            ).scalar_one()

    def rate_events(self, bucket: str, key: str, since: float) -> tuple[int, float | None]:
        """How many events ``key`` has in ``bucket`` after ``since`` (epoch seconds), and
        the oldest one's time."""
        with self._read() as conn:
            return _within(conn, bucket, key, since)

    def spend_rate(
        self, bucket: str, key: str, now: float, since: float, limit: int | None
    ) -> tuple[int, float | None]:
        """Count an event at ``now`` for ``key`` unless it already has ``limit`` events
        after ``since`` (None: count it anyway); the count and oldest time before it.
        Events of the key from ``since`` or before are dropped on the way."""
        c = t.rate_events.c
        with self._write_unannounced() as conn:
            self._serialise_rate_key(conn, bucket, key)
            conn.execute(
                delete(t.rate_events).where(c.bucket == bucket, c.key == key, c.at <= since)
            )
            count, oldest = _within(conn, bucket, key, since)
            if limit is None or count < limit:
                conn.execute(insert(t.rate_events).values(bucket=bucket, key=key, at=now))
            return count, oldest

    def forget_rate_events(self, bucket: str, before: float) -> int:
        """Drop ``bucket``'s events from ``before`` or earlier (every key); how many."""
        c = t.rate_events.c
        with self._write_unannounced() as conn:
            done = conn.execute(delete(t.rate_events).where(c.bucket == bucket, c.at <= before))
            return done.rowcount


def _within(conn: Connection, bucket: str, key: str, since: float) -> tuple[int, float | None]:
    c = t.rate_events.c
    query = select(func.count(), func.min(c.at)).where(
        c.bucket == bucket, c.key == key, c.at > since
    )
    count, oldest = conn.execute(query).one()
    return count, oldest
