"""The data-entry form of a procedure, built from its IMPReSS parameters, and the worklist's day picker.

The form only collects what the technician typed; `procedures.services.experiment_record` validates every value (the
DCC's rules, at entry time). Inputs are plain text with an `inputmode`, not `type=number`: a browser would silently
drop "24,5g" from a number input, while the service names the parameter and says what is wrong with it.
"""
from dataclasses import dataclass

from django import forms
from django.forms import BoundField
from django.utils import timezone

from colonies.models import Cage, Room
from lims.dates import QueryDateField
from lims.forms import DATE_INPUT, ConfirmWarningsMixin, SpreadsheetUploadForm
from lims.scoping import scope_for_user
from procedures.models import MEDIA_TYPES, Parameter, Procedure, Source
from procedures.services.values import EnteredValue
from procedures.validation import PARAMETER_STATUS_CODES, PROCEDURE_STATUS_CODES

NOT_ENTERABLE = MEDIA_TYPES
STATUS_CHOICES = [("", "Measured (enter the value)")] + [
    (code, f"{code} · {label}") for code, label in PARAMETER_STATUS_CODES.items()
]
#: The status of a required image parameter: there is no value to measure here, only a reason to give.
STATUS_ONLY_CHOICES = [("", "— choose a reason —")] + STATUS_CHOICES[1:]
INPUT_MODES = {"FLOAT": "decimal", "INT": "numeric"}
#: How a free series (no increments listed by IMPReSS) is typed: a line per increment, increment then value.
FREE_SERIES_HELP = ("One line per increment: the increment, then the value (“5 = 12.3”, or two columns pasted "
                    "from a spreadsheet).")
ONTOLOGY_HELP = "Ontology term ids, separated by spaces (e.g. MPATH:458 PATO:0000461)."


def enterable(parameter: Parameter) -> bool:
    """Typed at the bench (`Parameter.is_enterable`): not derived, not media, not retired."""
    return parameter.is_enterable


#: Media the DCC takes with a parameter status alone (a single `mediaParameter` needs the file's URI).
STATUS_ONLY_TYPES = frozenset({Parameter.Type.SERIES_MEDIA, Parameter.Type.MEDIA_SAMPLE})


def status_only(parameter: Parameter) -> bool:
    """A required parameter the bench cannot take a value of (image files): only why it is not sent is given."""
    return (parameter.required and not parameter.derived and not parameter.retired
            and parameter.type in STATUS_ONLY_TYPES)


def free_series_lines(text: str) -> list[tuple[str, str]]:
    """(increment, value) of each non-empty line of a free series, or ValueError saying which line is wrong.

    A line is "increment = value", "increment; value", two tab-separated cells, or "increment value" (split at the
    last space, so an increment such as "2026-03-01 06:00" keeps its own).
    """
    pairs = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        for separator in ("\t", "=", ";"):
            if separator in line:
                increment, _, value = line.partition(separator)
                break
        else:
            increment, _, value = line.rpartition(" ")
        increment, value = increment.strip(), value.strip()
        if not increment or not value:
            raise ValueError(f"line {number} ({line!r}) needs an increment and a value, e.g. “5 = 12.3”.")
        pairs.append((increment, value))
    return pairs


def free_series_entries(parameter: Parameter, text: str, code: str = "") -> list[EnteredValue]:
    """The entries of a free series typed as lines (`free_series_lines`); a status code alone stands for all."""
    try:
        pairs = free_series_lines(text)
    except ValueError as exc:
        raise ValueError(f"{parameter.name} ({parameter.key}): {exc}") from None
    if not pairs:
        return [EnteredValue(status_code=code)] if code else []
    return [EnteredValue(value=value, increment=increment) for increment, value in pairs]


