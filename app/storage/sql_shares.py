"""The share part of the SQL store: map views kept under short codes, one code per view."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from sqlalchemy import insert, select

from app.domain.records import Share
from app.storage import schema as t
from app.storage.errors import AlreadyExists, NotFound
from app.storage.sql_support import SqlPlumbing, utcnow

CODE_TRIES = 20
"""New codes drawn for one view before giving up (each collides with odds taken/space)."""


def canonical_json(view: dict) -> str:
    """The view as JSON with sorted keys and no spaces: equal views give equal text."""
    return json.dumps(view, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class ShareQueries(SqlPlumbing):
    """``Store`` methods about shares.

    Writes run in one write transaction, which SQLite serialises (``BEGIN IMMEDIATE``),
    so looking a view or code up and then inserting it cannot race.
    """

    def create_share(self, view: dict, code_factory: Callable[[], str]) -> Share:
        """The view's share: the stored one, or a new one under a free code."""
        text = canonical_json(view)
        digest = hashlib.sha256(text.encode()).hexdigest()
        c = t.shares.c
        with self._write() as conn:
            row = conn.execute(select(t.shares).where(c.view_hash == digest)).one_or_none()
            if row is not None:
                return _share(row)
            for _ in range(CODE_TRIES):
                code = code_factory()
                if conn.execute(select(c.code).where(c.code == code)).first() is None:
                    values = {"code": code, "view": text, "view_hash": digest}
                    conn.execute(insert(t.shares).values(values | {"created_at": utcnow()}))
                    return _share(conn.execute(select(t.shares).where(c.code == code)).one())
        raise AlreadyExists(f"no free share code after {CODE_TRIES} tries")

    def get_share(self, code: str) -> Share:
        """The share stored under ``code``."""
        with self._read() as conn:
            row = conn.execute(select(t.shares).where(t.shares.c.code == code)).one_or_none()
        if row is None:
            raise NotFound(f"no share {code!r}")
        return _share(row)


def _share(row) -> Share:
    return Share(code=row.code, view=json.loads(row.view), created_at=row.created_at)
