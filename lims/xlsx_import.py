"""Spreadsheet uploads: a template workbook built from a column spec, and a streaming reader that checks every cell.

Labs keep their records in Excel, so bulk entry goes through a workbook made by us: its header row names each column
exactly as the API does, header comments and a Help sheet say what goes in, and dropdowns offer the allowed values.
The reader opens an upload through `lims.uploads` (unpacked size checked before anything is decompressed, every
part unpacked once to catch damage, then openpyxl's read-only mode, so a large file never becomes a grid of cell
objects in memory), counts every row it reads, blank ones included, against a cap, maps the header to the spec
whatever the column order, and converts each cell. A cell that does not convert is recorded as "row 7, column
mi_date: 'abc' is not a date (YYYY-MM-DD)" and reading goes on, so one upload reports every problem at once.

Committing follows the project rule "an upload with bad rows says which row and why, and commits nothing":
`all_or_nothing` wraps the import in one transaction that is rolled back when any row failed, and `commit_row` runs
each row's service in its own savepoint, so a failing row leaves the transaction usable for checking the next.
Nothing here knows about colonies; the phenotyping upload can reuse it with its own spec.
"""
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from lims.exceptions import DomainError
from lims.exports import XLSX_CONTENT_TYPE, xlsx_put, xlsx_row
from lims.numbers import NotANumber, read_number
from lims.uploads import DAMAGED, UploadRefused, open_workbook, sheet_rows

TEXT, INTEGER, NUMBER, DATE, CHOICE, BOOLEAN = "text", "integer", "number", "date", "choice", "boolean"
KINDS = (TEXT, INTEGER, NUMBER, DATE, CHOICE, BOOLEAN)
KIND_LABELS = {TEXT: "text", INTEGER: "whole number", NUMBER: "number (decimal point or decimal comma)",
               DATE: "date (YYYY-MM-DD)", CHOICE: "one of the listed values", BOOLEAN: "yes or no"}
DEFAULT_MAX_ROWS = 5000  # one request commits the whole file; more than this belongs in a background job
BLANK_ROWS_ALLOWED = 1000  # blank rows read beyond the data-row limit before a sheet is refused (they are counted)
SUGGESTION_LIMIT = 5000  # a longer dropdown helps nobody and bloats the template
LAST_ROW = 1048576  # Excel's last row: validations and formats cover the whole column
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRUE_WORDS, FALSE_WORDS = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}
# Column formats: dates show as ISO, and "@" (text) keeps ids such as 0123 or 1-2 from turning into numbers or dates.
# A number column is text too: Excel would read "1,234" typed in a General cell as 1234 (or 1.234, by locale) before
# the LIMS sees it; as text the reader gets what was typed and refuses what is ambiguous. Numeric cells (pasted or
# from another tool) are still read as numbers.
NUMBER_FORMATS = {TEXT: "@", INTEGER: "0", NUMBER: "@", DATE: "yyyy-mm-dd", CHOICE: "@", BOOLEAN: "General"}
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
REQUIRED_FILL = PatternFill("solid", fgColor="F7D9A8")
LISTS_SHEET = "Lists"
HELP_SHEET = "Help"


class CellError(ValueError):
    """A cell's content does not fit its column; the message reads after "row N, column X: "."""


