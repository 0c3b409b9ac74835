"""The template workbook of an upload: a data sheet whose header is the column spec, with comments, formats,
dropdowns and validations, a Help sheet and optional look-up sheets."""
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from lims.exports import XLSX_CONTENT_TYPE, xlsx_put, xlsx_row
from lims.xlsx_import.columns import (
    DATE,
    HEADER_FILL,
    HELP_SHEET,
    INTEGER,
    KIND_LABELS,
    LAST_ROW,
    LISTS_SHEET,
    NUMBER_FORMATS,
    REQUIRED_FILL,
    SUGGESTION_LIMIT,
    ImportColumn,
)

@dataclass(frozen=True)
class ReferenceSheet:
    """A read-only sheet added to a template for look-ups (the centre's plans with their ids and genes …)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


#: The first data row of a template with a names row above its keys row (`build_template(names_row=True)`).
NAMED_FIRST_ROW = 3


def _dropdown(sheet, lists_sheet, column: ImportColumn, values: Sequence[str], letter: str, strict: bool,
              first_row: int = 2):
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
    validation.add(f"{letter}{first_row}:{letter}{LAST_ROW}")
    sheet.add_data_validation(validation)


def _validate_column(sheet, lists_sheet, column: ImportColumn, letter: str, first_row: int = 2) -> None:
    """Give a column its Excel validation; a cell takes one validation only, so a dropdown wins over the type check."""
    if column.choices:
        _dropdown(sheet, lists_sheet, column, column.choices, letter, strict=True, first_row=first_row)
        return
    if column.suggestions and len(column.suggestions) <= SUGGESTION_LIMIT:
        _dropdown(sheet, lists_sheet, column, column.suggestions, letter, strict=False, first_row=first_row)
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
    validation.add(f"{letter}{first_row}:{letter}{LAST_ROW}")
    sheet.add_data_validation(validation)


def build_template(columns: Sequence[ImportColumn], *, title: str, intro: str = "",
                   reference_sheets: Sequence[ReferenceSheet] = (), names_row: bool = False) -> Workbook:
    """Build the upload template: one data sheet whose header is the spec, plus Help and look-up sheets.

    The header is frozen and coloured (required columns stand out), each header has a comment saying what goes in,
    choice and suggestion columns get dropdowns, integer and date columns get Excel validations and formats, so most
    mistakes are caught while typing. Data starts on row 2, so the row numbers the reader reports are Excel's own.

    With `names_row`, row 1 names each column in the lab's words with its unit ("Body weight (g)") and row 2 holds
    the keys the reader matches (`IMPC_BWT_001_001`, small and grey); data then starts on row 3
    (`NAMED_FIRST_ROW`). The reader finds the keys row in either place, so templates made before still upload.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    lists_sheet = workbook.create_sheet(LISTS_SHEET)
    lists_sheet.lists_used = []  # which long dropdown lists took which column of the hidden sheet
    keys_row = 2 if names_row else 1
    for number, column in enumerate(columns, start=1):
        letter = get_column_letter(number)
        if names_row:
            named = xlsx_put(sheet, 1, number, column.display_name)
            named.font = Font(bold=True)
            named.fill = REQUIRED_FILL if column.required else HEADER_FILL
            named.alignment = Alignment(wrap_text=True, vertical="top")
        cell = xlsx_put(sheet, keys_row, number, column.name)
        cell.font = Font(size=8, color="5F6672") if names_row else Font(bold=True)
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        comment = Comment(column.describe(), "LIMS")
        comment.width, comment.height = 320, 40 + 18 * (len(column.describe()) // 45 + 1)
        cell.comment = comment
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width or max(len(column.name) + 4, 12)
        dimension.number_format = NUMBER_FORMATS[column.kind]
        _validate_column(sheet, lists_sheet, column, letter, first_row=keys_row + 1)
    sheet.freeze_panes = f"A{keys_row + 1}"
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
