"""What a technician entered and its checks: values against IMPReSS and the DCC's rules, and the warnings to confirm.

Every entry path (the form, the batch page, an upload, the API, an edit, a line-level record) goes through these, so
each refuses the same things with the same words. Refusals are `ValidationError`s keyed by parameter key; what is
only implausible (a value outside its range, a date outside the test's window) is a warning the person confirms.
"""
import re
from dataclasses import dataclass
from datetime import date, time
from typing import NamedTuple

from django.core.exceptions import ValidationError

from colonies.models import Mouse
from colonies.services.rules import Findings, NeedsConfirmation
from procedures.models import MEDIA_TYPES, Parameter, ParameterValue, Procedure, ScheduledTest
from procedures.selectors import unrecordable_reason
from procedures.validation import check_status_code, normalise_value


@dataclass
class EnteredValue:
    """One parameter as entered: a value, or a status code where it was not measured.

    `value` is what was typed (text), or a number where the source holds one (an Excel numeric cell): numbers are
    read by `lims.numbers` either way, never turned into text first.
    """

    value: str | int | float = ""
    status_code: str = ""
    increment: str = ""

    @property
    def has_value(self) -> bool:
        return isinstance(self.value, (int, float)) or bool(str(self.value or "").strip())


class CheckedValue(NamedTuple):
    """One value as `entered_values_checked` accepted it: a ParameterValue's fields as plain data.

    An upload writes ~90,000 of them with COPY (`ExperimentBatch`), where a model instance each was most of its time;
    the attributes are a ParameterValue's, so `range_warnings` reads either.
    """

    parameter: Parameter
    increment: str
    value: str = ""
    status_code: str = ""
    out_of_range: bool = False


def entered_values_check(procedure: Procedure, entries: dict[str, list[EnteredValue]],
                         parameters: dict[str, Parameter] | None = None, *, kept: frozenset[str] = frozenset()
                         ) -> list[ParameterValue]:
    """Validate entries against the procedure's parameters; collect every error, keyed by parameter key.

    The rules are `entered_values_checked`'s; this gives the accepted values as unsaved ParameterValues.
    """
    return [_value_row(c.parameter, increment=c.increment, value=c.value, status_code=c.status_code,
                       out_of_range=c.out_of_range)
            for c in entered_values_checked(procedure, entries, parameters, kept=kept)]


def entered_values_checked(procedure: Procedure, entries: dict[str, list[EnteredValue]],
                           parameters: dict[str, Parameter] | None = None, *, kept: frozenset[str] = frozenset()
                           ) -> list[CheckedValue]:
    """Validate entries against the procedure's parameters; collect every error, keyed by parameter key.

    The one definition of what a record's values may be (the form, the API, an edit and an upload all come here).
    `parameters` (key → Parameter of `procedure`) spares the query when many experiments are checked in a row.
    `kept` names parameters the experiment already has values of: a retired parameter is accepted only there (an
    edit of an experiment recorded before IMPReSS dropped it), never offered to a new record.
    """
    if parameters is None:
        parameters = {p.key: p for p in procedure.parameters.all()}
    reason = unrecordable_reason(procedure, parameters.values())
    if reason:
        raise ValidationError({"procedure": [reason]})
    errors: dict[str, list[str]] = {}
    values: list[CheckedValue] = []
    for key, entered in entries.items():
        if key not in parameters:
            errors.setdefault(key, []).append(f"{key} is not a parameter of {procedure.key}.")
        elif parameters[key].retired and key not in kept and any(
                e.value.strip() or e.status_code.strip() for e in entered):
            errors.setdefault(key, []).append(
                f"{parameters[key].name} ({key}) is no longer part of {procedure.key} in IMPReSS; it is kept for "
                "older records only.")
    for key, parameter in parameters.items():
        given = [e for e in entries.get(key, []) if e.has_value or e.status_code.strip()]
        if not given:
            if parameter.required and not parameter.derived and not parameter.retired:
                errors.setdefault(key, []).append(
                    f"{parameter.name} ({key}) is required: enter a value or a parameter status code."
                )
            continue
        if key in errors:
            continue
        for entry in given:
            try:
                if entry.status_code.strip():
                    values.append(CheckedValue(parameter, entry.increment,
                                               status_code=check_status_code(parameter, entry.status_code)))
                elif parameter.type in MEDIA_TYPES:
                    raise ValueError(f"{parameter.name} ({key}) are image files, which the LIMS does not keep: "
                                     "give a parameter status code saying why they are not sent.")
                else:
                    value = entered_value_check(parameter, entry.value)
                    # Out of range is a question for a data wrangler, not a refusal: the value is kept as typed.
                    values.append(CheckedValue(parameter, entry.increment, value=value,
                                               out_of_range=parameter.is_out_of_range(value)))
            except ValueError as exc:
                errors.setdefault(key, []).append(str(exc))
        problem = _increments_problem(parameter, given)
        if problem:
            errors.setdefault(key, []).append(problem)
    if errors:
        raise ValidationError(errors)
    return values


