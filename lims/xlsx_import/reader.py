"""Reading an upload against its column spec (`SheetReader`: every row counted, every cell checked, every problem
kept) and committing it all or nothing (`all_or_nothing`, `commit_row`)."""
import re
from itertools import islice
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lims.exceptions import DomainError
from lims.uploads import DAMAGED, UploadRefused, open_workbook, sheet_rows
from lims.xlsx_import.columns import (
    BLANK_ROWS_ALLOWED,
    DEFAULT_MAX_ROWS,
    CellError,
    ImportColumn,
    ImportResult,
    RowError,
)

def header_key(value: Any) -> str:
    """Compare headers loosely: case, surrounding blanks and spaces-for-underscores do not matter."""
    return re.sub(r"\s+", "_", str(value).strip()).casefold()


def sheet_row_cap(max_rows: int, header_rows: int = 1) -> int:
    """The last sheet row read for an upload of at most `max_rows` data rows: the header (one row, or the names row
    and the keys row of a newer template), the rows, and some blank rows (a sheet often keeps formatted empty rows
    below its data)."""
    return header_rows + max_rows + BLANK_ROWS_ALLOWED


def is_blank(raw: Sequence[Any] | None) -> bool:
    return raw is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in raw)


def data_sheet(workbook, name: str | None = None):
    """The sheet an upload is read from: the one named, else the first visible sheet."""
    if name and name in workbook.sheetnames:
        return workbook[name]
    visible = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    return (visible or workbook.worksheets)[0]


def count_data_rows(file: IO[bytes], columns: Sequence[ImportColumn], *, max_rows: int,
                    sheet: str | None = None) -> int | None:
    """Count the non-blank data rows an upload holds, read exactly as `SheetReader` reads them (same bounds, sheet,
    header and width), for a progress bar. None when the file is refused or unreadable; the import says why."""
    return SheetReader(file, columns, sheet=sheet, max_rows=max_rows).count()


