"""The data-entry form of a procedure, built from its IMPReSS parameters, and the worklist's day picker.

The form only collects what the technician typed; `procedures.services.experiment_record` validates every value (the
DCC's rules, at entry time). Inputs are plain text with an `inputmode`, not `type=number`: a browser would silently
drop "24,5g" from a number input, while the service names the parameter and says what is wrong with it.
"""
from dataclasses import dataclass

from django import forms
from django.forms import BoundField
from django.utils import timezone

from colonies.models import Room
from lims.dates import QueryDateField
from lims.forms import DATE_INPUT
from lims.scoping import scope_for_user
from procedures.models import Parameter, Procedure, Source
from procedures.services import EnteredValue
from procedures.validation import PARAMETER_STATUS_CODES, PROCEDURE_STATUS_CODES

NOT_ENTERABLE = {Parameter.Type.MEDIA, Parameter.Type.SERIES_MEDIA, Parameter.Type.MEDIA_SAMPLE}
STATUS_CHOICES = [("", "Measured (enter the value)")] + [
    (code, f"{code} · {label}") for code, label in PARAMETER_STATUS_CODES.items()
]
INPUT_MODES = {"FLOAT": "decimal", "INT": "numeric"}


def enterable(parameter: Parameter) -> bool:
    """Derived values are computed later and media are uploaded elsewhere: neither is typed in."""
    return not parameter.derived and parameter.type not in NOT_ENTERABLE


def value_field(parameter: Parameter) -> forms.Field:
    """The input of one value: a select for options and booleans, else text with the keyboard the type needs."""
    kind = (parameter.value_type or "TEXT").upper()
    if parameter.options:
        return forms.ChoiceField(required=False, choices=[("", "—")] + [(o, o) for o in parameter.options])
    if kind == "BOOL":
        return forms.ChoiceField(required=False, choices=[("", "—"), ("true", "Yes"), ("false", "No")])
    attrs = {"autocomplete": "off"}
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
    values: list[tuple[str, BoundField]]  # (increment, field); increment "" for a simple parameter
    status: BoundField

    @property
    def is_series(self) -> bool:
        return len(self.values) > 1 or bool(self.values and self.values[0][0])

    @property
    def errors(self) -> list[str]:
        return [e for _, bound in self.values for e in bound.errors] + list(self.status.errors)

    @property
    def not_measured(self) -> bool:
        return bool(self.status.value())


class ExperimentRecordForm(forms.Form):
    """Every enterable parameter of a procedure, plus the date of the experiment and who did it.

    Field names are the parameter keys (`IMPC_BWT_001_001`), `<key>__<n>` for the n-th series increment, and
    `<key>__status` for the parameter status code chosen instead of a value.
    """

    date_of_experiment = forms.DateField(widget=DATE_INPUT)
    experimenter = forms.CharField(
        max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args, parameters, **kwargs):
        super().__init__(*args, **kwargs)
        self.parameters = [p for p in parameters if enterable(p)]
        self.fields["date_of_experiment"].initial = timezone.localdate()
        for parameter in self.parameters:
            for name, _ in self._value_names(parameter):
                self.fields[name] = value_field(parameter)
                self.fields[name].label = parameter.name
            self.fields[f"{parameter.key}__status"] = forms.ChoiceField(
                required=False, choices=STATUS_CHOICES, label="Not measured because"
            )
        self.focus(self.first_value_name())

    @staticmethod
    def _value_names(parameter: Parameter) -> list[tuple[str, str]]:
        if parameter.type == Parameter.Type.SERIES and parameter.increments:
            return [(f"{parameter.key}__{n}", str(inc)) for n, inc in enumerate(parameter.increments)]
        return [(parameter.key, "")]

    def first_value_name(self) -> str:
        return self._value_names(self.parameters[0])[0][0] if self.parameters else "date_of_experiment"

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
                return self._value_names(parameter)[0][0]
        return key

    def clean(self):
        cleaned = super().clean()
        for parameter in self.parameters:
            names = self._value_names(parameter)
            if len(names) == 1 and cleaned.get(names[0][0], "").strip() and cleaned.get(f"{parameter.key}__status"):
                self.add_error(names[0][0], f"{parameter.name} ({parameter.key}): enter a value or say why it "
                                            "was not measured, not both.")
        return cleaned

    def entered_values(self) -> dict[str, list[EnteredValue]]:
        """What the service records: a value per input, and the status code for any input left empty."""
        entries: dict[str, list[EnteredValue]] = {}
        for parameter in self.parameters:
            code = self.cleaned_data.get(f"{parameter.key}__status", "")
            for name, increment in self._value_names(parameter):
                value = (self.cleaned_data.get(name) or "").strip()
                if value or code:
                    entries.setdefault(parameter.key, []).append(
                        EnteredValue(value=value, status_code="" if value else code, increment=increment)
                    )
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
        for parameter in self.parameters:
            for name, increment in self._value_names(parameter):
                value, code = recorded.get((parameter.key, increment), ("", ""))
                self.initial[name] = value
                if code:
                    self.initial[f"{parameter.key}__status"] = code


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

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None:
            del self.fields["room"]
        else:
            self.fields["room"].queryset = scope_for_user(Room.objects.filter(voided_at__isnull=True), user)
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
