"""The one number reader: every place a person types or uploads a number reads it here, the same way.

Used by the record form, the batch form, drafts once submitted, Excel uploads (procedure results, ES cells,
micro-injections, genotyping), the API (single and bulk) and the DCC importer's checks, so "20,9" means the same
thing wherever it is typed. The rules, in the order a bench would want them:

- A number is digits with at most one decimal separator, an optional sign and an optional exponent (`1.5e-3`).
- The decimal separator is a dot or, where it is plainly decimal, a comma: "20,9" and "20.9" are both 20.9. A comma
  is plainly decimal when it is the only separator, unless the number has the shape of a thousands group
  ("1,234", "12,345", "-999,000"): that could be 1.234 or 1234, so it is refused and the message says how to write
  either. "0,234" and "1234,5" are not thousands groups and read as decimals.
- Anything else is refused, never repaired: both separators ("1.234,5"), several of one ("1,234,567"), spaces
  inside ("1 234"), a unit in the cell ("21.4 g"), NaN, infinities. Nothing is ever dropped from what was typed (the
  old `value.replace(",", "")` turned "20,9" into 209); surrounding blanks are not part of the number.
- A number that is already a number (an Excel numeric cell, a JSON number) is taken as it is, never through str().
- A whole-number parameter refuses fractions ("12.5"), but takes 12.0 (Excel stores every number as a float).

Every refusal is a `NotANumber` whose message names the field, shows what was typed and how to write it:
"Body weight must be a number, e.g. 21.4; you typed '21.4 g'."
"""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

__all__ = ["NotANumber", "number_text", "read_number"]

#: One number as typed: sign, digits with at most one separator (dot or comma), optional exponent. ASCII digits only:
#: Python's float() would take "٢٠" (Arabic-Indic 20), which no balance prints.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
#: A comma that may be a thousands separator: 1–3 digits (not starting with 0), a comma, exactly three digits.
_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}", re.ASCII)
#: A number followed by something that is not part of a number: a unit or a note ("21.4 g", "21,4g", "20 approx").
_WITH_UNIT = re.compile(r"([+-]?[0-9][0-9.,' ]*)\s*((?:[^\W\d_]|[%°/]).*)", re.DOTALL)
#: Digits grouped by thousands separators (comma, dot, space, apostrophe), with an optional decimal part.
_GROUPED = re.compile(r"([+-]?)([0-9]{1,3}(?:([,. '])[0-9]{3})(?:\3[0-9]{3})*)(?:([.,])([0-9]+))?", re.ASCII)
_MAX_SHOWN = 60

FLOAT_EXAMPLE, INT_EXAMPLE = "21.4", "12"


class NotANumber(ValueError):
    """What was typed is not a number we can read without guessing; the message says how to write it."""

    def __init__(self, message: str, *, typed: str, suggestion: str = ""):
        super().__init__(message)
        self.message, self.typed, self.suggestion = message, typed, suggestion


def _shown(raw) -> str:
    text = str(raw)
    return repr(text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN - 3] + "...")


def _canonical(text: str) -> str | None:
    """The number as Python reads it ("20,9" → "20.9"), or None when `text` is not one unambiguous number."""
    if not _NUMBER.fullmatch(text) or _THOUSANDS.fullmatch(text):
        return None
    return text.replace(",", ".")


def _suggestion(text: str) -> str:
    """How the person probably meant `text` ("1.234,5" → "1234.5"), for the message only: never used as the value.

    Only digits grouped in threes by one kind of separator (comma, dot, space, apostrophe), with an optional decimal
    part after the other separator, have a clear intent; a single comma group ("1,234") has two and gets none.
    """
    grouped = _GROUPED.fullmatch(text)
    if not grouped:
        return ""
    sign, whole, separator, decimal_separator, fraction = grouped.groups()
    single_group = decimal_separator is None and separator in ",." and whole.count(separator) == 1
    if decimal_separator == separator or single_group:
        return ""
    return sign + whole.replace(separator, "") + (f".{fraction}" if fraction else "")


