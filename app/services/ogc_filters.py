"""Filters of an OGC items request checked against a collection's queryables: CQL2
(Part 3, text or JSON, parsed by the ``cql2`` package), property equality (``?name=…``)
and ``datetime`` (Core).

Every form ends as one checked CQL2-JSON tree (``Area.where``) the store translates to
SQL: properties become store fields, literals are cast to the queryable's type (a
string compared with a date-time is a timestamp, as GDAL sends them), temporal
functions on the instant ``status_time`` become comparisons, geometries become
``Shape``s. Anything else is a 400 here, never an SQL error later.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

import cql2
import shapely
from shapely.geometry import box, shape

from app.domain.layers import STATUS_TIME, Shape
from app.services.cql2_limits import BadFilter, Budget, check_text
from app.services.layers import Collection
from app.services.ogc_queryables import Queryable, queryables_of

FILTER_LANGS = ("cql2-text", "cql2-json", "cql-text")
"""``cql-text`` is the draft's name, the only one GDAL 3.6 sends."""
MAX_DISTANCE_M = 100_000.0
MAX_FILTER_CHARS = 100_000
COMPARISONS = {"=", "<>", "<", "<=", ">", ">="}
FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
SPATIAL = {"s_intersects", "s_within", "s_contains", "s_disjoint", "s_equals", "s_touches",
           "s_crosses", "s_overlaps"}  # fmt: skip
TEMPORAL = {"t_after": ">", "t_before": "<", "t_equals": "=", "t_intersects": "="}
DISTANCE_UNITS = {"m", "meter", "meters", "metre", "metres"}


def parse_filter(text: str, lang: str | None, collection: Collection) -> dict:
    """A ``filter`` parameter in ``lang`` (cql2-text by default) as a checked tree."""
    lang = lang or "cql2-text"
    if lang not in FILTER_LANGS:
        raise BadFilter(f"filter-lang must be one of {', '.join(FILTER_LANGS)}")
    if len(text) > MAX_FILTER_CHARS:
        raise BadFilter(f"filter is over {MAX_FILTER_CHARS} characters")
    try:
        if lang == "cql2-json":
            expression = cql2.parse_json(text)
            expression.validate()
        else:
            check_text(text)  # before the parser can overflow its thread's stack
            expression = cql2.parse_text(text)
        tree = expression.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        raise BadFilter(f"filter is not {lang}: {first[:200]}") from None
    return _Checker(queryables_of(collection)).boolean(tree)


def property_filter(params: Mapping[str, str], collection: Collection) -> dict | None:
    """``?name=…&district_id=3``: equality on each queryable named (never the geometry)."""
    queryables = queryables_of(collection)
    checker = _Checker(queryables)
    wanted = [
        checker.boolean({"op": "=", "args": [{"property": name}, value]})
        for name, value in params.items()
        if name in queryables and queryables[name].type != "geometry"
    ]
    if not wanted:
        return None
    return wanted[0] if len(wanted) == 1 else {"op": "and", "args": wanted}


def both(*trees: dict | None) -> dict | None:
    """The conjunction of the trees given (None if none is)."""
    found = [tree for tree in trees if tree is not None]
    if not found:
        return None
    return found[0] if len(found) == 1 else {"op": "and", "args": found}


def parse_datetime(text: str) -> tuple[datetime | None, datetime | None]:
    """Core's ``datetime``: an instant, ``a/b``, ``../b`` or ``a/..`` (RFC 3339; a date
    alone is its whole UTC day) as a closed interval, None at an open end."""
    parts = text.split("/")
    if len(parts) > 2:
        raise BadFilter("datetime is an instant or start/end")
    if len(parts) == 1:
        start, end = _day_or_instant(parts[0])
        return start, end
    start = None if parts[0] in {"", ".."} else _day_or_instant(parts[0])[0]
    end = None if parts[1] in {"", ".."} else _day_or_instant(parts[1])[1]
    if start is None and end is None:
        raise BadFilter("datetime needs at least one end")
    if start is not None and end is not None and start > end:
        raise BadFilter("datetime starts after it ends")
    return start, end


def _day_or_instant(text: str) -> tuple[datetime, datetime]:
    try:
        if len(text) == 10:
            day = datetime.combine(date.fromisoformat(text), time(), UTC)
            return day, day + timedelta(days=1) - timedelta(microseconds=1)
        found = _timestamp(text)
    except (ValueError, OverflowError):  # OverflowError: a day or offset past year 9999
        raise BadFilter(f"not an RFC 3339 date-time: {text[:40]!r}") from None
    return found, found


def _timestamp(text: str) -> datetime:
    """An RFC 3339 timestamp (UTC when it names no offset); ValueError otherwise."""
    if "T" not in text.upper():
        raise ValueError(text)
    found = datetime.fromisoformat(text)
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


