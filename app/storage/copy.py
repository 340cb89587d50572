"""Moving a deployment between SQL stores (SQLite → PostGIS): every row, ids kept, checked."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from app.storage import schema as t
from app.storage.errors import AlreadyExists, StoreUnavailable
from app.storage.meta_keys import MetaKey
from app.storage.port import Progress
from app.storage.sql import SqlStore
from app.storage.sql_support import BATCH, insert_many

KEPT_META = {MetaKey.schema_version, MetaKey.rate_limit_key}
"""The target's own ``meta`` rows that the copy leaves alone."""


def copy_store(source: SqlStore, target: SqlStore, progress: Progress | None = None) -> dict:
    """Copy every table from ``source`` (one consistent snapshot) into an empty ``target``
    in one transaction, keeping ids; the row count of each table, checked on both sides.

    Raises ``AlreadyExists`` when the target holds data, ``StoreUnavailable`` when the
    copied counts differ (nothing is kept then).
    """
    report = progress or (lambda step, done, total: None)
    with target._write() as out:
        if _count(out, select(t.resources)) or _count(out, select(t.admin_units)):
            raise AlreadyExists("the target database already holds data; copy into an empty one")
        counts = {}
        with source._read() as into:
            for table in t.metadata.sorted_tables:
                query = select(table)
                if table is t.meta:
                    query = query.where(table.c.key.not_in(KEPT_META))
                counts[table.name] = _copy_table(into, out, table, query, report)
        target._after_copy(out)
    return counts


def _copy_table(into: Connection, out: Connection, table, query, report: Progress) -> int:
    """Copy ``query``'s rows of ``table`` in batches; how many, checked on both sides."""
    total = _count(into, query)
    rows, done = [], 0
    for row in into.execute(query).mappings():
        rows.append(dict(row))
        if len(rows) == BATCH:
            insert_many(out, table, rows)
            done += len(rows)
            rows = []
            report(table.name, done, total)
    insert_many(out, table, rows)
    report(table.name, total, total)
    copied = _count(out, query)
    if copied != total:
        raise StoreUnavailable(f"{table.name}: {total} rows read but {copied} written")
    return total


def _count(conn: Connection, query) -> int:
    return conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
