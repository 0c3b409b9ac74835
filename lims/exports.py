"""Spreadsheet exports of a list page, and the one way any generated workbook gets a cell.

Both writers stream: CSV row by row through `StreamingHttpResponse`, XLSX through openpyxl's write-only workbook, so a
large colony or a year of experiments never sits in memory as cells.

Formula injection: text typed on a bench (an assay's name, a comment, a specimen ID) must never run as a formula on a
wrangler's laptop. A spreadsheet cell has a type, so every workbook we generate (list and report exports, the census,
and the upload templates with their dropdown lists and look-up sheets) writes its cells through `xlsx_cell` /
`xlsx_put`: text is always a plain string cell (`t="s"`, never `<f>`, never an error code such as `#N/A`), exactly as
typed, and text that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR) also gets Excel's "quote
prefix" style so that editing the cell keeps it text. openpyxl on its own turns any string starting with "=" into a
formula. CSV has no types, so there the same text is prefixed with an apostrophe (`safe_text`).
"""
import csv
import datetime as dt
import decimal
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_TEXT = 32767  # Excel's limit for one cell's text


def safe_text(value: str) -> str:
    """Neutralise text a spreadsheet would evaluate as a formula (CSV/formula injection); numbers like -1.5 stay."""
    if not value.startswith(FORMULA_PREFIXES):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def as_cell(value, *, native: bool):
    """Turn one value into a cell's content: native numbers, dates and text for XLSX, quoted plain text for CSV.

    The native text is not quoted: an XLSX cell is made safe by its type (`xlsx_cell`), not by changing the text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("yes" if value else "no") if not native else value
    if isinstance(value, (int, float, decimal.Decimal)):
        return value if native else str(value)
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(tzinfo=None) if native else value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value if native else value.isoformat()
    return str(value) if native else safe_text(str(value))


def fill_cell(cell: Cell, value: Any) -> Cell:
    """Give one cell its value, text always as a plain string: the single place a generated workbook's cell is set.

    Characters XML cannot carry (control characters other than tab, LF and CR) are dropped rather than failing the
    whole download; text is cut at Excel's 32,767 characters, as openpyxl would.
    """
    value = as_cell(value, native=True)
    if not isinstance(value, str):
        cell.value = value
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_MAX_TEXT]
    cell.value = text
    cell.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error: text stays text
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True  # Excel's own "this is text" flag: editing the cell does not turn it into a formula
    return cell


def xlsx_cell(sheet, value: Any) -> Cell:
    """A cell for `sheet.append([...])`, in write-only and ordinary worksheets alike (see `fill_cell`)."""
    return fill_cell(WriteOnlyCell(sheet), value)


def xlsx_row(sheet, values: Iterable[Any]) -> list[Cell]:
    """A row of cells for `sheet.append`, each through `xlsx_cell`."""
    return [xlsx_cell(sheet, value) for value in values]


def xlsx_put(sheet, row: int, column: int, value: Any) -> Cell:
    """Set one cell of an ordinary worksheet by position (see `fill_cell`) and return it for styling."""
    return fill_cell(sheet.cell(row=row, column=column), value)


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_response(headers: Sequence[str], rows: Iterable[Sequence], filename: str) -> StreamingHttpResponse:
    """Stream rows as UTF-8 CSV (with a BOM so that Excel opens accents and µ correctly)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([safe_text(h) for h in headers])
        for row in rows:
            yield writer.writerow([as_cell(v, native=False) for v in row])

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(headers: Sequence[str], rows: Iterable[Sequence], filename: str, *, title: str = "Export"):
    """Write rows to a write-only workbook in a temporary file and send it (cells never held in memory)."""
    return xlsx_sheets_response([(title, headers, rows)], filename)


def xlsx_sheets_response(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]], filename: str):
    """One workbook of several sheets, each `(title, headers, rows)`, written row by row and sent from a temporary
    file, so a big export never holds its cells in memory."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(xlsx_row(sheet, headers))
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_CONTENT_TYPE)


EXPORTERS = {"csv": csv_response, "xlsx": xlsx_response}

__all__ = ["EXPORTERS", "as_cell", "csv_response", "fill_cell", "safe_text", "xlsx_cell", "xlsx_put", "xlsx_response",
           "xlsx_row"]