class _Checker:
    """Walks a CQL2-JSON tree, refusing what the queryables cannot answer."""

    def __init__(self, queryables: Mapping[str, Queryable]) -> None:
        self.queryables = queryables
        self.budget = Budget()

    def boolean(self, node: object, depth: int = 0) -> dict:
        if not isinstance(node, dict) or "op" not in node:
            raise BadFilter("a filter must be a condition, such as name = 'x'")
        self.budget.nest(depth)
        op, args = str(node["op"]).lower(), list(node.get("args") or [])
        if op in {"and", "or"}:
            return {"op": op, "args": [self.boolean(arg, depth + 1) for arg in args]}
        if op == "not":
            return {"op": "not", "args": [self.boolean(self._one(args), depth + 1)]}
        self.budget.term()
        if op in COMPARISONS:
            return self._comparison(op, args)
        if op == "like":
            left, pattern = self._pair(args)
            subject, kind = self._subject(left)
            pattern = _folded(pattern)
            if kind.type != "string" or not isinstance(pattern, str):
                raise BadFilter("LIKE compares a text property with a text pattern")
            _no_nul(pattern)
            self.budget.pattern()
            return {"op": "like", "args": [subject, pattern]}
        if op == "in":
            left, values = self._pair(args)
            subject, kind = self._subject(left)
            if not isinstance(values, list) or not values:
                raise BadFilter("IN needs a list of values")
            self.budget.term(len(values))
            return {"op": "in", "args": [subject, [self._literal(kind, v) for v in values]]}
        if op == "isnull":
            subject, kind = self._subject(self._one(args))
            if kind.type == "geometry":
                raise BadFilter("IS NULL takes a property, not the geometry every feature has")
            return {"op": "isNull", "args": [subject]}
        if op == "between":
            if len(args) != 3:
                raise BadFilter("BETWEEN needs a property and two values")
            subject, kind = self._subject(args[0])
            low, high = (self._literal(kind, v) for v in args[1:])
            return {"op": "between", "args": [subject, low, high]}
        if op in SPATIAL or op == "s_dwithin":
            return self._spatial(op, args)
        if op in TEMPORAL:
            return self._temporal(op, args)
        raise BadFilter(f"unsupported filter operator {op[:30]!r}")

    def _comparison(self, op: str, args: list) -> dict:
        left, right = self._pair(args)
        if not _names_property(left) and _names_property(right):
            left, right, op = right, left, FLIPPED[op]
        subject, kind = self._subject(left)
        value = self._literal(kind, _folded(right))
        if kind.type == "boolean" and op not in {"=", "<>"}:
            raise BadFilter("booleans compare only with = and <>")
        return {"op": op, "args": [subject, value]}

    def _temporal(self, op: str, args: list) -> dict:
        left, right = self._pair(args)
        subject, kind = self._subject(left)
        if kind.type != "date-time":
            raise BadFilter(f"{op.upper()} needs a date-time property")
        if isinstance(right, dict) and "interval" in right:
            ends = right["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise BadFilter("INTERVAL takes a start and an end")
            start, end = (None if v == ".." else self._literal(kind, v) for v in ends)
            if op == "t_intersects":
                parts = [{"op": ">=", "args": [subject, start]}] if start else []
                parts += [{"op": "<=", "args": [subject, end]}] if end else []
                return both(*parts) or {"op": "not", "args": [{"op": "isNull", "args": [subject]}]}
            raise BadFilter(f"{op.upper()} takes an instant here; T_INTERSECTS takes an interval")
        return {"op": TEMPORAL[op], "args": [subject, self._literal(kind, right)]}

    def _spatial(self, op: str, args: list) -> dict:
        if op == "s_dwithin":
            if len(args) == 4 and args[3] in ({"property": u} for u in DISTANCE_UNITS):
                args = args[:3]
            if len(args) != 3 or isinstance(args[2], bool) or not isinstance(args[2], int | float):
                raise BadFilter("S_DWITHIN takes a geometry property, a geometry and metres")
            if not 0 <= args[2] <= MAX_DISTANCE_M:
                raise BadFilter(f"S_DWITHIN distance must be 0 to {MAX_DISTANCE_M:.0f} m")
        elif len(args) != 2:
            raise BadFilter(f"{op.upper()} takes two geometries")
        left, right = args[0], args[1]
        if not _names_property(left) and _names_property(right):
            left, right = right, left
            op = {"s_within": "s_contains", "s_contains": "s_within"}.get(op, op)
        subject, kind = self._subject(left)
        if kind.type != "geometry":
            raise BadFilter(f"{op.upper()} needs the geometry property")
        found = [subject, _shape(right, self.budget)]
        if op == "s_dwithin":
            found.append(float(args[2]))
        return {"op": op, "args": found}

    def _subject(self, node: object) -> tuple[dict, Queryable]:
        lowered = False
        if isinstance(node, dict) and str(node.get("op", "")).lower() == "casei":
            node, lowered = self._one(node.get("args") or []), True
        if not _names_property(node):
            raise BadFilter("a condition compares a queryable with a value")
        name = node["property"]
        queryable = self.queryables.get(name)
        if queryable is None:
            known = ", ".join(self.queryables)
            raise BadFilter(f"{str(name)[:40]!r} is not a queryable; see queryables: {known}")
        if queryable.field == STATUS_TIME:
            self.budget.time()
        subject = {"property": queryable.field}
        if lowered:
            if queryable.type != "string":
                raise BadFilter("CASEI takes text")
            subject = {"op": "casei", "args": [subject]}
        return subject, queryable

    @staticmethod
    def _literal(kind: Queryable, value: object) -> object:
        expected = kind.type
        if value is None:
            raise BadFilter("compare with NULL using IS NULL")
        if expected == "integer":
            if isinstance(value, str):
                value = _number(value)
            if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
                return int(value)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        elif expected == "string" and isinstance(value, str):
            return _no_nul(value)
        elif expected == "boolean":
            if isinstance(value, bool):
                return value
            if value in ("true", "false"):
                return value == "true"
        elif expected == "date-time":
            text = value.get("timestamp") or value.get("date") if isinstance(value, dict) else value
            if isinstance(text, str):
                try:
                    return _day_or_instant(text)[0] if len(text) == 10 else _timestamp(text)
                except (BadFilter, ValueError, OverflowError):
                    pass
        raise BadFilter(f"{json.dumps(value, ensure_ascii=False)[:40]} is not a valid {expected}")

    @staticmethod
    def _pair(args: list) -> tuple[object, object]:
        if len(args) != 2:
            raise BadFilter("a comparison takes two arguments")
        return args[0], args[1]

    @staticmethod
    def _one(args: list) -> object:
        if len(args) != 1:
            raise BadFilter("this function takes one argument")
        return args[0]


def _names_property(node: object) -> bool:
    if isinstance(node, dict) and str(node.get("op", "")).lower() == "casei":
        return any(_names_property(arg) for arg in node.get("args") or [])
    return isinstance(node, dict) and set(node) == {"property"}


def _folded(node: object) -> object:
    """``CASEI('Text')`` as ``'text'``; any other node as it is."""
    if not (isinstance(node, dict) and str(node.get("op", "")).lower() == "casei"):
        return node
    args = node.get("args") or []
    if len(args) != 1 or not isinstance(args[0], str):
        raise BadFilter("CASEI of a value takes text")
    return args[0].lower()


def _no_nul(text: str) -> str:
    """Text a store can compare: PostgreSQL refuses a NUL in text (an error, not a match)."""
    if "\x00" in text:
        raise BadFilter("text values cannot contain NUL characters")
    return text


def _number(text: str) -> object:
    try:
        return float(text)
    except ValueError:
        return text


def _shape(node: object, budget: Budget) -> Shape:
    """A literal geometry (GeoJSON or ``{"bbox": [...]}``, CRS84) as a ``Shape``."""
    try:
        if isinstance(node, dict) and "bbox" in node:
            corners = [float(v) for v in node["bbox"]]
            if len(corners) not in {4, 6}:
                raise ValueError("bbox")
            west, south, east, north = corners if len(corners) == 4 else corners[:2] + corners[3:5]
            geometry = box(west, south, east, north)
        elif isinstance(node, dict) and "type" in node:
            geometry = shape(node)
        else:
            raise ValueError("not a geometry")
        vertices = shapely.get_num_coordinates(geometry)
    except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError):
        raise BadFilter(
            "a spatial function needs a geometry literal (WKT, GeoJSON or BBOX)"
        ) from None
    budget.geometry(vertices)
    bounds = tuple(float(v) for v in geometry.bounds)
    if geometry.is_empty or not all(math.isfinite(v) for v in bounds):
        raise BadFilter("geometry literals must be non-empty and finite")
    if not geometry.is_valid:  # GEOS may fail on it, in SQL or in shapely alike
        reason = shapely.is_valid_reason(geometry)
        raise BadFilter(f"geometry literal is not valid: {reason[:80]}")
    west, south, east, north = bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise BadFilter("geometry literals are CRS84 lon/lat within -180..180, -90..90")
    is_box = geometry.geom_type == "Point" or (
        geometry.geom_type == "Polygon" and geometry.area > 0 and geometry.equals(box(*bounds))
    )
    return Shape(shapely.to_wkb(geometry), bounds, is_box)
