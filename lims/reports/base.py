"""What every report is made of: tables (headers, rows, a link per figure) and server-drawn charts.

A report is built by one function per module (`build(user, params) -> Report`), made only of aggregate queries; the
page, the JSON API and the spreadsheets all render that one object, so the figures a manager sees, downloads and
fetches from the API cannot disagree.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from lims.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, as_cell, safe_text, xlsx_row


@dataclass
class Table:
    """One table of a report. `links[i][j]` is the URL of the list behind `rows[i][j]` ("" when none)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[list[str]] = field(default_factory=list)
    note: str = ""

    def add(self, row: list, links: list[str] | None = None) -> None:
        self.rows.append(row)
        self.links.append(links if links is not None else [""] * len(row))

    def cells(self):
        """(value, url) pairs per row, for the template."""
        for row, links in zip(self.rows, self.links, strict=True):
            yield list(zip(row, links, strict=True))

    def as_json(self) -> dict:
        return {"title": self.title, "headers": self.headers,
                "rows": [[_json_value(v) for v in row] for row in self.rows]}


def _json_value(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@dataclass
class Report:
    name: str
    title: str
    tables: list[Table]
    charts: list[str] = field(default_factory=list)  # inline SVG markup (lims.reports.charts)
    params: dict = field(default_factory=dict)  # the filters it was built with (shown, echoed in JSON)
    summary: dict = field(default_factory=dict)  # headline figures (JSON keys)
    labels: dict = field(default_factory=dict)  # summary key → label shown on the page (keys without one are hidden)

    @property
    def headlines(self) -> list[tuple[str, object]]:
        return [(label, self.summary[key]) for key, label in self.labels.items() if key in self.summary]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def as_json(self) -> dict:
        return {"report": self.name, "title": self.title, "params": {k: _json_value(v) for k, v in self.params.items()},
                "summary": {k: _json_value(v) for k, v in self.summary.items()},
                "tables": {t.key: t.as_json() for t in self.tables}}


HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")


def xlsx_response(report: Report) -> HttpResponse:
    """One sheet per table: bold filled header row, frozen below it, widths fitted to the text, numbers as numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in report.tables:
        sheet = workbook.create_sheet(title=_sheet_title(table.title, workbook))
        sheet.append(xlsx_row(sheet, table.headers))
        for cell in sheet[1]:
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        for row in table.rows:
            sheet.append(xlsx_row(sheet, row))
        sheet.freeze_panes = "A2"
        for index, header in enumerate(table.headers, start=1):
            longest = max([len(str(header))] + [len(str(row[index - 1])) for row in table.rows if row[index - 1]
                                                is not None])
            sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 8), 60)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(report)}.xlsx"'
    return response


def _sheet_title(title: str, workbook) -> str:
    base = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
    name, n = base, 2
    while name in workbook.sheetnames:
        name = f"{base[:28]} {n}"
        n += 1
    return name


def csv_response(report: Report) -> HttpResponse:
    """Every table in turn: a row with its title, its header row, its rows, then an empty row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for table in report.tables:
        writer.writerow([safe_text(table.title)])
        writer.writerow([safe_text(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([as_cell(v, native=False) for v in row])
        writer.writerow([])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(report)}.csv"'
    return response


def _filename(report: Report) -> str:
    return f"report-{report.name}-{timezone.localdate().isoformat()}"


EXPORTERS = {"csv": csv_response, "xlsx": xlsx_response}


def ratio(numerator: float, denominator: float) -> float | None:
    """A share rounded to 3 places, or None when there is nothing to divide by (shown as '—')."""
    return round(numerator / denominator, 3) if denominator else None


__all__ = ["EXPORTERS", "Report", "Table", "ratio"]
