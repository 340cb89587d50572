"""Read the bundled gazetteer (geodata/admin_units.csv, unit_aliases.csv, districts.geojson)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from app.storage.base import Level, Precision, UnitAlias, UnitRecord

UNITS_FILE = "admin_units.csv"
ALIASES_FILE = "unit_aliases.csv"
DISTRICTS_FILE = "districts.geojson"


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV file with a header."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_district_outlines(geodata_dir: Path) -> dict[str, dict]:
    """District outlines (GeoJSON geometries, WGS-84) by 12-digit code."""
    data = json.loads((geodata_dir / DISTRICTS_FILE).read_text(encoding="utf-8"))
    return {f["properties"]["code"]: f["geometry"] for f in data["features"]}


def read_units(geodata_dir: Path) -> list[UnitRecord]:
    """Every unit, parents before children, districts with their outlines."""
    outlines = read_district_outlines(geodata_dir)
    return [
        UnitRecord(
            code=row["code"],
            level=Level(row["level"]),
            name=row["name"],
            kind=row["kind"],
            parent_code=row["parent_code"] or None,
            lon=float(row["lon"]),
            lat=float(row["lat"]),
            precision=Precision(row["precision"]),
            name_en=row["name_en"] or None,
            boundary=outlines.get(row["code"]),
        )
        for row in read_csv(geodata_dir / UNITS_FILE)
    ]


def read_aliases(geodata_dir: Path) -> list[UnitAlias]:
    """Former names and short forms of units."""
    return [
        UnitAlias(alias=row["alias"], unit_code=row["code"], kind=row["kind"])
        for row in read_csv(geodata_dir / ALIASES_FILE)
    ]
