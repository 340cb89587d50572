"""Read the bundled gazetteer (geodata/admin_units.csv, unit_aliases.csv, districts.geojson)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from app.domain.enums import Level, Precision
from app.domain.records import UnitAlias, UnitRecord

UNITS_FILE = "admin_units.csv"
ALIASES_FILE = "unit_aliases.csv"
DISTRICTS_FILE = "districts.geojson"

Record = TypeVar("Record")


class GazetteerFileError(Exception):
    """A bundled data file is missing or has a row that cannot be read."""


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV file with a header."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GazetteerFileError(f"cannot read {path}: {exc}") from None


def parse_rows(path: Path, parse: Callable[[dict[str, str]], Record]) -> Iterator[Record]:
    """Each row of a CSV file through ``parse``; errors name the file and the row."""
    for line, row in enumerate(read_csv(path), start=2):
        try:
            yield parse(row)
        except (KeyError, ValueError, TypeError) as exc:
            raise GazetteerFileError(f"{path.name} line {line}: {exc!r}") from None


def read_district_outlines(geodata_dir: Path) -> dict[str, dict]:
    """District outlines (GeoJSON geometries, WGS-84) by 12-digit code."""
    path = geodata_dir / DISTRICTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {f["properties"]["code"]: f["geometry"] for f in data["features"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GazetteerFileError(f"cannot read {path}: {exc!r}") from None


def read_units(geodata_dir: Path) -> list[UnitRecord]:
    """Every unit, districts with their outlines."""
    outlines = read_district_outlines(geodata_dir)

    def parse(row: dict[str, str]) -> UnitRecord:
        return UnitRecord(
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

    units = list(parse_rows(geodata_dir / UNITS_FILE, parse))
    _check_hierarchy(units)
    return units


def read_aliases(geodata_dir: Path) -> list[UnitAlias]:
    """Former names and short forms of units."""
    return list(
        parse_rows(
            geodata_dir / ALIASES_FILE,
            lambda row: UnitAlias(alias=row["alias"], unit_code=row["code"], kind=row["kind"]),
        )
    )


def _check_hierarchy(units: list[UnitRecord]) -> None:
    level_of = {unit.code: unit.level for unit in units}
    if len(level_of) != len(units):
        raise GazetteerFileError(f"{UNITS_FILE}: duplicate codes")
    parent_level = {Level.street: Level.district, Level.committee: Level.street}
    for unit in units:
        expected = parent_level.get(unit.level)
        if level_of.get(unit.parent_code) != expected:
            raise GazetteerFileError(
                f"{UNITS_FILE}: {unit.code} {unit.name} needs a {expected or 'no'} parent, "
                f"has {unit.parent_code!r}"
            )
