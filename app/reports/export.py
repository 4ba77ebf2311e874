"""The report's tables as CSV and as a small XLSX workbook (one sheet per table, no dependency).

XLSX is a zip of SpreadsheetML parts (ECMA-376); cells are inline strings or numbers, which
every spreadsheet program opens.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from html import escape  # its entities (&amp; &lt; &gt; &quot; &#x27;) are valid XML too
from typing import Any

from .service import Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a cell text a spreadsheet would run


def _safe_text(value: Any) -> str:
    """VALUE as cell text; a text starting like a formula gets a leading quote (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(tables: Iterable[Table]) -> str:
    """Every table, one after another, each headed by its title, separated by a blank line."""
    out = io.StringIO()
    writer = csv.writer(out)
    for table in tables:
        writer.writerow([_safe_text(table.title)])
        writer.writerow([_safe_text(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([v if isinstance(v, int | float) else _safe_text(v) for v in row])
        writer.writerow([])
    return out.getvalue()


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, bool) or value is None:
        value = "" if value is None else str(value)
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", str(value)))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet(table: Table) -> str:
    rows = [(table.title,), table.headers, *table.rows]
    lines = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{_column(c)}{r}", v) for c, v in enumerate(row))
        lines.append(f'<row r="{r}">{cells}</row>')
    return (f'{HEAD}<worksheet xmlns="{NS}/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(lines)}</sheetData></worksheet>')


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:28].strip() or "Tabel"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name.lower())
    return name


NS = "http://schemas.openxmlformats.org"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
RELS_NS = f"{NS}/package/2006/relationships"
DOC_REL = f"{NS}/officeDocument/2006/relationships"
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"


def _content_types(count: int) -> str:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
        for i in range(1, count + 1))
    return (f'{HEAD}<Types xmlns="{NS}/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{RELS_TYPE}"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{MAIN_TYPE}"/>'
            f"{overrides}</Types>")


def _workbook(names: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, n in enumerate(names, start=1))
    return (f'{HEAD}<workbook xmlns="{NS}/spreadsheetml/2006/main" xmlns:r="{DOC_REL}">'
            f"<sheets>{sheets}</sheets></workbook>")


def _relationships(targets: list[tuple[str, str]]) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{DOC_REL}/{kind}" Target="{target}"/>'
                   for i, (kind, target) in enumerate(targets, start=1))
    return f'{HEAD}<Relationships xmlns="{RELS_NS}">{rels}</Relationships>'


def to_xlsx(tables: list[Table]) -> bytes:
    """A workbook with one sheet per table (title row, header row, data rows)."""
    used: set[str] = set()
    names = [_sheet_name(t.title, used) for t in tables] or ["Laporan"]
    sheets = [_sheet(t) for t in tables] or [_sheet(Table("", "", (), []))]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _content_types(len(sheets)))
        archive.writestr("_rels/.rels", _relationships([("officeDocument", "xl/workbook.xml")]))
        archive.writestr("xl/workbook.xml", _workbook(names))
        archive.writestr("xl/_rels/workbook.xml.rels", _relationships(
            [("worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]))
        for i, sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", sheet)
    return buffer.getvalue()
