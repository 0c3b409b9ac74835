"""Form helpers shared by every app: centre-scoped choices and service errors shown where the user looks.

Forms only translate: they collect input, the service decides. A `ValidationError` raised by a service is keyed by
model field (or by IMPReSS parameter key); `add_service_errors` puts each message next to the matching input and
everything else at the top of the form, so no message is ever lost. The pieces every app's forms share live here
too (the "Save anyway" box, number pads, the spreadsheet upload), so no app borrows them from another.
"""
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import FileExtensionValidator
from django.db.models import Model

from lims.exceptions import DomainError
from lims.integrity import name_constraint_errors
from lims.scoping import scope_for_user
from lims.uploads import UploadRefused, open_zip, xlsx_limits
from lims.xlsx_import import DEFAULT_MAX_ROWS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def is_centre_owned(model: type[Model]) -> bool:
    """True for records that belong to a centre (they have a `centre` field or declare `centre_path`)."""
    if hasattr(model, "centre_path"):
        return True
    return any(f.name == "centre" for f in model._meta.get_fields())


def service_error_messages(exc: Exception) -> dict[str, list[str]]:
    """Flatten a ValidationError or DomainError into {key: [message, …]} (NON_FIELD_ERRORS for the rest)."""
    if isinstance(exc, DomainError):
        return {exc.field or NON_FIELD_ERRORS: [exc.message]}
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return {key: list(messages) for key, messages in exc.message_dict.items()}
    if isinstance(exc, ValidationError):
        return {NON_FIELD_ERRORS: list(exc.messages)}
    raise TypeError(f"not a service error: {exc!r}")


def add_version_field(form: forms.BaseForm, version: int) -> None:
    """Carry the version of the record the user opened, so the service refuses the save if someone saved since.

    Without it two people editing one mouse both "succeed" and the second silently overwrites the first; with it
    the second gets the service's conflict message above the form and reloads (`lims.versioning`).
    """
    form.fields["version"] = forms.IntegerField(required=False, widget=forms.HiddenInput, initial=version)


def add_service_errors(form: forms.BaseForm, exc: Exception, field_for=None) -> None:
    """Show a service's errors on `form`: on the matching field when there is one, else above the form.

    `field_for(key)` may translate an error key into a form field name (the record form maps parameter keys).
    A message the service gives on several fields ("Male + female chimeras (9) cannot be more than pups born (4)"
    on both chimera counts) is shown once, beside the first of them: the API keeps it on each field for machines.
    """
    shown: set[str] = set()
    for key, all_messages in service_error_messages(exc).items():
        messages = [message for message in all_messages if message not in shown]
        shown.update(messages)
        if not messages:
            continue
        name = field_for(key) if field_for else key
        if name in form.fields and not form.fields[name].widget.is_hidden:
            form.add_error(name, messages)
        elif key == NON_FIELD_ERRORS:
            form.add_error(None, messages)
        else:
            label = key.replace("_", " ").capitalize()
            form.add_error(None, [f"{label}: {message}" for message in messages])


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose choices of centre-owned records (plans, ES cells, colonies …) are the user's centre only.

    Pass `user=`; voided records are never offered. Reference data (genes, strains, consortia) stays global.
    Date fields get the browser's date picker, which tablets show as a native calendar.
    """

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and is_centre_owned(field.queryset.model):
                queryset = scope_for_user(field.queryset, user)
                if hasattr(field.queryset.model, "voided_at"):
                    queryset = queryset.filter(voided_at__isnull=True)
                field.queryset = queryset
            if type(field) is forms.DateField:
                field.widget = DATE_INPUT

    def _update_errors(self, errors):
        """The model's unique-constraint messages in the same words as the services' (`lims.integrity`), on the
        field they concern when the form has it, else above the form."""
        errors = name_constraint_errors(self.instance, errors)
        if hasattr(errors, "error_dict"):
            placed: dict[str, list] = {}
            for key, messages in errors.error_dict.items():
                placed.setdefault(key if key in self.fields else NON_FIELD_ERRORS, []).extend(messages)
            errors = ValidationError(placed)
        super()._update_errors(errors)

    def service_fields(self) -> dict:
        """The cleaned values a service takes: the model fields of `Meta.fields` only."""
        return {name: value for name, value in self.cleaned_data.items() if name in self._meta.fields}


class ConfirmWarningsMixin(forms.Form):
    """A "Save anyway" box, shown only once the page has listed warnings (iMits asks before saving, never refuses)."""

    confirm_warnings = forms.BooleanField(
        required=False, label="Save anyway",
        help_text="I have read the warnings above and still want to save.",
    )


def numeric_inputs(form: forms.BaseForm) -> None:
    """Counts get the tablet's number pad."""
    for form_field in form.fields.values():
        if isinstance(form_field, forms.IntegerField):
            form_field.widget.attrs.update(inputmode="numeric")


MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # far above a 5,000-row sheet; stops a stray video before openpyxl sees it


class SpreadsheetUploadForm(forms.Form):
    """One .xlsx file made from the template, refused at once when its zip directory breaks a limit.

    Only the directory is read here (sizes, compression, encryption: no decompression); the import reads the file
    through the same bounded reader (`lims.uploads`) and reports anything else it finds.
    """

    max_rows = DEFAULT_MAX_ROWS  # the data rows the import behind the form reads; sets the unpacked-size limit

    file = forms.FileField(
        label="Spreadsheet (.xlsx)",
        help_text=f"Made from the template; at most {DEFAULT_MAX_ROWS:,} rows.",
        validators=[FileExtensionValidator(["xlsx"], message="Upload an Excel workbook (.xlsx).")],
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        try:
            archive, _members = open_zip(upload, xlsx_limits(self.max_rows))
            archive.close()
        except UploadRefused as exc:
            raise forms.ValidationError(exc.message) from exc
        finally:
            upload.seek(0)
        return upload
