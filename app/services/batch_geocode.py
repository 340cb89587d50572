"""Geocoding every row of a table and writing the answers beside the input columns."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from app.geo.geocoders.base import GeocodeQuery
from app.geo.geocoders.chain import GeocoderChain
from app.services.imports.table import Table

OUTPUT_COLUMNS = [
    "lon", "lat", "precision", "confidence", "district", "street", "committee", "outcome", "notes",
]  # fmt: skip


def geocode_table(
    chain: GeocoderChain,
    table: Table,
    address_column: str,
    district_column: str | None,
    output: Path,
    progress: Callable[[int], None] | None = None,
) -> Counter:
    """Write ``output`` (UTF-8 CSV with a BOM, so Excel and WPS read it); returns how many
    rows got each precision, or each outcome when nothing was found."""
    for column in filter(None, (address_column, district_column)):
        if column not in table.headers:
            raise KeyError(f"no column {column!r}; columns: {', '.join(table.headers)}")
    address_at = table.headers.index(address_column)
    district_at = table.headers.index(district_column) if district_column else None
    counts: Counter = Counter()
    with output.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*table.headers, *OUTPUT_COLUMNS])
        for done, (_, row) in enumerate(table.rows, start=1):
            district = row[district_at] if district_at is not None else None
            result = chain.geocode(GeocodeQuery(row[address_at], district or None))
            counts[result.precision.value if result.found else result.outcome.value] += 1
            answer = [
                result.lon, result.lat, result.precision and result.precision.value,
                result.confidence, result.district, result.street, result.committee,
                result.outcome.value, "; ".join(result.notes),
            ]  # fmt: skip
            writer.writerow([*row, *("" if value is None else value for value in answer)])
            if progress:
                progress(done)
    return counts
