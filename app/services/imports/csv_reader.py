"""Reading CSV text (UTF-8, GB18030 or UTF-16, detected) row by row, within bounds.

The csv module builds a whole record before handing it over, so each record's size is
bounded first: a physical line, and a record spanning lines through quotes, may split into
at most ``MAX_LINE_CELLS`` cells (a 20 MiB line of commas would be ten million strings),
and the file may have at most ``MAX_LINES`` lines. Rows are numbered as records, as a
spreadsheet shows them. A cell guarded against running as a formula (``'=…``) is read as
the value it guards.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator

from app.services.formula_guard import unguard
from app.services.imports.limits import MAX_LINE_CELLS, MAX_LINES
from app.services.imports.table import ImportFileError, RowCollector, Table

MAX_FIELD_CHARS = 32 * 1024 * 1024
"""Read oversized cells whole, so the row reports them instead of the file failing."""
LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)?")
"""One line with its ending, as universal newlines split them."""
RARE_SHARE_LIMIT = 0.2
"""Above this share of Chinese characters outside GB2312, GB18030 text is another encoding."""
RARE_SAMPLE_CHARS = 200_000
"""Judged on the start of the text: a wrong decoding shows from the first lines."""


def read_csv(data: bytes, filename: str, sheet: str | None, rows: RowCollector) -> Table:
    """Every record of a CSV file, fed to ``rows`` until it has enough."""
    if sheet is not None:
        raise ImportFileError(f"{filename} is a CSV file: it has no sheet {sheet!r}")
    text = _sheet_text(data, filename)
    dialect = _dialect(text)
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(_bounded(text, dialect.delimiter, filename), dialect)
    try:
        for number, record in enumerate(reader, start=1):
            if not rows.add(number, [unguard(cell) for cell in record]):
                break
    except csv.Error as exc:
        raise ImportFileError(f"{filename} line {reader.line_num}: {exc}") from None
    return rows.table()


def _sheet_text(data: bytes, filename: str) -> str:
    """The file's text, refused when it is binary or has more lines than a sheet."""
    text = decode_text(data, filename)
    if "\x00" in text:
        raise ImportFileError(f"{filename} is not a text file")
    lines = max(text.count("\n"), text.count("\r")) + 1
    if lines > MAX_LINES:
        raise ImportFileError(f"{filename} has over {MAX_LINES:,} lines; is it a sheet?")
    return text


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """The delimiter sniffed from the start of ``text``, quoted as Excel and WPS quote: the
    sniffer can take ' for the quote character, and misses "" inside a quoted cell that
    holds a delimiter."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        return csv.excel
    dialect.quotechar, dialect.doublequote = '"', True
    return dialect


def _bounded(text: str, delimiter: str, filename: str) -> Iterator[str]:
    """The lines of ``text``, refusing a record (one line, or several joined by a quoted
    line break) that would split into more than ``MAX_LINE_CELLS`` cells; a line is counted
    before it is copied out of the text."""
    cells, quoted, start, number = 0, False, 0, 0
    while start < len(text):
        end = LINE.match(text, start).end()
        number += 1
        cells += text.count(delimiter, start, end)
        if cells >= MAX_LINE_CELLS:
            raise ImportFileError(
                f"{filename} line {number:,} has over {MAX_LINE_CELLS:,} cells; is it a sheet?"
            )
        if text.count('"', start, end) % 2:
            quoted = not quoted
        if not quoted:
            cells = 0
        yield text[start:end]
        start = end


def decode_text(data: bytes, filename: str) -> str:
    """UTF-16 with a BOM, UTF-8 (with or without BOM), else GB18030, else a clear error."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            if _rare_share(text[:RARE_SAMPLE_CHARS]) <= RARE_SHARE_LIMIT:
                return text
    raise ImportFileError(
        f"{filename} is not UTF-8, GB18030 or UTF-16 text (Big5 or Shift-JIS?): "
        "save it as CSV UTF-8"
    )


def _rare_share(text: str) -> float:
    """Share of Chinese characters outside GB2312: high when bytes were decoded wrongly."""
    chinese = [ch for ch in text if "\u3400" <= ch <= "\u9fff" or "\ue000" <= ch <= "\uf8ff"]
    if not chinese:
        return 0.0
    rare = 0
    for ch in chinese:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    return rare / len(chinese)
