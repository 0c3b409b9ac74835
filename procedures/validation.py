"""Check one entered value against its IMPReSS parameter, as the DCC validator will (dcc-format.md §5.2).

We apply the DCC's rules at entry time instead of weeks later: the value must be castable to the parameter's value
type and, where IMPReSS lists options, be one of them exactly. A parameter status code (IMPC_PARAMSC_*) replaces a
value that was not measured. Numbers (FLOAT, INT) are read by `lims.numbers`, the one reader of every entry path.
"""
from datetime import date, datetime

from lims.numbers import NotANumber, number_text, read_number

PARAMETER_STATUS_PREFIX = "IMPC_PARAMSC_"
PARAMETER_STATUS_CODES = {
    f"IMPC_PARAMSC_{n:03d}": label
    for n, label in enumerate(
        [
            "Parameter not measured - Equipment Failed",
            "Parameter not measured - Sample Lost",
            "Parameter not measured - Insufficient sample",
            "Parameter not recorded - welfare issue",
            "Free Text of Issues",
            "Extra Information",
            "Parameter not measured - not in SOP",
            "Above upper limit of quantitation",
            "Below lower limit of quantitation",
            "Parameter QC Failed",
            "LIMS not ready yet",
            "Software failure",
            "Uncooperative mouse",
            "Parameter not measured - Equipment Incompatible",
            "Bypassing primary fertility screen",
            "LIMS error",
        ],
        start=1,
    )
}

PROCEDURE_STATUS_CODES = {
    f"IMPC_PSC_{n:03d}": label
    for n, label in enumerate(
        [
            "Mouse died",
            "Mouse culled",
            "Single procedure not performed - welfare",
            "Single procedure not performed - schedule",
            "Pipeline stopped - welfare",
            "Pipeline stopped - scheduling",
            "Procedure Failed - Equipment Failed",
            "Procedure Failed - Sample Lost",
            "Procedure Failed - Insufficient Sample",
            "Procedure Failed - Process Failed",
            "Procedure QC Failed",
            "LIMS not ready yet",
            "Software failure",
            "Uncooperative mouse",
            "Free Text of Issues",
            "Embryo lost or damaged",
            "LIMS error",
        ],
        start=1,
    )
}


def check_procedure_status_code(code: str) -> str:
    """Return the code stripped, or raise ValueError: the DCC accepts a known IMPC_PSC code, free text may follow."""
    code = (code or "").strip()
    if not any(code == known or code.startswith(f"{known}:") for known in PROCEDURE_STATUS_CODES):
        raise ValueError(f"{code!r} is not an IMPC_PSC procedure status code.")
    return code


NUMERIC_TYPES = frozenset({"FLOAT", "INT", "INTEGER"})


def is_numeric(parameter) -> bool:
    return (parameter.value_type or "").upper() in NUMERIC_TYPES


def parameter_number(parameter, raw) -> float | int:
    """The number a value of a FLOAT or INT parameter holds, read as it was entered (`lims.numbers`).

    Raises:
        NotANumber: the message names the parameter, shows what was typed and how to write it.
    """
    integer = (parameter.value_type or "").upper() != "FLOAT"
    return read_number(raw, label=parameter.name, integer=integer)


def dcc_number_problem(value_type: str, value: str) -> str:
    """Why the DCC would refuse or misread `value` of a FLOAT/INT parameter ("" when it reads it as we do).

    The DCC's Caster reads numbers with Java's English NumberFormat, which takes a comma as a thousands separator and
    stops at the first character it does not know: it reads "20,9" as 209 and "21.4 g" as 21.4. So a value goes out
    only as the one number reader (`lims.numbers`) reads it and without a comma; values entered at the bench are
    stored that way, and an import keeps what a file sent, which is checked here before it is sent again.
    """
    integer = (value_type or "").upper() != "FLOAT"
    try:
        number = read_number(value, label="it", integer=integer)
    except NotANumber as exc:
        return f"is not a valid {(value_type or 'number').upper()}: {exc.message.rstrip('.')}"
    if "," in value:
        return (f"has a decimal comma; the DCC reads a comma as a thousands separator (it would read "
                f"{value.strip().replace(',', '')}, not {number!r}): send it as {number!r}")
    return ""


def normalise_value(parameter, raw) -> str:
    """Return the value as the export will write it, or raise ValueError with a message naming the parameter.

    `raw` is what was typed (text) or, from an Excel numeric cell or a JSON number, a number taken as it is.
    """
    label = f"{parameter.name} ({parameter.key})"
    kind = (parameter.value_type or "TEXT").upper()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and kind in NUMERIC_TYPES:
        value = raw
    else:
        value = ("" if raw is None else str(raw)).strip()
        if not value:
            raise ValueError(f"{label}: a value is required.")
    try:
        if kind == "FLOAT":
            value = number_text(value, label=parameter.name)
        elif kind in ("INT", "INTEGER"):
            value = number_text(value, label=parameter.name, integer=True)
        elif kind == "DATE":
            value = date.fromisoformat(value).isoformat()
        elif kind == "DATETIME":
            value = datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
        elif kind == "BOOL":
            if value.lower() not in ("true", "false"):
                raise ValueError
            value = value.lower()
    except NotANumber:
        raise
    except ValueError:
        raise ValueError(f"{label}: {raw!r} is not a valid {kind.lower()}.") from None
    if parameter.options and value not in parameter.options:
        raise ValueError(f"{label}: {raw!r} is not one of the options ({', '.join(parameter.options)}).")
    return value


def check_status_code(parameter, code: str) -> str:
    code = code.strip()
    if not any(code.startswith(known) for known in PARAMETER_STATUS_CODES):
        raise ValueError(f"{parameter.name} ({parameter.key}): {code!r} is not an IMPC_PARAMSC status code.")
    return code
