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
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Select, Text, bindparam, cast, func, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.domain.layers import FEATURE_COLUMNS, STATUS_COLUMNS, Area, FeatureRows
from app.storage import schema as t
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
        joined to it."""
        query = _page_query(kind, area, self.backend)
        with self._filtered_statement(area) as conn:
            rows = conn.execute(query, {"limit": limit, "offset": offset}).all()
        if rows[0][1] is None:
            return FeatureRows(rows[0][0], [])
        return FeatureRows(rows[0][0], [tuple(row)[1:] for row in rows])

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


def _page_query(kind: str, area: Area, backend: str) -> Select:
    """A page's statement for one kind and area on ``backend``: built once for an area
    without a CQL2 filter (building it took as long as writing the features of a page of
    100); a filter's tree is built each time (a dict, and seldom asked twice)."""
    if area.where is not None:
        return _build_page_query(kind, area, backend)
    return _cached_page_query(kind, area, backend)


@functools.lru_cache(maxsize=64)
def _cached_page_query(kind: str, area: Area, backend: str) -> Select:
    return _build_page_query(kind, area, backend)


def _build_page_query(kind: str, area: Area, backend: str) -> Select:
    """The limit and offset are bound parameters; the area's order included."""
    c = t.resources.c
    conditions = area_conditions(kind, area, backend)
    ids = ordered_ids(conditions, area)
    ids = ids.limit(bindparam("limit")).offset(bindparam("offset")).correlate(None)
    columns = _columns()
    page = select(*columns, *sort_columns(area)).where(c.id.in_(ids)).subquery("page")
    matched = select(func.count().label("total")).select_from(t.resources).where(*conditions)
    counted = matched.subquery("matched")
    return (
        select(counted.c.total, *list(page.c)[: len(columns)])
        .select_from(counted.outerjoin(page, true()))
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
