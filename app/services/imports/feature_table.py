"""Turning features (GeoJSON's, or a GeoPackage layer's) into a table, as a sheet is read.

Each feature is a row, numbered from 1 in file order; its properties are the columns, in
order of first appearance, and a point geometry fills ``lon`` and ``lat`` (WGS-84) unless
a property already gives them. Lists are joined with 、 and numbers written as a
spreadsheet shows them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator

from app.services.imports.columns import HEADER_TO_FIELD, header_key
from app.services.imports.limits import MAX_COLUMNS
from app.services.imports.table import ImportFileError, RowCollector, Table

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair, which a JSON escape can give alone but no text can hold."""
Feature = tuple[dict[str, str], tuple[object, object] | None]
"""A feature's properties as cell texts and its point (lon, lat) if it has one."""


def property_texts(properties: dict, filename: str, number: int, seen: dict) -> dict[str, str]:
    """A feature's properties as cell texts; refused past ``MAX_COLUMNS`` names in all
    (``seen``: the names of the features before it)."""
    try:
        texts = {str(key): cell_text(value).strip() for key, value in properties.items()}
    except RecursionError:
        raise ImportFileError(f"{filename}: feature {number} nests lists too deeply") from None
    seen.update(dict.fromkeys(texts))
    if len(seen) > MAX_COLUMNS:
        raise ImportFileError(f"{filename} has over {MAX_COLUMNS} property names, the limit")
    return texts


def feature_table(features: list[Feature], filename: str, rows: RowCollector) -> Table:
    """The features (at most one past the row limit) as a table fed through ``rows``."""
    features = _within_row_limit(features, filename, rows)
    headers = _property_names(features, filename)
    given = {HEADER_TO_FIELD.get(header_key(header)) for header in headers}
    points = not {"lon", "lat"} & given and any(point for _, point in features)
    rows.fix_header(headers + ["lon", "lat"] * points)
    for number, row in _feature_rows(features, headers, points, filename):
        if not rows.add(number, row):
            break
    if len(rows.rows) == 1:
        raise ImportFileError(f"{filename} has no features with values")
    return rows.table()


def _feature_rows(
    features: list[Feature], headers: list[str], points: bool, filename: str
) -> Iterator[tuple[int, list[str]]]:
    """Each feature's number and cells under ``headers``, then its lon and lat if
    ``points``."""
    for number, (properties, point) in enumerate(features, start=1):
        row = [properties.get(header, "") for header in headers]
        if points:
            row += [cell_text(value) for value in point] if point else ["", ""]
        if any(LONE_SURROGATE.search(cell) for cell in row):
            raise ImportFileError(f"{filename}: feature {number} holds a lone UTF-16 surrogate")
        yield number, row


def _within_row_limit(features: list[Feature], filename: str, rows: RowCollector) -> list:
    """The features up to the row limit (the table then marked truncated), or a refusal."""
    limits = rows.limits
    if len(features) <= limits.rows:
        return features
    if not limits.truncate:
        raise ImportFileError(f"{filename} has more than {limits.rows:,} features, the limit")
    rows.truncated = True
    return features[: limits.rows]


def _property_names(features: list[Feature], filename: str) -> list[str]:
    """Every property name, in order of first appearance: the table's columns."""
    names = list(dict.fromkeys(key for properties, _ in features for key in properties))
    if any(LONE_SURROGATE.search(name) for name in names):
        raise ImportFileError(f"{filename}: a property name holds a lone UTF-16 surrogate")
    return names


def cell_text(value: object) -> str:
    """A property's value as the text a spreadsheet cell would show."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, Iterable) and not isinstance(value, dict):
        return "、".join(cell_text(item) for item in value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _number_text(value: float) -> str:
    """A whole number without its '.0' (phone numbers typed as numbers); NaN and infinity
    as an empty cell."""
    if not math.isfinite(value):
        return ""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
