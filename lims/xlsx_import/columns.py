"""An upload's column spec (`ImportColumn`: how each cell converts and what the template says about it) and what an
import reports (`RowError`, `ImportResult`)."""
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from openpyxl.styles import PatternFill

from lims.exceptions import DomainError
from lims.numbers import NotANumber, read_number

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

    @property
    def display_name(self) -> str:
        """The column in the lab's words for a template's names row: "Body weight (g)", "Specimen id"."""
        name = self.label or self.name.replace("_", " ").strip().capitalize()
        return f"{name} ({self.unit})" if self.unit else name

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
        """Record a service's ValidationError (keyed by field) or DomainError against a row, one error a message.

        A message the service gives on several fields ("Male + female chimeras (9) cannot be more than pups born
        (4)" on both chimera counts) is reported once, in the first of its columns, as the forms show it
        (`lims.forms.add_service_errors`)."""
        if isinstance(exc, DomainError):
            keyed = {exc.field or NON_FIELD_ERRORS: [exc.message]}
        elif isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            keyed = exc.message_dict
        elif isinstance(exc, ValidationError):
            keyed = {NON_FIELD_ERRORS: exc.messages}
        else:
            keyed = {NON_FIELD_ERRORS: [str(exc)]}
        reported: set[str] = set()
        for key, messages in keyed.items():
            column = "" if key == NON_FIELD_ERRORS else (column_for(key) if column_for else key)
            for message in messages:
                if message not in reported:
                    reported.add(message)
                    self.add(row, column, message)

    def sort(self) -> None:
        """Order errors by row (file-level first), keeping the order found within a row."""
        self.errors.sort(key=lambda e: -1 if e.row is None else e.row)