@dataclass(frozen=True)
class ImportColumn:
    """One column of an upload: its header (the API field name), how its cells convert, and help for the template.

    `choices` are strict: the reader refuses anything else (case is forgiven). `suggestions` only feed the template's
    dropdown (reference data such as strain names), because the importer resolves those itself and says "not found"
    in its own words; a suggestion dropdown warns in Excel instead of refusing. Integer and number cells are read by
    the one number reader (`lims.numbers`): a numeric cell as the number it holds, a text cell as typed ("20,9" is
    20.9, "1,234" is refused as ambiguous); `label` names the column in its messages (default: the header).
    """

    name: str
    kind: str = TEXT
    required: bool = False
    help: str = ""
    unit: str = ""
    choices: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    max_length: int | None = None
    min_value: int | None = None
    example: Any = None
    width: int | None = None
    label: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown column kind {self.kind!r}")
        if self.kind == CHOICE and not self.choices:
            raise ValueError(f"{self.name}: a choice column needs choices")

    def empty(self) -> Any:
        """The value of a blank cell: "" for text (Django keeps blank text as ""), None otherwise."""
        return "" if self.kind == TEXT else None

    def parse(self, raw: Any) -> Any:
        """Convert one cell's value (as openpyxl gives it) to a Python value.

        Raises:
            CellError: the value does not fit the column; the message quotes what was found.
        """
        if isinstance(raw, str):
            raw = raw.strip()
        if raw is None or raw == "":
            if self.required:
                raise CellError("is required")
            return self.empty()
        return getattr(self, f"_parse_{self.kind}")(raw)

    def _parse_text(self, raw: Any) -> str:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # Excel stores every number as a float; "123" typed in a text column must stay "123"
        elif isinstance(raw, dt.datetime):
            raw = raw.date() if raw.time() == dt.time() else raw
        text = raw.isoformat() if isinstance(raw, (dt.date, dt.datetime)) else str(raw)
        if self.max_length is not None and len(text) > self.max_length:
            raise CellError(f"{_quote(text)} is longer than {self.max_length} characters")
        return text

    def _read_number(self, raw: Any, *, integer: bool) -> int | float:
        if isinstance(raw, (dt.date, dt.datetime, dt.time)):
            raise CellError(f"{_quote(raw)} is a date, not a {'whole number' if integer else 'number'}")
        try:
            return read_number(raw, label=self.label or self.name, integer=integer,
                               example=None if self.example is None else str(self.example))
        except NotANumber as exc:
            raise CellError(exc.message) from None

    def _parse_integer(self, raw: Any) -> int:
        value = self._read_number(raw, integer=True)
        if self.min_value is not None and value < self.min_value:
            raise CellError(f"{value} is below the minimum of {self.min_value}")
        return value

    def _parse_number(self, raw: Any) -> float:
        value = self._read_number(raw, integer=False)
        if self.min_value is not None and value < self.min_value:
            raise CellError(f"{value:g} is below the minimum of {self.min_value}")
        return value

    def _parse_date(self, raw: Any) -> dt.date:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        error = CellError(f"{_quote(raw)} is not a date (YYYY-MM-DD)")
        if not (isinstance(raw, str) and ISO_DATE.match(raw)):
            raise error
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:  # the shape is right but the day is not (2026-02-30)
            raise error from None

    def _parse_choice(self, raw: Any) -> str:
        text = self._parse_text(raw)
        for choice in self.choices:
            if choice.casefold() == text.casefold():
                return choice
        raise CellError(f"{_quote(text)} is not one of {', '.join(self.choices)}")

    def _parse_boolean(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(f"{_quote(raw)} is not yes or no")

    def describe(self) -> str:
        """The text of the header comment and Help sheet: what goes in, in one short paragraph."""
        parts = ["Required." if self.required else "Optional.", f"Type: {KIND_LABELS[self.kind]}."]
        if self.unit:
            parts.append(f"Unit: {self.unit}.")
        if self.max_length:
            parts.append(f"At most {self.max_length} characters.")
        if self.min_value is not None:
            parts.append(f"At least {self.min_value}.")
        if self.choices:
            parts.append(f"Allowed: {', '.join(self.choices)}.")
        if self.help:
            parts.append(self.help)
        if self.example not in (None, ""):
            parts.append(f"Example: {self.example}")
        return " ".join(parts)


def _quote(value: Any) -> str:
    """Quote what was found the way the messages show it, cut short so one long cell cannot flood the report."""
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


@dataclass(frozen=True)
class RowError:
    """One reason an upload cannot be committed: a row (None for the file as a whole), a column and a message."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        return f"{where}, column {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class ImportResult:
    """What an import did: data rows read, records created (0 whenever anything failed) and every error found."""

    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> list[int]:
        """Row numbers with at least one error, in order (file-level errors are not rows)."""
        return sorted({e.row for e in self.errors if e.row is not None})

    def add(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def add_service_error(self, row: int, exc: Exception, column_for: Callable[[str], str] | None = None) -> None:
        """Record a service's ValidationError (keyed by field) or DomainError against a row, one error a message."""
        if isinstance(exc, DomainError):
            keyed = {exc.field or NON_FIELD_ERRORS: [exc.message]}
        elif isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            keyed = exc.message_dict
        elif isinstance(exc, ValidationError):
            keyed = {NON_FIELD_ERRORS: exc.messages}
        else:
            keyed = {NON_FIELD_ERRORS: [str(exc)]}
        for key, messages in keyed.items():
            column = "" if key == NON_FIELD_ERRORS else (column_for(key) if column_for else key)
            for message in messages:
                self.add(row, column, message)

    def sort(self) -> None:
        """Order errors by row (file-level first), keeping the order found within a row."""
        self.errors.sort(key=lambda e: -1 if e.row is None else e.row)


# --- Template ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceSheet:
    """A read-only sheet added to a template for look-ups (the centre's plans with their ids and genes …)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def _dropdown(sheet, lists_sheet, column: ImportColumn, values: Sequence[str], letter: str, strict: bool):
    """Add a list validation to a column; long lists go to the hidden Lists sheet (Excel caps inline lists at 255)."""
    inline = ",".join(values)
    if len(inline) <= 250 and not any(("," in v or '"' in v) for v in values):
        formula = f'"{inline}"'
    else:
        list_col = get_column_letter(len(lists_sheet.lists_used) + 1)
        lists_sheet.lists_used.append(column.name)
        for row, value in enumerate(values, start=1):
            xlsx_put(lists_sheet, row, len(lists_sheet.lists_used), value)
        formula = f"{quote_sheetname(lists_sheet.title)}!${list_col}$1:${list_col}${len(values)}"
    validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                errorStyle="stop" if strict else "warning",
                                errorTitle=column.name[:32], error=column.describe()[:255],
                                promptTitle=column.name[:32], prompt=column.describe()[:255], showInputMessage=True)
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.add_data_validation(validation)


def _validate_column(sheet, lists_sheet, column: ImportColumn, letter: str) -> None:
    """Give a column its Excel validation; a cell takes one validation only, so a dropdown wins over the type check."""
    if column.choices:
        _dropdown(sheet, lists_sheet, column, column.choices, letter, strict=True)
        return
    if column.suggestions and len(column.suggestions) <= SUGGESTION_LIMIT:
        _dropdown(sheet, lists_sheet, column, column.suggestions, letter, strict=False)
        return
    if column.kind == DATE:
        validation = DataValidation(type="date", operator="greaterThan", formula1="1", error="Enter a date (YYYY-MM-DD).")
    elif column.kind == INTEGER:
        minimum = column.min_value if column.min_value is not None else -(2**31)
        validation = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(minimum),
                                    error=f"Enter a whole number of at least {minimum}.")
    else:
        return
    validation.allow_blank, validation.showErrorMessage, validation.errorTitle = True, True, column.name[:32]
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.add_data_validation(validation)


def build_template(columns: Sequence[ImportColumn], *, title: str, intro: str = "",
                   reference_sheets: Sequence[ReferenceSheet] = ()) -> Workbook:
    """Build the upload template: one data sheet whose header is the spec, plus Help and look-up sheets.

    The header is frozen and coloured (required columns stand out), each header has a comment saying what goes in,
    choice and suggestion columns get dropdowns, integer and date columns get Excel validations and formats, so most
    mistakes are caught while typing. Data starts on row 2, so the row numbers the reader reports are Excel's own.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    lists_sheet = workbook.create_sheet(LISTS_SHEET)
    lists_sheet.lists_used = []  # which long dropdown lists took which column of the hidden sheet
    for number, column in enumerate(columns, start=1):
        letter = get_column_letter(number)
        cell = xlsx_put(sheet, 1, number, column.name)
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        comment = Comment(column.describe(), "LIMS")
        comment.width, comment.height = 320, 40 + 18 * (len(column.describe()) // 45 + 1)
        cell.comment = comment
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width or max(len(column.name) + 4, 12)
        dimension.number_format = NUMBER_FORMATS[column.kind]
        _validate_column(sheet, lists_sheet, column, letter)
    sheet.freeze_panes = "A2"
    if lists_sheet.lists_used:
        lists_sheet.sheet_state = "hidden"
    else:
        workbook.remove(lists_sheet)
    _help_sheet(workbook, columns, intro)
    for reference in reference_sheets:
        ref_sheet = workbook.create_sheet(reference.title[:31])
        ref_sheet.append(xlsx_row(ref_sheet, reference.headers))
        for cell in ref_sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
        for row in reference.rows:
            ref_sheet.append(xlsx_row(ref_sheet, row))
        for number, header in enumerate(reference.headers, start=1):
            ref_sheet.column_dimensions[get_column_letter(number)].width = max(len(str(header)) + 4, 14)
        ref_sheet.freeze_panes = "A2"
        ref_sheet.protection.sheet = True  # look-up only: edits there are never read
    workbook.active = 0
    return workbook


def _help_sheet(workbook: Workbook, columns: Sequence[ImportColumn], intro: str) -> None:
    """A sheet that lists every column with its rules, for those who never hover over a comment."""
    sheet = workbook.create_sheet(HELP_SHEET)
    row = 1
    if intro:
        xlsx_put(sheet, 1, 1, intro).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
        sheet.row_dimensions[1].height = 60
        row = 3
    headers = ["column", "required", "type", "unit", "allowed values", "help", "example"]
    for number, header in enumerate(headers, start=1):
        cell = xlsx_put(sheet, row, number, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for column in columns:
        row += 1
        values = [column.name, "yes" if column.required else "no", KIND_LABELS[column.kind], column.unit,
                  ", ".join(column.choices), column.help, "" if column.example is None else str(column.example)]
        for number, value in enumerate(values, start=1):
            xlsx_put(sheet, row, number, value).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFG", (34, 10, 20, 10, 24, 70, 20)):
        sheet.column_dimensions[letter].width = width


def workbook_response(workbook: Workbook, filename: str) -> FileResponse:
    """Send a workbook as an .xlsx download, spooled through a temporary file like `lims.exports.xlsx_response`."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_CONTENT_TYPE)


# --- Reading -----------------------------------------------------------------------------------------------------


def header_key(value: Any) -> str:
    """Compare headers loosely: case, surrounding blanks and spaces-for-underscores do not matter."""
    return re.sub(r"\s+", "_", str(value).strip()).casefold()


def sheet_row_cap(max_rows: int) -> int:
    """The last sheet row read for an upload of at most `max_rows` data rows: the header, the rows, and some blank
    rows (a sheet often keeps formatted empty rows below its data)."""
    return 1 + max_rows + BLANK_ROWS_ALLOWED


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
        self._by_key = {header_key(c.name): c for c in self.columns}

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))
        if row is not None and row > 1:
            self.bad_rows.add(row)

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
        header = next((values for _number, values in sheet_rows(worksheet, max_row=1)), None)
        self.positions = self._map_header(header or ())
        if self.positions is None:
            return
        # Data rows are read as wide as the last column the header maps (cells beyond it were never read; a lone
        # cell in column XFD would make every row 16,384 wide), and every row counts towards the cap, blank or not,
        # so a sheet of empty rows stops at the cap.
        width = max(index for index, _column in self.positions) + 1
        yield from sheet_rows(worksheet, min_row=2, max_row=sheet_row_cap(self.max_rows), max_col=width,
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
                self.error(1, str(value).strip(), "is not a column of this template")
            elif column.name in seen:
                self.error(1, column.name, "appears twice in the header")
            else:
                seen.add(column.name)
                positions.append((index, column))
        for column in self.columns:
            if column.required and column.name not in seen:
                self.error(1, column.name, "is missing from the header row")
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


__all__ = [
    "BLANK_ROWS_ALLOWED", "BOOLEAN", "CHOICE", "DATE", "DEFAULT_MAX_ROWS", "INTEGER", "NUMBER", "SUGGESTION_LIMIT", "TEXT",
    "CellError", "ImportColumn", "ImportResult", "ReferenceSheet", "RowError", "SheetReader", "all_or_nothing",
    "build_template", "commit_row", "count_data_rows", "data_sheet", "header_key", "is_blank", "sheet_row_cap",
    "workbook_response",
]
