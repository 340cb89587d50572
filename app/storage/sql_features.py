"""Rows for public GeoJSON features, each read in one statement.

An items page used to take four queries in a repeatable-read transaction (the count, the
page, its statuses, its open problem reports), and a single item three: on PostgreSQL
each is a round trip, plus BEGIN and ROLLBACK. Here a page is one statement: the count
is joined to the page, and each resource's statuses and open problem reports come with
its row as JSON text aggregated by the database. One statement sees one snapshot by
itself, so it needs no transaction around it (``_statement``), unless the area carries
a public filter: then its time is bounded (``_time_bound``), which on PostgreSQL is
``SET LOCAL`` inside a transaction.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Select, Text, bindparam, cast, func, null, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.domain.layers import FEATURE_COLUMNS, STATUS_COLUMNS, Area, FeatureRows
from app.storage import schema as t
from app.storage.meta_keys import MetaKey
from app.storage.sql_layers import area_conditions
from app.storage.sql_order import ordered_ids, page_order, sort_columns
from app.storage.sql_support import SqlPlumbing, is_costly


class FeatureQueries(SqlPlumbing):
    """``Store`` methods that read resources as rows for ``services/feature_json.py``."""

    def feature_rows(self, kind: str, area: Area, limit: int, offset: int) -> FeatureRows:
        """How many resources of ``kind`` match ``area`` and one page of them, in the
        area's order (by id unless asked), in one statement. The page's ids are a
        subquery (index-only by id; not 1,000 bound parameters, nor the skipped rows'
        pages read); a page past the end still gives one row, the count's, with nothing
        joined to it. The count of an area that statuses cannot change is kept with the
        resources' change stamp, read in the same statement as each page: while the
        stamp is the one it was counted at, the page is read without counting."""
        key = (kind, area) if counts_keep(area) else None
        kept = self._page_counts.get(key) if key else None
        if kept is not None:
            rows = self._page_rows(kind, area, limit, offset, counted=False)
            if rows[0][1] == kept[0]:
                return _feature_rows(kept[1], rows)
        rows = self._page_rows(kind, area, limit, offset, counted=True)
        total, stamp = rows[0][0], rows[0][1]
        if key is not None and stamp is not None:
            self._page_counts.put(key, (stamp, total))
        return _feature_rows(total, rows)

    def _page_rows(self, kind: str, area: Area, limit: int, offset: int, counted: bool) -> list:
        query = _page_query(kind, area, self.backend, counted)
        with self._filtered_statement(area) as conn:
            return conn.execute(query, {"limit": limit, "offset": offset}).all()

    @contextmanager
    def _filtered_statement(self, area: Area) -> Iterator[Connection]:
        if not is_costly(area):
            with self._statement() as conn:
                yield conn
            return
        with self._read() as conn, self._time_bound(conn, area):
            yield conn

    def feature_row(self, kind: str, resource_id: int) -> tuple | None:
        """One resource of ``kind`` as a row of ``FeatureRows.resources``; None if there
        is no such resource of that kind."""
        with self._statement() as conn:
            row = conn.execute(_item_query(), {"id": resource_id, "kind": kind}).first()
        return None if row is None else tuple(row)


def _feature_rows(total: int, rows: list) -> FeatureRows:
    """The page's rows without their head (the count and the stamp)."""
    if rows[0][2] is None:
        return FeatureRows(total, [])
    return FeatureRows(total, [tuple(row)[2:] for row in rows])


def counts_keep(area: Area) -> bool:
    """Whether ``area``'s count moves only with the resources themselves (which move the
    ``resources_changed_at`` stamp in the same transaction): no service (states filter
    only with one), no time (a status's) or CQL2 filter, and no name (aliases live in a
    table of their own)."""
    return area.service is None and area.during is None and area.where is None and not area.name


class PageCounts:
    """Counts of items pages' areas with the stamp each was counted at, per store (each
    replica keeps its own); the most recent ``SIZE`` areas (a client's bboxes are many)."""

    SIZE = 256

    def __init__(self) -> None:
        self._kept: dict[tuple[str, Area], tuple[str, int]] = {}
        self._lock = threading.Lock()  # pages are read in several worker threads

    def get(self, key: tuple[str, Area]) -> tuple[str, int] | None:
        """The (stamp, count) kept for ``key``, if any."""
        with self._lock:
            return self._kept.get(key)

    def put(self, key: tuple[str, Area], value: tuple[str, int]) -> None:
        """Keep ``value`` for ``key``, forgetting the oldest area beyond ``SIZE``."""
        with self._lock:
            self._kept.pop(key, None)
            self._kept[key] = value
            while len(self._kept) > self.SIZE:
                del self._kept[next(iter(self._kept))]


