"""Check one entered value against its IMPReSS parameter, as the DCC validator will (dcc-format.md §5.2).

We apply the DCC's rules at entry time instead of weeks later: the value must be castable to the parameter's value
type and, where IMPReSS lists options, be one of them exactly. A parameter status code (IMPC_PARAMSC_*) replaces a
value that was not measured.
"""
from datetime import date, datetime

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


def normalise_value(parameter, raw: str) -> str:
    """Return the value as the export will write it, or raise ValueError with a message naming the parameter."""
    value = (raw or "").strip()
    label = f"{parameter.name} ({parameter.key})"
    if not value:
        raise ValueError(f"{label}: a value is required.")
    kind = (parameter.value_type or "TEXT").upper()
    try:
        if kind == "FLOAT":
            value = repr(float(value.replace(",", ""))) if value.lower() not in ("nan", "inf", "-inf") else None
            if value is None:
                raise ValueError
        elif kind == "INT":
            value = str(int(value))
        elif kind == "DATE":
            value = date.fromisoformat(value).isoformat()
        elif kind == "DATETIME":
            value = datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
        elif kind == "BOOL":
            if value.lower() not in ("true", "false"):
                raise ValueError
            value = value.lower()
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