def parameter_entries(parameter: Parameter, typed: list[tuple[str, str | int | float]],
                      code: str = "") -> list[EnteredValue]:
    """One parameter's inputs as entries: `typed` is (increment, value) per input, `code` the status chosen instead.

    The one reading of the form, the batch page and the upload: a required image parameter gives its code alone, a
    free series its lines (`free_series_entries`; ValueError naming a wrong line), any other parameter a value per
    filled input and the code where no input is filled. Values come stripped; a number (an Excel cell) stays one.
    """
    if status_only(parameter):
        return [EnteredValue(status_code=code)] if code else []
    if parameter.is_free_series:
        return free_series_entries(parameter, str(typed[0][1]) if typed else "", code)
    return [EnteredValue(value=value, status_code="" if value else code, increment=increment)
            for increment, value in typed if value != "" or code]


def value_field(parameter: Parameter) -> forms.Field:
    """The input of one value: a select for options and booleans, else text with the keyboard the type needs."""
    kind = (parameter.value_type or "TEXT").upper()
    if parameter.is_free_series:
        return forms.CharField(required=False, help_text=FREE_SERIES_HELP, widget=forms.Textarea(
            attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}))
    if parameter.options:
        return forms.ChoiceField(required=False, choices=[("", "—")] + [(o, o) for o in parameter.options])
    if kind == "BOOL":
        return forms.ChoiceField(required=False, choices=[("", "—"), ("true", "Yes"), ("false", "No")])
    attrs = {"autocomplete": "off"}
    if parameter.type == Parameter.Type.ONTOLOGY:
        return forms.CharField(required=False, help_text=ONTOLOGY_HELP,
                               widget=forms.TextInput(attrs={**attrs, "spellcheck": "false"}))
    if kind in INPUT_MODES:
        attrs["inputmode"] = INPUT_MODES[kind]
    elif kind == "DATE":
        attrs["type"] = "date"
    elif kind == "DATETIME":
        attrs["type"] = "datetime-local"
    return forms.CharField(required=False, widget=forms.TextInput(attrs=attrs))


@dataclass
class ParameterGroup:
    """One parameter on the page: its value input(s) (one per series increment) and its status-code select."""

    parameter: Parameter
    values: list[tuple[str, BoundField]]  # (increment, field); increment "" for a simple parameter; none: status only
    status: BoundField

    @property
    def is_series(self) -> bool:
        return len(self.values) > 1 or bool(self.values and self.values[0][0])

    @property
    def status_only(self) -> bool:
        """Nothing to type (image files the LIMS does not hold): only why it is not sent."""
        return not self.values

    @property
    def errors(self) -> list[str]:
        return [e for _, bound in self.values for e in bound.errors] + list(self.status.errors)

    @property
    def not_measured(self) -> bool:
        return bool(self.status.value())


