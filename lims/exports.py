"""Spreadsheet exports of a list page: the same filtered rows the user sees, every page of them.

Both writers stream: CSV row by row through `StreamingHttpResponse`, XLSX through openpyxl's write-only workbook, so a
large colony or a year of experiments never sits in memory as cells. Text that a spreadsheet would run as a formula
(`=`, `+`, `-`, `@` …) is prefixed with a quote: a comment typed on a bench must never execute on a wrangler's laptop.
"""
import csv
import datetime as dt
import decimal
import tempfile
from collections.abc import Iterable, Iterator, Sequence

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
    """Turn one value into a cell: native numbers and dates for XLSX, plain text for CSV."""
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
    return safe_text(str(value))


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
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([as_cell(v, native=True) for v in row])
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_CONTENT_TYPE)


EXPORTERS = {"csv": csv_response, "xlsx": xlsx_response}

__all__ = ["EXPORTERS", "as_cell", "csv_response", "safe_text", "xlsx_response"]