def _refuse(label: str, raw, *, integer: bool, example: str | None) -> NotANumber:
    """The message for `raw`, which is not a number: what was typed, why, and how to write it."""
    typed = raw if isinstance(raw, str) else str(raw)
    text = typed.strip()
    shown = _shown(typed)
    kind = "a whole number" if integer else "a number"
    default = example or (INT_EXAMPLE if integer else FLOAT_EXAMPLE)
    if _THOUSANDS.fullmatch(text):
        whole, decimal = text.replace(",", ""), text.replace(",", ".")
        if integer:
            return NotANumber(f"{label} must be a whole number without a thousands separator, e.g. {whole}; "
                              f"you typed {shown}.", typed=typed, suggestion=whole)
        return NotANumber(f"{label} must be a number without a thousands separator: {shown} could mean {decimal} or "
                          f"{whole}; type {decimal} or {whole}.", typed=typed, suggestion=f"{decimal} or {whole}")
    unit = _WITH_UNIT.fullmatch(text)
    if unit and not text.lower().startswith(("nan", "inf")):
        number = _canonical(unit.group(1).strip()) or _suggestion(unit.group(1).strip())
        hint = number or default
        return NotANumber(f"{label} must be {kind} without a unit or note, e.g. {hint}; you typed {shown}.",
                          typed=typed, suggestion=number)
    suggestion = _suggestion(text)
    if suggestion:
        return NotANumber(f"{label} must be {kind} with no thousands separator or spaces, e.g. {suggestion}; "
                          f"you typed {shown}.", typed=typed, suggestion=suggestion)
    if "," in text and "." in text:
        return NotANumber(f"{label} must be {kind} with one decimal separator and no thousands separator, "
                          f"e.g. {default}; you typed {shown}.", typed=typed)
    if re.search(r"\s", text):
        return NotANumber(f"{label} must be {kind} without spaces, e.g. {default}; you typed {shown}.", typed=typed)
    return NotANumber(f"{label} must be {kind}, e.g. {default}; you typed {shown}.", typed=typed)


def _from_decimal(number: Decimal, raw, *, label: str, integer: bool, example: str | None) -> float | int:
    if not number.is_finite():
        raise _refuse(label, raw, integer=integer, example=example)
    if integer:
        if number != number.to_integral_value():
            shown = _shown(raw)
            raise NotANumber(f"{label} must be a whole number, e.g. {example or INT_EXAMPLE}; you typed {shown}.",
                             typed=str(raw))
        return int(number)
    value = float(number)
    if math.isinf(value) or (value == 0.0 and number != 0):
        # Beyond what a double holds (1e400, 1e-400): storing inf or 0.0 would change the number.
        raise NotANumber(f"{label}: {_shown(raw)} is too large or too small to store; check the number.",
                         typed=str(raw))
    return value


def read_number(raw, *, label: str = "The value", integer: bool = False, example: str | None = None) -> float | int:
    """Read one number typed, uploaded or sent: a float, or an int when `integer`.

    `raw` is text (as typed) or a number (an Excel numeric cell, a JSON number): numbers are taken as they are.
    `label` starts the message ("Body weight"); `example` replaces the default example (21.4, or 12 for integers).

    Raises:
        NotANumber: with a message that shows what was typed and how to write it.
    """
    if isinstance(raw, bool) or raw is None:
        raise _refuse(label, "" if raw is None else raw, integer=integer, example=example)
    if isinstance(raw, int):
        return raw if integer else float(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise _refuse(label, raw, integer=integer, example=example)
        if integer:
            if not raw.is_integer():
                raise NotANumber(f"{label} must be a whole number, e.g. {example or INT_EXAMPLE}; the cell holds "
                                 f"{raw!r}.", typed=repr(raw))
            return int(raw)
        return raw
    if isinstance(raw, Decimal):
        return _from_decimal(raw, raw, label=label, integer=integer, example=example)
    text = str(raw).strip()
    canonical = _canonical(text)
    if canonical is None:
        raise _refuse(label, raw, integer=integer, example=example)
    try:
        number = Decimal(canonical)
    except InvalidOperation:  # pragma: no cover - the pattern only lets Decimal's own syntax through
        raise _refuse(label, raw, integer=integer, example=example) from None
    return _from_decimal(number, raw, label=label, integer=integer, example=example)


def number_text(raw, *, label: str = "The value", integer: bool = False, example: str | None = None) -> str:
    """The number as the LIMS stores and exports it: `repr(float)` ("20.9", "21.0", "1e-07") or the integer.

    Raises:
        NotANumber: as `read_number`.
    """
    value = read_number(raw, label=label, integer=integer, example=example)
    return str(value) if integer else repr(value)