class ExperimentRecordForm(ConfirmWarningsMixin, forms.Form):
    """Every enterable parameter of a procedure, plus the date of the experiment and who did it.

    Field names are the parameter keys (`IMPC_BWT_001_001`), `<key>__<n>` for the n-th series increment, and
    `<key>__status` for the parameter status code chosen instead of a value. `confirm_warnings` is the "Save anyway"
    box, shown once the service has answered with warnings (a value out of range, a date outside the window).
    """

    date_of_experiment = forms.DateField(widget=DATE_INPUT)
    experimenter = forms.CharField(
        max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args, parameters, **kwargs):
        super().__init__(*args, **kwargs)
        # In IMPReSS order: what is typed, and the required image parameters that only take a status code.
        self.parameters = [p for p in parameters if enterable(p) or status_only(p)]
        self.fields["date_of_experiment"].initial = timezone.localdate()
        for parameter in self.parameters:
            for name, _ in self._value_names(parameter):
                self.fields[name] = value_field(parameter)
                self.fields[name].label = parameter.name
            self.fields[f"{parameter.key}__status"] = forms.ChoiceField(
                required=False, choices=STATUS_ONLY_CHOICES if status_only(parameter) else STATUS_CHOICES,
                label="Not sent because" if status_only(parameter) else "Not measured because",
            )
        self.focus(self.first_value_name())

    @staticmethod
    def _value_names(parameter: Parameter) -> list[tuple[str, str]]:
        if status_only(parameter):
            return []
        if parameter.type == Parameter.Type.SERIES and parameter.increments:
            return [(f"{parameter.key}__{n}", str(inc)) for n, inc in enumerate(parameter.increments)]
        return [(parameter.key, "")]

    def first_value_name(self) -> str:
        names = [name for p in self.parameters for name, _ in self._value_names(p)]
        return names[0] if names else "date_of_experiment"

    def focus(self, name: str) -> None:
        """Put the caret in one input only: the first value on arrival, the first mistake after a refusal."""
        for form_field in self.fields.values():
            form_field.widget.attrs.pop("autofocus", None)
        self.fields[name].widget.attrs["autofocus"] = True

    def focus_first_error(self) -> None:
        for name in self.fields:
            if name in self.errors:
                self.focus(name)
                return

    def groups(self) -> tuple[list[ParameterGroup], list[ParameterGroup]]:
        """(measurements, metadata), in IMPReSS order: the page shows metadata under its own heading."""
        measurements, metadata = [], []
        for parameter in self.parameters:
            group = ParameterGroup(
                parameter=parameter,
                values=[(inc, self[name]) for name, inc in self._value_names(parameter)],
                status=self[f"{parameter.key}__status"],
            )
            (metadata if parameter.type == Parameter.Type.METADATA else measurements).append(group)
        return measurements, metadata

    def field_for(self, key: str) -> str:
        """The input where a service error about `key` (a parameter key or a field name) is shown."""
        for parameter in self.parameters:
            if parameter.key == key:
                names = self._value_names(parameter)
                return names[0][0] if names else f"{key}__status"
        return key

    def clean(self):
        cleaned = super().clean()
        for parameter in self.parameters:
            names = self._value_names(parameter)
            if len(names) == 1 and cleaned.get(names[0][0], "").strip() and cleaned.get(f"{parameter.key}__status"):
                self.add_error(names[0][0], f"{parameter.name} ({parameter.key}): enter a value or say why it "
                                            "was not measured, not both.")
            elif parameter.is_free_series and names and names[0][0] not in self.errors:
                try:
                    free_series_lines(cleaned.get(names[0][0], ""))
                except ValueError as exc:
                    self.add_error(names[0][0], f"{parameter.name} ({parameter.key}): {exc}")
        return cleaned

    def entered_values(self) -> dict[str, list[EnteredValue]]:
        """What the service records: a value per input, and the status code for any input left empty."""
        entries: dict[str, list[EnteredValue]] = {}
        for parameter in self.parameters:
            typed = [(increment, (self.cleaned_data.get(name) or "").strip())
                     for name, increment in self._value_names(parameter)]
            # Free series lines are already checked by `clean`.
            found = parameter_entries(parameter, typed, self.cleaned_data.get(f"{parameter.key}__status", ""))
            if found:
                entries[parameter.key] = found
        return entries


