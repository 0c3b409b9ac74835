"""The 96-well plate page: choose the mice (a cage, a colony or a litter) and the assay, then a grid of wells A1–H12
with the mouse in each well and the call the assay gave; one save records the whole plate or nothing.

The wells start filled with the chosen mice in loading order (A1, B1 … H1, A2 …); any well can be given another of
those mice or emptied. The service (`colonies.services.plate_record`) decides; its per-well messages come back into
the well and into the list above the grid.
"""
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView

from colonies.models import Cage, Colony, GenotypingAssay, GenotypingSample, Litter, Mouse
from colonies.services import WELLS, Well, plate_record
from colonies.services.plate import PLATE_COLUMNS, PLATE_ROWS
from lims.exceptions import DomainError
from lims.forms import DATE_INPUT, service_error_messages
from lims.identifiers import safe_identifier
from lims.scoping import scope_for_user
from lims.views import WriteAccessMixin


def _scoped(queryset, user):
    return scope_for_user(queryset.filter(voided_at__isnull=True), user)


class PlateChooserForm(forms.Form):
    """Which mice go on the plate (one of cage, colony or litter) and which assay reads it."""

    assay = forms.ModelChoiceField(queryset=GenotypingAssay.objects.none(), label="Assay")
    cage = forms.ModelChoiceField(queryset=Cage.objects.none(), required=False, label="Mice of cage")
    colony = forms.ModelChoiceField(queryset=Colony.objects.none(), required=False, label="or of colony")
    litter = forms.ModelChoiceField(queryset=Litter.objects.none(), required=False, label="or of litter")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assay"].queryset = _scoped(GenotypingAssay.objects.all(), user)
        self.fields["cage"].queryset = _scoped(Cage.objects.filter(closed_on__isnull=True), user)
        self.fields["colony"].queryset = _scoped(Colony.objects.all(), user)
        self.fields["litter"].queryset = _scoped(Litter.objects.all(), user).order_by("-born_on")

    def clean(self):
        cleaned = super().clean()
        chosen = [name for name in ("cage", "colony", "litter") if cleaned.get(name)]
        if len(chosen) != 1:
            raise forms.ValidationError("Choose the mice of one cage, one colony or one litter.")
        return cleaned

    def mice(self, user):
        """The living mice of the chosen cage, colony or litter, in specimen ID order (at most a plate's worth)."""
        data = self.cleaned_data
        mice = _scoped(Mouse.objects.filter(status=Mouse.Status.ALIVE), user)
        if data.get("cage"):
            mice = mice.filter(placements__cage=data["cage"], placements__ended_on__isnull=True)
        elif data.get("colony"):
            mice = mice.filter(colony=data["colony"])
        else:
            mice = mice.filter(litter=data["litter"])
        return list(mice.order_by("specimen_id")[:len(WELLS)])