_VALUE_FIELDS = ParameterValue._meta.concrete_fields
_VALUE_INDEX = {f.attname: i for i, f in enumerate(_VALUE_FIELDS)}
_FRESH_DEFAULTS = [(i, f) for i, f in enumerate(_VALUE_FIELDS) if callable(f.default)]  # a new list/dict per row
_DEFAULTS = [None if callable(f.default) else f.get_default() for f in _VALUE_FIELDS]


def _value_row(parameter: Parameter, **given) -> ParameterValue:
    """A new ParameterValue of `parameter` built with positional arguments: Django's fast constructor path (no
    keyword matching, no default looked up per field) is ~3 × faster, and an upload of 10,000 rows builds ~90,000
    of them; the parameter is the cached relation, as `parameter=` would leave it."""
    args = _DEFAULTS.copy()
    for i, model_field in _FRESH_DEFAULTS:
        args[i] = model_field.get_default()
    args[_VALUE_INDEX["parameter_id"]] = parameter.pk
    for name, value in given.items():
        args[_VALUE_INDEX[name]] = value
    row = ParameterValue(*args)
    row._state.fields_cache["parameter"] = parameter
    return row


def _increments_problem(parameter: Parameter, given: list[EnteredValue]) -> str:
    """What is wrong with the increments of one parameter's entries, as the DCC checks a series ("" when fine).

    A series takes a value per increment: every increment IMPReSS lists and no other, or (when IMPReSS lists none)
    the increment typed with each value; a status code alone may stand for the whole series. Anything else has one
    value and no increment.
    """
    increments = [e.increment.strip() for e in given]
    if parameter.type != Parameter.Type.SERIES:
        if len(given) > 1 or any(increments):
            return f"{parameter.name} ({parameter.key}) takes one value, not a series."
        return ""
    label = f"{parameter.name} ({parameter.key})"
    repeated = sorted({i for i in increments if increments.count(i) > 1})
    if repeated:
        return f"{label}: increment {', '.join(repeated) or '(none)'} is given more than once."
    if parameter.increments:
        listed = [str(i) for i in parameter.increments]
        if "" in increments:
            return f"{label}: give the increment of each value ({', '.join(listed)})."
        unknown = [i for i in increments if i and i not in listed]
        if unknown:
            return f"{label}: {', '.join(unknown)} is not one of its increments ({', '.join(listed)})."
        missing = [i for i in listed if i not in increments]
        if missing:
            return f"{label}: increments {', '.join(missing)} are missing."
        return ""
    whole = [e for e in given if not e.increment.strip()]
    if whole and (len(given) > 1 or not whole[0].status_code.strip()):
        return (f"{label}: give the increment of each value (a status code without an increment stands for the whole "
                "series).")
    return ""


_TERM = re.compile(r"^[A-Za-z][A-Za-z0-9_]*:[A-Za-z0-9_.\-]+$")