def _page_query(kind: str, area: Area, backend: str, counted: bool) -> Select:
    """A page's statement for one kind and area on ``backend``: built once for an area
    without a CQL2 filter (building it took as long as writing the features of a page of
    100); a filter's tree is built each time (a dict, and seldom asked twice)."""
    if area.where is not None:
        return _build_page_query(kind, area, backend, counted)
    return _cached_page_query(kind, area, backend, counted)


@functools.lru_cache(maxsize=64)
def _cached_page_query(kind: str, area: Area, backend: str, counted: bool) -> Select:
    return _build_page_query(kind, area, backend, counted)


def _build_page_query(kind: str, area: Area, backend: str, counted: bool) -> Select:
    """The limit and offset are bound parameters; the area's order included. Each row
    starts with the count (NULL when not ``counted``) and the resources' change stamp."""
    c = t.resources.c
    conditions = area_conditions(kind, area, backend)
    ids = ordered_ids(conditions, area)
    ids = ids.limit(bindparam("limit")).offset(bindparam("offset")).correlate(None)
    columns = _columns()
    page = select(*columns, *sort_columns(area)).where(c.id.in_(ids)).subquery("page")
    m = t.meta.c
    stamp = select(m.value).where(m.key == MetaKey.resources_changed.value).scalar_subquery()
    if counted:
        head = select(func.count().label("total"), stamp.label("stamp"))
        head = head.select_from(t.resources).where(*conditions)
    else:
        head = select(null().label("total"), stamp.label("stamp"))
    head = head.subquery("head")
    return (
        select(head.c.total, head.c.stamp, *list(page.c)[: len(columns)])
        .select_from(head.outerjoin(page, true()))
        .order_by(*page_order(area, page))
    )


@functools.cache
def _item_query() -> Select:
    """The single item's statement, built once (building it took a sixth of the item's
    time): the id and the kind are bound parameters."""
    c = t.resources.c
    return select(*_columns()).where(c.id == bindparam("id"), c.kind == bindparam("kind"))


def _columns() -> list:
    """``FEATURE_COLUMNS`` of ``resources``, then its statuses and open problem reports
    (correlated subqueries, one index lookup each per row of the page)."""
    c, s, p = t.resources.c, t.intake_status.c, t.problem_reports.c
    text_columns = {"phones", "conditions"}
    status_values = [
        cast(s[name], Text) if name in text_columns
        else utc_text(s[name]) if name.endswith("_at") else s[name]
        for name in STATUS_COLUMNS
    ]  # fmt: skip
    statuses = select(json_rows(*status_values)).where(s.resource_id == c.id)
    reports = select(json_rows(p.service, utc_text(p.created_at))).where(
        p.resource_id == c.id, p.closed_as.is_(None)
    )
    return [
        *(cast(c[name], Text) if name in text_columns else c[name] for name in FEATURE_COLUMNS),
        statuses.scalar_subquery().label("statuses"),
        reports.scalar_subquery().label("reports"),
    ]


class json_rows(FunctionElement):
    """A JSON array, as text, of one array of the arguments per row aggregated (None or
    ``[]`` for none): ``json_agg`` in PostgreSQL, ``json_group_array`` in SQLite."""

    type = Text()
    name = "json_rows"
    inherit_cache = True


@compiles(json_rows)
def _json_agg(element: json_rows, compiler, **kw) -> str:
    return f"CAST(json_agg(json_build_array({compiler.process(element.clauses, **kw)})) AS TEXT)"


@compiles(json_rows, "sqlite")
def _json_group_array(element: json_rows, compiler, **kw) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


class utc_text(FunctionElement):
    """A timestamp as ISO text in UTC without an offset (``datetime.fromisoformat``
    reads it): formatted in PostgreSQL, the text SQLite keeps it as."""

    type = Text()
    name = "utc_text"
    inherit_cache = True


@compiles(utc_text)
def _to_char(element: utc_text, compiler, **kw) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"""to_char(({value}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""


@compiles(utc_text, "sqlite")
def _stored(element: utc_text, compiler, **kw) -> str:
    return compiler.process(element.clauses, **kw)