class PlateForm(forms.Form):
    """The plate's day, sample and name, and per well `<well>_mouse` and `<well>_call`."""

    plate = forms.CharField(max_length=60, required=False, label="Plate name", validators=[safe_identifier],
                            help_text="Stored on every result (the batch); e.g. GT-2026-03-02-1.")
    collected_on = forms.DateField(widget=DATE_INPUT, label="Samples collected on")
    sample_type = forms.ChoiceField(choices=GenotypingSample.SampleType.choices,
                                    initial=GenotypingSample.SampleType.EAR, label="Sample type")
    tested_on = forms.DateField(widget=DATE_INPUT, label="Plate run on")

    def __init__(self, *args, mice, assay, **kwargs):
        super().__init__(*args, **kwargs)
        self.mice = {str(mouse.pk): mouse for mouse in mice}
        mouse_choices = [("", "—")] + [(pk, str(mouse)) for pk, mouse in self.mice.items()]
        call_choices = [("", "—")] + [(call, call) for call in assay.calls]
        today = timezone.localdate()
        self.fields["tested_on"].initial = self.fields["collected_on"].initial = today
        for index, well in enumerate(WELLS):
            self.fields[f"{well}_mouse"] = forms.ChoiceField(choices=mouse_choices, required=False,
                                                             label=f"{well} mouse")
            self.fields[f"{well}_call"] = forms.ChoiceField(choices=call_choices, required=False,
                                                            label=f"{well} call")
            if index < len(mice):
                self.initial[f"{well}_mouse"] = str(mice[index].pk)

    def wells(self) -> list[Well]:
        """The filled wells; a well with a mouse and no call (or a call and no mouse) is an error on that well."""
        filled = []
        for well in WELLS:
            mouse, call = self.cleaned_data.get(f"{well}_mouse"), self.cleaned_data.get(f"{well}_call")
            if mouse and not call:
                self.add_error(f"{well}_call", f"{well}: choose the call for mouse {self.mice[mouse]}.")
            elif call and not mouse:
                self.add_error(f"{well}_mouse", f"{well}: choose the mouse whose sample gave '{call}'.")
            elif mouse:
                filled.append(Well(well=well, mouse=self.mice[mouse], call=call))
        return filled

    def grid(self) -> list[tuple[str, list[tuple[str, object, object, list]]]]:
        """Rows A–H of (well, mouse field, call field, errors), for the template."""
        return [(row, [(f"{row}{column}", self[f"{row}{column}_mouse"], self[f"{row}{column}_call"],
                        self.errors.get(f"{row}{column}_mouse", []) + self.errors.get(f"{row}{column}_call", []))
                       for column in PLATE_COLUMNS]) for row in PLATE_ROWS]


class GenotypePlateView(LoginRequiredMixin, WriteAccessMixin, FormView):
    """`?assay=&cage=` (or `colony=`, `litter=`) chooses the plate; POST records it (`plate_record`)."""

    area = "colony"
    form_class = PlateForm
    template_name = "colonies/genotyping/plate.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.chooser = PlateChooserForm(request.GET or None, user=request.user)
            self.chosen = self.chooser.is_valid()
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        if not self.chosen:
            return None
        return PlateForm(**self.get_form_kwargs(), mice=self.chooser.mice(self.request.user),
                         assay=self.chooser.cleaned_data["assay"])

    def post(self, request, *args, **kwargs):
        if not self.chosen:
            return self.render_to_response(self.get_context_data())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        wells = form.wells()
        if form.errors:
            return self.form_invalid(form)
        try:
            results = plate_record(actor=self.request.user, assay=self.chooser.cleaned_data["assay"], wells=wells,
                                   tested_on=form.cleaned_data["tested_on"],
                                   collected_on=form.cleaned_data["collected_on"],
                                   sample_type=form.cleaned_data["sample_type"], plate=form.cleaned_data["plate"])
        except (ValidationError, DomainError) as exc:
            for key, texts in service_error_messages(exc).items():
                if f"{key}_call" in form.fields:
                    form.add_error(f"{key}_call", [f"{key}: {text}" for text in texts])
                else:
                    form.add_error(None if key in (NON_FIELD_ERRORS, "wells", "assay") else key, texts)
            return self.form_invalid(form)
        messages.success(self.request, f"Plate {form.cleaned_data['plate'] or ''} saved: {len(results)} results.")
        return HttpResponseRedirect(f"{reverse('colonies:genotyperesult_list')}?batch={form.cleaned_data['plate']}"
                                    if form.cleaned_data["plate"] else reverse("colonies:genotyperesult_list"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        well_errors = []
        if form is not None and form.is_bound:
            well_errors = [text for well in WELLS for suffix in ("mouse", "call")
                           for text in form.errors.get(f"{well}_{suffix}", [])]
        context.update(title="Genotyping plate", chooser=self.chooser, chosen=self.chosen, well_errors=well_errors,
                       assay=self.chooser.cleaned_data["assay"] if self.chosen else None,
                       mice_count=len(form.mice) if form is not None else 0)
        return context
