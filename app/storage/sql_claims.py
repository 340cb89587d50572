"""The claims part of the SQL store: who is calling a resource, until when.

Claims live in the database so that they survive a restart and every replica sees the
same ones; an expired claim is free without anyone deleting it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from app.domain.records import Claim
from app.storage import schema as t
from app.storage.errors import ClaimHeld, NotFound
from app.storage.sql_support import BATCH, SqlPlumbing


class ClaimQueries(SqlPlumbing):
    """``Store`` methods about claims."""

    def claim(
        self, resource_id: int, holder: str, holder_key: str, now: datetime, until: datetime
    ) -> Claim:
        """Claim a resource until ``until``; the holder claiming again extends it (from
        its first ``claimed_at``); ``ClaimHeld`` while another's claim runs."""
        c = t.claims.c
        with self._write() as conn:
            _lock_resource(conn, resource_id)
            current = _claim_row(conn, resource_id)
            values = {"holder": holder, "holder_key": holder_key, "expires_at": until}
            if current is None:
                row = {"resource_id": resource_id, "claimed_at": now} | values
                conn.execute(insert(t.claims).values(row))
            elif current.expires_at > now and current.holder_key != holder_key:
                raise ClaimHeld(current.holder, current.claimed_at, current.expires_at)
            else:
                mine = current.expires_at > now  # an expired claim starts afresh
                values |= {} if mine else {"claimed_at": now}
                conn.execute(update(t.claims).where(c.resource_id == resource_id).values(values))
            return _claim_row(conn, resource_id)

    def release_claim(
        self, resource_id: int, holder_key: str | None, now: datetime
    ) -> Claim | None:
        """End the running claim on a resource, if any (the one released); with a
        ``holder_key``, only the holder's: ``ClaimHeld`` when another's runs. None ends
        anyone's (a verifier freeing a forgotten claim)."""
        with self._write() as conn:
            _lock_resource(conn, resource_id)
            current = _claim_row(conn, resource_id)
            if current is None or current.expires_at <= now:
                released = None
            elif holder_key is not None and current.holder_key != holder_key:
                raise ClaimHeld(current.holder, current.claimed_at, current.expires_at)
            else:
                released = current
            conn.execute(delete(t.claims).where(t.claims.c.resource_id == resource_id))
            return released

    def active_claims(
        self, now: datetime, resource_ids: Sequence[int] | None = None
    ) -> dict[int, Claim]:
        """Claims running at ``now``, by resource id (of some resources, or all)."""
        c = t.claims.c
        query = select(t.claims).where(c.expires_at > now)
        with self._read() as conn:
            if resource_ids is None:
                rows = list(conn.execute(query))
            else:
                ids = list(dict.fromkeys(resource_ids))
                rows = [
                    row
                    for start in range(0, len(ids), BATCH)
                    for row in conn.execute(
                        query.where(c.resource_id.in_(ids[start : start + BATCH]))
                    )
                ]
        return {row.resource_id: Claim(**row._mapping) for row in rows}


def _lock_resource(conn: Connection, resource_id: int) -> None:
    """Lock the resource's row until the transaction ends (two replicas claiming at once
    queue here); NotFound for an unknown resource."""
    c = t.resources.c
    found = conn.execute(select(c.id).where(c.id == resource_id).with_for_update()).first()
    if found is None:
        raise NotFound(f"no resource {resource_id}")


def _claim_row(conn: Connection, resource_id: int) -> Claim | None:
    row = conn.execute(select(t.claims).where(t.claims.c.resource_id == resource_id)).first()
    return None if row is None else Claim(**row._mapping)