def entered_value_check(parameter: Parameter, raw: str) -> str:
    """The value as stored and exported, or ValueError naming the parameter: the DCC's rules for its element.

    An ontology parameter takes term ids (the DCC needs each term to start with an ontology prefix); a TIME takes
    hh:mm[:ss]; everything else is `procedures.validation.normalise_value`.
    """
    label = f"{parameter.name} ({parameter.key})"
    if parameter.type == Parameter.Type.ONTOLOGY:
        terms = [t for t in re.split(r"[\s,;]+", (raw or "").strip()) if t]
        if not terms:
            raise ValueError(f"{label}: a value is required.")
        wrong = [t for t in terms if not _TERM.match(t)]
        if wrong:
            raise ValueError(f"{label}: {wrong[0]!r} is not an ontology term; write term ids such as MPATH:458 or "
                             "PATO:0000461, separated by spaces.")
        return " ".join(terms)
    if (parameter.value_type or "").upper() == "TIME" and not parameter.options:
        value = (raw or "").strip()
        try:
            return time.fromisoformat(value).isoformat() if value else normalise_value(parameter, value)
        except ValueError:
            raise ValueError(f"{label}: {raw!r} is not a valid time (hh:mm or hh:mm:ss).") from None
    return normalise_value(parameter, raw)


def experiment_date_check(mouse: Mouse, date_of_experiment: date) -> None:
    """Refuse a date no record of the mouse may have: in the future, or before the mouse was born."""
    if date_of_experiment > date.today():
        raise ValidationError({"date_of_experiment": ["The date of the experiment cannot be in the future."]})
    if mouse.date_of_birth and date_of_experiment < mouse.date_of_birth:  # an embryo has no date of birth
        raise ValidationError({"date_of_experiment": ["The experiment cannot be before the mouse was born."]})


# --- Warnings the technician confirms (the breeding rules' mechanism, `colonies.services.rules`) ------------------


class ValuesNeedConfirmation(NeedsConfirmation):
    """Warnings on entered values not confirmed yet: 400 with `warnings` in the API, "Save anyway" on the forms.

    A `NeedsConfirmation` like the breeding warnings, so every caller that handles those handles these; `keyed`
    keeps the parameter key (or field) of each warning, so an upload names its column and a form its input.
    """

    def __init__(self, keyed: list[tuple[str, str]]):
        self.keyed = list(keyed)
        super().__init__([message for _, message in self.keyed])


def range_warnings(rows: list[ParameterValue] | list[CheckedValue]) -> list[tuple[str, str]]:
    """(parameter key, message) for each value outside its parameter's plausible range (`Parameter.min_value`…).

    The value is never changed: an implausible number is usually a slip (a decimal point, a unit), but a mutant may
    truly be extreme, so the person checks it and confirms; it is then kept, flagged `out_of_range`.
    """
    warnings = []
    for row in rows:
        if row.out_of_range:
            parameter = row.parameter
            unit = f" {parameter.unit}" if parameter.unit else ""
            where = f" at {row.increment}" if row.increment else ""
            warnings.append((parameter.key, f"{parameter.name} ({parameter.key}){where} = {row.value}{unit} is "
                                            f"outside the plausible range ({parameter.range_text()}): check it."))
    return warnings


def window_warnings(test: ScheduledTest | None, date_of_experiment: date) -> list[tuple[str, str]]:
    """A warning when the experiment's date is outside its scheduled test's window (before it opens, after it closes).

    The DCC takes the data, but the age at test is then not the one the pipeline gives, which the statistics assume;
    the technician confirms that the date is right (a late entry of an on-time test has its real date, in the window).
    """
    if test is None:
        return []
    window = f"{test.window_start.isoformat()} to {test.window_end.isoformat()}"
    what = f"{test.procedure.name} for {test.mouse.specimen_id}"
    if date_of_experiment < test.window_start:
        return [("date_of_experiment", f"{what} is dated {date_of_experiment.isoformat()}, before its window opens "
                                       f"({window}).")]
    if date_of_experiment > test.window_end:
        return [("date_of_experiment", f"{what} is dated {date_of_experiment.isoformat()}, after its window closed "
                                       f"({window}).")]
    return []


def warnings_confirm(warnings: list[tuple[str, str]], *, confirm: bool) -> str:
    """Raise `ValuesNeedConfirmation` for unconfirmed warnings; return the audit note for confirmed ones ("" if none).

    The note ("Confirmed warnings: …") is the breeding rules' (`Findings.check`), written as the audit reason.
    """
    if not warnings:
        return ""
    if not confirm:
        raise ValuesNeedConfirmation(warnings)
    findings = Findings()
    for _, message in warnings:
        findings.warn(message)
    return findings.check(confirm=True)
