"""Writes the `.xls` and `.ods` test workbooks in crates/partnercrm/tests/fixtures/.

They are committed, as a colleague's files would arrive; this script says how
they were made. It needs xlwt and odfpy, which the tests themselves do not:

    python3 -m venv /tmp/fixtures && /tmp/fixtures/bin/pip install xlwt odfpy
    /tmp/fixtures/bin/python scripts/sheet_fixtures.py

Both hold the German contributions file as Excel and LibreOffice type it
(figures as numbers, days as dates, one pasted figure and day as text), and a
second sheet, "Fehler", with a problem at a known cell.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "crates" / "partnercrm" / "tests" / "fixtures"

HEADER = ["Geber", "Empfänger", "Art", "Betrag", "Währung", "Datum"]
Cell = str | float | date | None
SHEETS: dict[str, list[list[Cell]]] = {
    "Spenden": [
        HEADER,
        ["Chevron", "IOM Angola", "Spende", 1234.56, "EUR", date(2024, 3, 15)],
        [None] * 6,
        # Pasted as text: read in the locale.
        ["UBS", "IOM Indonesia", "Sachspende", "12.500", "CHF", "01.02.2024"],
        ["UBS", "IOM Indonesia", "Spende", 0.1 + 0.2, "CHF", date(2024, 2, 1)],
    ],
    "Fehler": [
        HEADER,
        ["Chevron", "IOM Angola", "Spende", 10.0, "EUR", date(2024, 3, 15)],
        # An unknown donor at A3 and a day that does not exist at F3.
        ["Unbekannt GmbH", "IOM Angola", "Spende", 5.0, "EUR", "31.02.2024"],
    ],
}


def write_xls(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    money = xlwt.easyxf(num_format_str="#,##0.00")
    day = xlwt.easyxf(num_format_str="DD.MM.YYYY")
    for name, rows in SHEETS.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if isinstance(cell, date):
                    sheet.write(r, c, cell, day)
                elif isinstance(cell, float):
                    sheet.write(r, c, cell, money)
                elif cell is not None:
                    sheet.write(r, c, cell)
    book.save(str(path))


def write_ods(path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, rows in SHEETS.items():
        table = Table(name=name)
        for row in rows:
            tr = TableRow()
            for cell in row:
                if isinstance(cell, date):
                    tc = TableCell(valuetype="date", datevalue=cell.isoformat())
                    tc.addElement(P(text=cell.strftime("%d.%m.%Y")))
                elif isinstance(cell, float):
                    tc = TableCell(valuetype="float", value=repr(cell))
                    tc.addElement(P(text=f"{cell:.2f}".replace(".", ",")))
                elif cell is not None:
                    tc = TableCell(valuetype="string")
                    tc.addElement(P(text=cell))
                else:
                    tc = TableCell()
                tr.addElement(tc)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))


if __name__ == "__main__":
    write_xls(FIXTURES / "spenden.xls")
    write_ods(FIXTURES / "spenden.ods")
