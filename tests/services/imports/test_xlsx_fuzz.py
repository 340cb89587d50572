"""Mutated workbooks (issue 13, finding 8): whatever a part of a valid workbook is turned
into, reading it gives a table or a file error, never another exception."""

from __future__ import annotations

import contextlib
import io
import zipfile
from datetime import date

import hypothesis
from hypothesis import strategies as st
from openpyxl import Workbook

from app.services.imports.read import read_table
from app.services.imports.table import ImportFileError, Table

TOKENS = ["<", ">", '"', "&a;", "&#0;", "<!DOCTYPE x>", '<!ENTITY a "b">', '<c r="XFD9">',
          "<v>9</v>", "<v>#REF!</v>", ' t="s"', ' t="e"', ' t="b"', ' r="0"', ' r="A-1"',
          "<f>1+</f>", '<mergeCell ref="A1:ZZ9"/>', '<mergeCell ref="B2"/>', '<row r="-1">',
          "<is><t>x</t></is>", "\x00", "]]>", "<![CDATA[", "<v>99999999</v>", ' s="9999"',
          '<dimension ref="A0"/>', "</sheetData>", "<si><t>", "<sheet/>", "\udcff"]  # fmt: skip


def workbook() -> dict[str, bytes]:
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "区", "电话", "日期", "开放"])
    sheet.append(["甲医院", "黄浦区", 2164370045, date(2022, 4, 10), True])
    sheet.append(["乙医院", None, "021-1", None, False])
    sheet.merge_cells("B2:B3")
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


PARTS = workbook()


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    parts = dict(PARTS)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(n for n in parts if n.endswith((".xml", ".rels")))))
        text = parts[name].decode("utf-8", "surrogateescape")
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        token = draw(st.sampled_from(TOKENS) | st.text(max_size=5))
        parts[name] = (text[:start] + token + text[end:]).encode("utf-8", "surrogateescape")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@hypothesis.settings(max_examples=150, deadline=None, derandomize=True)
@hypothesis.given(mutated())
def test_a_mutated_workbook_is_a_table_or_a_file_error(data: bytes):
    with contextlib.suppress(ImportFileError):
        assert isinstance(read_table(data, "list.xlsx"), Table)
