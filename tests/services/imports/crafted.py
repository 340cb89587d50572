"""Workbooks built by hand, part by part, as a hostile file would be."""

from __future__ import annotations

import io
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
BOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
ROWS = [["名称", "区", "电话"], ["全新医院", "黄浦区", "021-55559999"], ["另一医院", "徐汇区", ""]]


def cells(rows: list[list[str]] = ROWS) -> str:
    """Inline-string rows as sheet XML (the inside of ``<sheetData>``)."""
    return "".join(
        f'<row r="{n}">'
        + "".join(
            f'<c r="{"ABCDEFGHIJ"[i]}{n}" t="inlineStr"><is><t>{v}</t></is></c>'
            for i, v in enumerate(row)
        )
        + "</row>"
        for n, row in enumerate(rows, start=1)
    )


def sheet(data: str | None = None, after: str = "", before: str = "") -> str:
    """A worksheet part: ``before`` the data, the data (``ROWS`` by default), ``after`` it."""
    data = cells() if data is None else data
    return f'<worksheet xmlns="{MAIN}">{before}<sheetData>{data}</sheetData>{after}</worksheet>'


def xlsx(sheet_xml: str | bytes, strings_xml: str | None = None, extra: int = 0) -> bytes:
    """A workbook of one sheet (and a shared-strings part), with ``extra`` empty members."""
    strings = strings_xml is not None
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{BOOK_TYPE}"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}"/>'
        + (f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
           if strings else "")
        + "</Types>"
    )  # fmt: skip
    book = (f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="医院" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>')  # fmt: skip
    book_rels = (
        f'<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        + (f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
           if strings else "")
        + "</Relationships>"
    )  # fmt: skip
    package_rels = (
        f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if strings:
            archive.writestr("xl/sharedStrings.xml", strings_xml)
        for n in range(extra):
            archive.writestr(f"extra/{n}.txt", "")
    return out.getvalue()


def laughs(levels: int = 9) -> str:
    """A billion-laughs shared-strings part: each entity ten of the one before."""
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, levels + 1)
    )
    return (f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]><sst xmlns="{MAIN}">'
            f"<si><t>&a{levels};</t></si></sst>")  # fmt: skip
