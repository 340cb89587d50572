"""Bounds on the size of a public CQL2 filter, so that one GET costs a bounded amount.

The ``cql2`` parser (Rust) recurses once per parenthesis and per chained operator on
the calling thread's stack: a few thousand ``NOT``s or ``(`` in one URL overflow that
stack and kill the whole server process (a segfault, which no ``except`` catches). So
cql2-text is measured here before it is parsed: nesting and operators outside quoted
strings and geometry literals (whose coordinates may be negative). cql2-json needs no
such check: its JSON reader refuses nesting beyond 128 itself.

The checked tree is bounded too (``Budget``): its nesting (SQLAlchemy and SQLite recurse
on it), its terms (each a bound parameter: SQLite takes at most 32,766 in a statement)
its geometry literals (the exact test of each costs GEOS time on every row of its
envelope: about 2 s at 100,000 hospitals for one large polygon), its LIKE patterns (a
scan each, ~10 ms more apiece at 100,000) and its references to ``status_time`` (a
correlated ``max()`` per row for each: 40 of them took 16 s at 100,000).
"""

from __future__ import annotations

import re

from app.core.errors import AppError

MAX_NESTING = 20
MAX_OPERATORS = 500
MAX_TERMS = 1_000
MAX_GEOMETRIES = 4
MAX_PATTERNS = 32
MAX_TIME_TERMS = 4
MAX_VERTICES = 10_000
"""Across all the geometry literals of a filter."""
GEOMETRY_WORDS = {
    "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
    "geometrycollection", "bbox", "envelope",
}  # fmt: skip
_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"[^\"]*\"|(?P<word>[A-Za-z_]\w*)|(?P<open>\()|(?P<close>\))"
    r"|(?P<op>[-+*/=<>])|.",
    re.DOTALL,
)


class BadFilter(AppError):
    """A filter, property value or time that cannot be applied to the collection (here:
    one beyond the bounds a public request may ask for)."""

    status_code = 400
    code = "bad_query"


def check_text(text: str) -> None:
    """Refuse cql2-text nested deeper than ``MAX_NESTING`` or with more than
    ``MAX_OPERATORS`` operators (AND, OR, NOT, arithmetic and comparison signs)."""
    depth, operators, literal_depth = 0, 0, None
    for token in _TOKEN.finditer(text):
        if token["open"]:
            depth += 1
            if depth > MAX_NESTING:
                raise BadFilter(f"filter is nested deeper than {MAX_NESTING} levels")
        elif token["close"]:
            depth -= 1
            if literal_depth is not None and depth <= literal_depth:
                literal_depth = None
        elif literal_depth is not None:
            continue
        elif token["word"] and token["word"].lower() in GEOMETRY_WORDS:
            literal_depth = depth
        elif token["op"] or (token["word"] and token["word"].lower() in {"and", "or", "not"}):
            operators += 1
            if operators > MAX_OPERATORS:
                raise BadFilter(f"filter has over {MAX_OPERATORS} operators")


class Budget:
    """What one checked tree has used of each bound."""

    def __init__(self) -> None:
        self.terms = self.geometries = self.vertices = self.patterns = self.times = 0

    def nest(self, depth: int) -> None:
        """Refuse a condition ``depth`` levels down the tree beyond ``MAX_NESTING``."""
        if depth > MAX_NESTING:
            raise BadFilter(f"filter is nested deeper than {MAX_NESTING} levels")

    def term(self, count: int = 1) -> None:
        """Count conditions or the values of an IN list."""
        self.terms += count
        if self.terms > MAX_TERMS:
            raise BadFilter(f"filter has over {MAX_TERMS} conditions and values")

    def geometry(self, vertices: int) -> None:
        """Count a geometry literal of ``vertices`` vertices."""
        self.geometries += 1
        self.vertices += vertices
        if self.geometries > MAX_GEOMETRIES:
            raise BadFilter(f"filter has over {MAX_GEOMETRIES} geometry literals")
        if self.vertices > MAX_VERTICES:
            raise BadFilter(f"geometry literals have at most {MAX_VERTICES} vertices")

    def pattern(self) -> None:
        """Count a LIKE pattern."""
        self.patterns += 1
        if self.patterns > MAX_PATTERNS:
            raise BadFilter(f"filter has over {MAX_PATTERNS} LIKE patterns")

    def time(self) -> None:
        """Count a reference to ``status_time``."""
        self.times += 1
        if self.times > MAX_TIME_TERMS:
            raise BadFilter(f"filter names status_time over {MAX_TIME_TERMS} times")