class SheetReader:
    """Read an uploaded workbook row by row against a column spec, collecting every cell error.

    Iterating yields `(row_number, values)` for each non-blank data row, `row_number` being Excel's (the header is
    row 1). `values` holds the converted value of every column present in the header; a cell that failed to
    convert is left out and its error is in `errors`, and its row in `bad_rows`, so the caller can still check the
    row's other cells (an unknown gene beside a bad date) and report both. Header problems (unknown, duplicated or
    missing required columns) and unreadable files are errors too; the file is never trusted to be well formed.
    """

    def __init__(self, file: IO[bytes], columns: Sequence[ImportColumn], *, sheet: str | None = None,
                 max_rows: int = DEFAULT_MAX_ROWS):
        self.file = file
        self.columns = list(columns)
        self.sheet = sheet
        self.max_rows = max_rows
        self.errors: list[RowError] = []
        self.bad_rows: set[int] = set()
        self.rows_read = 0
        self.positions: list[tuple[int, ImportColumn]] | None = None
        self.header_row = 1  # 2 for a template with a names row above the keys (`build_template(names_row=True)`)
        self._by_key = {header_key(c.name): c for c in self.columns}

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))
        if row is not None and row > self.header_row:
            self.bad_rows.add(row)

    def _is_keys_row(self, values: Sequence[Any] | None) -> bool:
        """True when every filled cell of `values` is a column key: the keys row under a names row."""
        filled = [v for v in values or () if v is not None and str(v).strip()]
        return bool(filled) and all(header_key(v) in self._by_key for v in filled)

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            workbook = open_workbook(self.file, max_rows=self.max_rows)
        except UploadRefused as exc:
            self.error(None, "", exc.message)
            return
        try:
            yield from self._read(workbook)
        except UploadRefused as exc:
            self.error(None, "", exc.message)
        except DAMAGED:
            self.error(None, "", "The workbook is damaged and could not be read to the end.")
        finally:
            workbook.close()

    def _worksheet(self, workbook):
        return data_sheet(workbook, self.sheet)

    def count(self) -> int | None:
        """The number of non-blank data rows, without converting a cell; None when the file cannot be read."""
        try:
            workbook = open_workbook(self.file, max_rows=self.max_rows)
        except UploadRefused:
            return None
        try:
            return sum(1 for _number, raw in self._raw_rows(workbook) if not is_blank(raw))
        except (UploadRefused, *DAMAGED):
            return None
        finally:
            workbook.close()
            self.file.seek(0)

    def _raw_rows(self, workbook) -> Iterator[tuple[int, tuple]]:
        """Map the header (`self.positions`), then yield every row below it, blank ones included, up to the cap."""
        worksheet = self._worksheet(workbook)
        worksheet.reset_dimensions()  # files from other tools often declare a wrong size; read what is there
        first = dict(islice(sheet_rows(worksheet, max_row=2), 2))
        # A newer template names the columns in words on row 1 and keeps the keys on row 2; one made before (or a
        # file written by a script) has the keys on row 1. The keys row is the header either way.
        if not self._is_keys_row(first.get(1)) and self._is_keys_row(first.get(2)):
            self.header_row = 2
        header = first.get(self.header_row)
        self.positions = self._map_header(header or ())
        if self.positions is None:
            return
        # Data rows are read as wide as the last column the header maps (cells beyond it were never read; a lone
        # cell in column XFD would make every row 16,384 wide), and every row counts towards the cap, blank or not,
        # so a sheet of empty rows stops at the cap.
        width = max(index for index, _column in self.positions) + 1
        yield from sheet_rows(worksheet, min_row=self.header_row + 1,
                              max_row=sheet_row_cap(self.max_rows, self.header_row), max_col=width,
                              data_rows=self.max_rows)

    def _read(self, workbook) -> Iterator[tuple[int, dict[str, Any]]]:
        for number, raw in self._raw_rows(workbook):
            if is_blank(raw):
                continue
            if self.rows_read >= self.max_rows:
                self.error(None, "", f"The file has more than {self.max_rows} data rows; split it into smaller files.")
                return
            self.rows_read += 1
            values: dict[str, Any] = {}
            for index, column in self.positions:
                cell = raw[index] if index < len(raw) else None
                try:
                    values[column.name] = column.parse(cell)
                except CellError as exc:
                    self.error(number, column.name, str(exc))
            yield number, values
        if self.positions is not None and self.rows_read == 0 and not self.errors:
            self.error(None, "", "The sheet has no data rows below the header.")

    def _map_header(self, header: Sequence[Any]) -> list[tuple[int, ImportColumn]] | None:
        """Match header cells to the spec; return (position, column) pairs, or None when nothing can be read."""
        positions: list[tuple[int, ImportColumn]] = []
        seen: set[str] = set()
        for index, value in enumerate(header):
            if value is None or not str(value).strip():
                continue
            column = self._by_key.get(header_key(value))
            if column is None:
                self.error(self.header_row, str(value).strip(), "is not a column of this template")
            elif column.name in seen:
                self.error(self.header_row, column.name, "appears twice in the header")
            else:
                seen.add(column.name)
                positions.append((index, column))
        for column in self.columns:
            if column.required and column.name not in seen:
                self.error(self.header_row, column.name, "is missing from the header row")
        if not positions:
            self.error(None, "", "The first row must be the template's header (column names); none was found.")
            return None
        return positions


# --- Committing --------------------------------------------------------------------------------------------------


@contextmanager
def all_or_nothing(result: ImportResult) -> Iterator[ImportResult]:
    """Run an import in one transaction and roll all of it back if any error was recorded.

    Rolling back (instead of never writing) lets each row go through the real services, so database rules and
    clashes between rows of the same file are found exactly as they would be when saving one by one.
    """
    with transaction.atomic():
        yield result
        if result.errors:
            transaction.set_rollback(True)
            result.created = 0
    result.sort()


def commit_row(result: ImportResult, row: int, create: Callable[[], Any], *,
               column_for: Callable[[str], str] | None = None) -> bool:
    """Run one row's service in a savepoint; record its errors against the row and keep going.

    Returns:
        True when the row was saved (it still rolls back later if another row fails).
    """
    try:
        with transaction.atomic():
            create()
    except (ValidationError, DomainError) as exc:
        result.add_service_error(row, exc, column_for)
        return False
    except IntegrityError:
        # A clash the service did not foresee (a record saved meanwhile by someone else): report, never crash.
        result.add(row, "", "This row clashes with a record already saved; check for a duplicate.")
        return False
    result.created += 1
    return True