class ExperimentEditForm(ExperimentRecordForm):
    """The values of a recorded experiment, filled in, plus the reason a QC-locked one is changed.

    The date and experimenter identify the experiment and are not edited here; the service keeps the reason in the
    audit trail and refuses an edit of a locked experiment without one.
    """

    reason = forms.CharField(required=False, max_length=500, label="Reason for the change",
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, experiment, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["date_of_experiment"], self.fields["experimenter"]
        if experiment.is_qc_locked:
            self.fields["reason"].required = True
        recorded: dict[tuple[str, str], tuple[str, str]] = {
            (v.parameter.key, v.increment): (v.value, v.status_code) for v in experiment.values.all()
        }
        lines: dict[str, list[str]] = {}
        for v in experiment.values.all():
            if v.increment and v.value:
                lines.setdefault(v.parameter.key, []).append(f"{v.increment} = {v.value}")
        for parameter in self.parameters:
            if parameter.is_free_series:
                self.initial[parameter.key] = "\n".join(lines.get(parameter.key, []))
                code = recorded.get((parameter.key, ""), ("", ""))[1]
                if code:
                    self.initial[f"{parameter.key}__status"] = code
                continue
            for name, increment in self._value_names(parameter):
                value, code = recorded.get((parameter.key, increment), ("", ""))
                self.initial[name] = value
                if code:
                    self.initial[f"{parameter.key}__status"] = code
            if not self._value_names(parameter):
                code = recorded.get((parameter.key, ""), ("", ""))[1]
                if code:
                    self.initial[f"{parameter.key}__status"] = code


class ProcedureUploadForm(SpreadsheetUploadForm):
    """A procedure's filled-in template, and "Save anyway" for a file whose warnings were read and are right."""

    confirm_warnings = forms.BooleanField(
        required=False, label="Save anyway",
        help_text="Tick after an upload listed warnings (values outside their plausible range, dates outside a "
                  "test's window) that you have checked: the same file is then recorded with them.",
    )


class WorklistDayForm(forms.Form):
    """The day the worklist is for: tests due on or before it (today unless chosen).

    With `period=week` the list covers the Monday-to-Sunday week of that day, for planning the rooms; `procedure`
    narrows it to one procedure key (one station, one technician) and `room` to the mice housed in one room now.
    The room choice needs the user (their centre's rooms); without one the field is left out, so pages that only
    read the day (the Record link's `?day=`) never fail on it.
    """

    PERIODS = [("day", "Day"), ("week", "Week")]

    day = QueryDateField(required=False, widget=DATE_INPUT, label="Due on or before")
    period = forms.ChoiceField(required=False, choices=PERIODS, label="Show")
    procedure = forms.ChoiceField(required=False, label="Procedure")
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False, label="Room",
                                  empty_label="All rooms")
    # One cage's mice: the cage page's Record button and the worklist's Scan button (a cage card's QR code) open it.
    cage = forms.ModelChoiceField(queryset=Cage.objects.none(), required=False, label="Cage")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None:
            del self.fields["room"], self.fields["cage"]
        else:
            self.fields["room"].queryset = scope_for_user(Room.objects.filter(voided_at__isnull=True), user)
            self.fields["cage"].queryset = scope_for_user(Cage.objects.filter(voided_at__isnull=True), user)
        keys = (
            Procedure.objects.filter(level=Procedure.Level.MOUSE, source=Source.IMPRESS)
            .order_by("week", "key").values_list("key", "name").distinct()
        )
        self.fields["procedure"].choices = [("", "All procedures")] + [(k, f"{n} ({k})") for k, n in keys]


class ScheduledTestCloseForm(forms.Form):
    """Close an open test: not performed (with the IMPC_PSC code the DCC receives) or cancelled (never reported)."""

    NOT_PERFORMED, CANCEL = "not_performed", "cancel"

    outcome = forms.ChoiceField(
        choices=[(NOT_PERFORMED, "Not performed (reported to the DCC with a status code)"),
                 (CANCEL, "Cancelled (scheduled by mistake; not reported)")],
        widget=forms.RadioSelect, initial=NOT_PERFORMED, label="What happened",
    )
    status_code = forms.ChoiceField(
        required=False, label="Procedure status code",
        choices=[("", "—")] + [(code, f"{code} · {label}") for code, label in PROCEDURE_STATUS_CODES.items()],
    )
    reason = forms.CharField(max_length=500, widget=forms.TextInput(attrs={"autocomplete": "off"}))


def raw_values(form: forms.Form) -> dict[str, str]:
    """What was typed in a bound form, by unprefixed field name, unvalidated: the content of a draft.

    Kept as typed ("20,9" stays "20,9"): a draft is read by the one number reader only when it is recorded. The
    "Save anyway" box is not part of a draft: a reopened draft must show its warnings again.
    """
    return {name: form.data.get(form.add_prefix(name), "") for name in form.fields if name != "confirm_warnings"}
