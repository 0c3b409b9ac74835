"""Genotyping forms: an assay with its calls one per line, a result for one mouse (from an existing sample or a new
one), the reason a result is voided, and the upload of a batch of results.

Forms only collect input; `colonies.services` (assay_*, result_*) decides and its messages come back onto them.
"""
from django import forms

from colonies.models import GenotypeResult, GenotypingAssay, GenotypingSample
from lims.forms import ScopedModelForm, SpreadsheetUploadForm


class AssayForm(ScopedModelForm):
    """The calls are typed one per line (a tablet has no JSON editor); the service trims and checks them."""

    calls = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="One call per line, e.g. 'WT band only', 'both bands', 'mutant band only'.")

    class Meta:
        model = GenotypingAssay
        fields = ["name", "allele", "calls", "sets_mouse_zygosity", "protocol"]
        widgets = {"protocol": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["calls"] = "\n".join(self.instance.calls)

    def clean_calls(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["calls"].splitlines() if line.strip()]


class GenotypeResultForm(ScopedModelForm):
    """A result for one mouse, from an existing sample or a new one (its ID, type and collection day)."""

    call = forms.ChoiceField(help_text="The zygosity follows from your centre's rule table for the assay.")
    sample_id = forms.CharField(required=False, max_length=60, label="New sample ID",
                                help_text="For a new sample: the tube label (blank gives one automatically).")
    sample_type = forms.ChoiceField(choices=GenotypingSample.SampleType.choices, required=False,
                                    initial=GenotypingSample.SampleType.EAR, label="New sample type")
    collected_on = forms.DateField(required=False, label="New sample collected on")

    class Meta:
        model = GenotypeResult
        fields = ["mouse", "assay", "call", "tested_on", "sample", "batch"]
        labels = {"sample": "Existing sample"}
        help_texts = {"sample": "Or leave empty and describe a new sample below."}

    EXTRA = ("sample_id", "sample_type", "collected_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assays = self.fields["assay"].queryset
        calls = sorted({call for calls in assays.values_list("calls", flat=True) for call in calls}, key=str.casefold)
        self.fields["call"].choices = [("", "---------"), *[(c, c) for c in calls]]
        self.fields["sample"].required = False
        self.fields["sample"].queryset = self.fields["sample"].queryset.select_related("mouse")
        self.fields["collected_on"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        mouse = self.initial.get("mouse")
        if mouse:
            self.fields["sample"].queryset = self.fields["sample"].queryset.filter(mouse_id=mouse)

    def extra_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.EXTRA}


class VoidForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
                             help_text="Kept with the result and shown in its history, e.g. 'sample swapped on plate'.")


class ResultUploadForm(SpreadsheetUploadForm):
    batch = forms.CharField(required=False, max_length=60, label="Batch",
                            help_text="The plate or run name, stored on every result; blank uses the file's name.")
