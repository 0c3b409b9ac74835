"""Spreadsheet uploads (`columns`: the spec and the result, `template`: the workbook, `reader`: reading and
committing): a template workbook built from a column spec, and a streaming reader that checks every cell.

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
from lims.xlsx_import.columns import (
    BLANK_ROWS_ALLOWED,
    BOOLEAN,
    CHOICE,
    DATE,
    DEFAULT_MAX_ROWS,
    INTEGER,
    NUMBER,
    SUGGESTION_LIMIT,
    TEXT,
    CellError,
    ImportColumn,
    ImportResult,
    RowError,
)
from lims.xlsx_import.reader import (
    SheetReader,
    all_or_nothing,
    commit_row,
    count_data_rows,
    data_sheet,
    header_key,
    is_blank,
    sheet_row_cap,
)
from lims.xlsx_import.template import NAMED_FIRST_ROW, ReferenceSheet, build_template, workbook_response

__all__ = [
    "BLANK_ROWS_ALLOWED", "BOOLEAN", "CHOICE", "DATE", "DEFAULT_MAX_ROWS", "INTEGER", "NAMED_FIRST_ROW", "NUMBER",
    "SUGGESTION_LIMIT",
    "TEXT",
    "CellError", "ImportColumn", "ImportResult", "ReferenceSheet", "RowError", "SheetReader", "all_or_nothing",
    "build_template", "commit_row", "count_data_rows", "data_sheet", "header_key", "is_blank", "sheet_row_cap",
    "workbook_response",
]
