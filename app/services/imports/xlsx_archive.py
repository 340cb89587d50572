"""Checking an XLSX package (a zip) by what it declares, before any of it is inflated.

A zip states each member's uncompressed size, and Python's zipfile never inflates past it
(a member that lies fails its CRC check), so the declared sizes bound what reading costs:
how many members, how large each part that is parsed whole, how large the sheet and the
shared strings that are streamed, all of them together, and how much more a member
inflates than it weighs (a zip bomb). A ZIP64 archive (over 65,535 members or 4 GiB) is no
spreadsheet of ours either.
"""

from __future__ import annotations

import io
import struct
import zipfile

from app.services.imports.table import ImportFileError

MAX_MEMBERS = 1_000
MAX_UNPACKED = 512 * 2**20
"""All members together, inflated."""
MAX_RATIO = 200
"""Inflated size over packed size for any member over ``RATIO_FROM`` (XML packs 5-20x)."""
RATIO_FROM = 2**20
MAX_SHEET_XML = 128 * 2**20
"""One sheet's XML, streamed (a 100,000-row sheet of 20 columns is ~80 MB)."""
MAX_STRINGS_XML = 64 * 2**20
"""The shared strings, streamed."""
MAX_PART_XML = 8 * 2**20
"""Any part openpyxl parses whole: the manifest, the workbook, relationships, styles."""
END_OF_DIRECTORY = struct.Struct("<4s4H2LH")
"""A zip's end-of-central-directory record: signature, disks, member counts, sizes."""


def open_archive(data: bytes, filename: str) -> zipfile.ZipFile:
    """The zip of an XLSX file once its directory and declared sizes are plausible."""
    members = _member_count(data, filename)
    if members > MAX_MEMBERS:
        raise ImportFileError(f"{filename} holds {members:,} parts; a workbook has a few dozen")
    archive = zipfile.ZipFile(io.BytesIO(data))
    total = 0
    for info in archive.infolist():
        total += info.file_size
        packed = max(info.compress_size, 1)
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * packed:
            raise ImportFileError(
                f"{filename}: {info.filename[:80]} would inflate {info.file_size // packed:,} "
                f"times its packed size to {_mib(info.file_size)} (a zip bomb?)"
            )
    if total > MAX_UNPACKED:
        raise ImportFileError(
            f"{filename} would inflate to {_mib(total)}; a workbook is at most {_mib(MAX_UNPACKED)}"
        )
    return archive


def check_part(archive: zipfile.ZipFile, name: str, limit: int, filename: str) -> None:
    """Refuse a member ``name`` that declares more than ``limit`` bytes inflated."""
    try:
        size = archive.getinfo(name).file_size
    except KeyError:
        return  # missing parts are the reader's to report
    if size > limit:
        raise ImportFileError(
            f"{filename}: {name[:80]} would inflate to {_mib(size)}; the limit is {_mib(limit)}"
        )


def _member_count(data: bytes, filename: str) -> int:
    """Members counted from the end-of-directory record, before zipfile builds an object
    per member."""
    start = data.rfind(b"PK\x05\x06", max(0, len(data) - END_OF_DIRECTORY.size - 0xFFFF))
    if start < 0 or start + END_OF_DIRECTORY.size > len(data):
        raise ImportFileError(f"{filename} is not a readable XLSX workbook (not a zip file)")
    _, _, _, _, members, directory_size, _, _ = END_OF_DIRECTORY.unpack_from(data, start)
    if members == 0xFFFF or directory_size == 0xFFFFFFFF:
        raise ImportFileError(f"{filename} is a ZIP64 archive, larger than any workbook")
    return members


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"
