"""Reading an uploaded file (CSV, XLSX, GeoJSON or GeoPackage) into a table of clean text.

The reader is picked by the file's signature or name. Every reader streams and checks the
file's limits (``limits``) as it goes, before anything grows with what the file merely
declares, and stops at its row limit. Whole-file problems raise ``ImportFileError`` with a
message meant for the person who made the file; so does any other error a parser raises on
a crafted file (never a 500). Every cell goes through the ``RowCollector``, which cleans
it, so direction overrides and invisible characters never reach a plan. A merged title row
above the header is skipped; rows keep the number the spreadsheet shows (the header is row
1 when it is the first line).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.services.imports.csv_reader import read_csv
from app.services.imports.geojson_reader import read_geojson, starts_as_json_object
from app.services.imports.gpkg_reader import GPKG_MAGIC, read_gpkg
from app.services.imports.limits import FULL, ReadLimits
from app.services.imports.table import ImportFileError, RowCollector, Table
from app.services.imports.xlsx_reader import XLSX_MAGIC, read_xlsx

Reader = Callable[[bytes, str, str | None, RowCollector], Table]
"""A format's reader: the file, its name, the sheet or layer asked for, the rows' collector."""
GEO_KIND = "GeoJSON or GeoPackage"
"""How messages name either geographic format."""
log = logging.getLogger("aidmap.imports")


def read_table(
    data: bytes, filename: str, sheet: str | None = None, limits: ReadLimits = FULL.read
) -> Table:
    """The header row and the data rows below it (blank rows dropped)."""
    if not data or data.isspace():
        raise ImportFileError(f"{filename} is empty")
    kind, reader = pick_reader(data, filename)
    try:
        return reader(data, filename, sheet, RowCollector(filename, limits))
    except (ImportFileError, MemoryError):
        raise
    except RecursionError:
        raise ImportFileError(f"{filename} nests its values too deeply") from None
    except Exception as exc:  # a parser's error on a crafted file: the file is bad, not us
        log.warning("unreadable %s upload: %s", kind, type(exc).__name__)
        raise ImportFileError(
            f"{filename} is not a readable {kind} file ({type(exc).__name__})"
        ) from None


def pick_reader(data: bytes, filename: str) -> tuple[str, Reader]:
    """The format's name for messages and its reader: a GeoPackage, GeoJSON (by name, or a
    JSON object inside), an XLSX workbook, else CSV text."""
    name = filename.lower()
    if data.startswith(GPKG_MAGIC) or name.endswith(".gpkg"):
        return GEO_KIND, read_gpkg
    if name.endswith((".geojson", ".json")) or starts_as_json_object(data):
        return GEO_KIND, read_geojson
    if data.startswith(XLSX_MAGIC) or name.endswith(".xlsx"):
        return "XLSX", read_xlsx
    return "CSV", read_csv
