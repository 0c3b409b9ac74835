"""Forms for colony management, made for the cage side: short, date pickers, number pads, one decision per page.

Forms only collect input; the rules are in `colonies.services` and their messages come back onto these forms.
Choices are limited to the user's centre and to what makes sense (live males for a sire, open cages for a move).
"""
from datetime import date

from django import forms
from django.forms import formset_factory
from django.utils import timezone

from colonies.husbandry.census import census_colonies, census_rooms
from colonies.models import Cage, Colony, ColonySettings, Litter, Mating, Mouse, Rack, Room
from colonies.services.dcc_lock import MOUSE_CORRECTABLE
from lims.dates import QueryDateField
from lims.forms import DATE_INPUT, ConfirmWarningsMixin, ScopedModelForm, numeric_inputs
from lims.models import Strain
from lims.scoping import centre_users, scope_for_user
from lims.services import MIN_REASON_LENGTH


def _scoped(model, user, **filters):
    queryset = scope_for_user(model.objects.filter(**filters), user)
    return queryset.filter(voided_at__isnull=True) if hasattr(model, "voided_at") else queryset


class MouseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, mouse):
        born = f"born {mouse.date_of_birth.isoformat()}" if mouse.date_of_birth else f"embryo {mouse.stage}"
        return f"{mouse.specimen_id} · {mouse.get_sex_display()} · {born} · {mouse.colony or mouse.strain}"


class MouseMultipleChoiceField(forms.ModelMultipleChoiceField):
    label_from_instance = MouseChoiceField.label_from_instance


class CageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cage):
        place = f" · {cage.rack}" if cage.rack_id else ""
        return f"{cage.cage_id}{place} · {cage.get_cage_type_display()}"


def open_cages(user):
    return _scoped(Cage, user, closed_on__isnull=True).select_related("rack__room").order_by("cage_id")


class RoomForm(ScopedModelForm):
    class Meta:
        model = Room
        fields = ["building", "name"]


class RackForm(ScopedModelForm):
    class Meta:
        model = Rack
        fields = ["room", "name", "positions"]


class CageForm(ScopedModelForm):
    """A new or changed cage; leave the ID blank for the next number, the capacity blank for the centre's default."""

    class Meta:
        model = Cage
        fields = ["cage_id", "cage_type", "capacity", "rack", "position", "opened_on", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        numeric_inputs(self)
        if not self.instance.pk:
            self.fields["cage_id"].required = False
            self.fields["capacity"].required = False
            self.fields["capacity"].initial = None
            # A cage opens today unless told otherwise (the service says so too).
            self.fields["opened_on"].required = False
            self.fields["opened_on"].initial = date.today
            self.fields["opened_on"].help_text = "Blank: today."
        else:
            del self.fields["opened_on"]
        self.fields["rack"].queryset = self.fields["rack"].queryset.select_related("room")

    def service_fields(self) -> dict:
        fields = super().service_fields()
        if not self.instance.pk:
            for name in ("capacity", "opened_on"):
                if fields.get(name) is None:
                    fields.pop(name, None)
        return fields


class CageCloseForm(forms.Form):
    closed_on = forms.DateField(widget=DATE_INPUT, label="Closed on")


class MouseForm(ScopedModelForm):
    """Register a mouse by hand (an import, a founder); weaned pups are created by weaning their litter."""

    cage = CageChoiceField(queryset=Cage.objects.none(), required=False, help_text="The cage it goes into now.")

    class Meta:
        model = Mouse
        fields = ["specimen_id", "ear_mark", "colony", "strain", "generation", "sex", "date_of_birth", "zygosity",
                  "is_baseline", "litter_code"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["specimen_id"].required = False
        self.fields["specimen_id"].help_text = "Leave blank for the next ID of your centre's pattern."
        self.fields["date_of_birth"].required = True  # embryos come from DCC imports, not from this form
        self.fields["cage"].queryset = open_cages(user)

    def service_fields(self) -> dict:
        return {**super().service_fields(), "cage": self.cleaned_data.get("cage")}


class MouseUpdateForm(ScopedModelForm):
    """Edit a mouse. Once the DCC has it, its identity fields are shown but locked here: they change only through
    the Correct identity page, with a reason (`colonies.services.dcc_lock`)."""

    class Meta:
        model = Mouse
        fields = ["ear_mark", "colony", "strain", "generation", "sex", "date_of_birth", "zygosity", "is_baseline",
                  "litter", "litter_code", "status", "status_date", "status_reason", "specimen_status_code",
                  "specimen_status_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].required = not self.instance.is_embryo
        self.fields["litter"].queryset = self.fields["litter"].queryset.select_related("mating")
        if self.instance.dcc_submitted_at is not None:
            for name in MOUSE_CORRECTABLE:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = (f"Sent to the DCC on {self.instance.dcc_submitted_at:%Y-%m-%d}: "
                                                   "change it with Correct identity, giving the reason.")


class MouseCorrectForm(ScopedModelForm):
    """Correct the identity of a mouse the DCC already has, with a reason the history keeps (the next export sends
    the corrected specimen to the DCC under the same ID)."""

    reason = forms.CharField(min_length=MIN_REASON_LENGTH, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Why it was wrong, e.g. 'sexed as male at weaning, female at necropsy'.")

    class Meta:
        model = Mouse
        fields = ["sex", "date_of_birth", "stage", "stage_unit", "colony", "strain", "is_baseline"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        embryo = self.instance.is_embryo
        self.fields["date_of_birth"].required = not embryo
        if not embryo:
            del self.fields["stage"], self.fields["stage_unit"]


class MiceActionForm(forms.Form):
    """Several mice at once (ticked on the mouse list): move them, cull them with one reason, or retire breeders."""

    ACTIONS = [("move", "Move to a cage"), ("cull", "Cull or mark dead / exported / used"),
               ("retire", "Retire breeders")]

    mice = MouseMultipleChoiceField(queryset=Mouse.objects.none(), widget=forms.CheckboxSelectMultiple)
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.RadioSelect)
    cage = CageChoiceField(queryset=Cage.objects.none(), required=False, help_text="For a move.")
    status = forms.ChoiceField(choices=[s for s in Mouse.Status.choices if s[0] != "alive"], required=False,
                               initial="culled", help_text="For a cull.")
    date = forms.DateField(widget=DATE_INPUT)
    reason = forms.CharField(required=False, max_length=200, help_text="Required for a cull; kept in each history.")
    confirm_warnings = ConfirmWarningsMixin.base_fields["confirm_warnings"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mice"].queryset = _scoped(Mouse, user, status=Mouse.Status.ALIVE).select_related(
            "colony", "strain")
        self.fields["cage"].queryset = open_cages(user)

    def clean(self):
        data = super().clean()
        if data.get("action") == "move" and not data.get("cage"):
            self.add_error("cage", "Choose the cage to move them into.")
        if data.get("action") == "cull" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for the cull.")
        return data


class MatingForm(ConfirmWarningsMixin, ScopedModelForm):
    """One male and one to four females; breeders are marked as such so they are never mistaken for stock."""

    male = MouseChoiceField(queryset=Mouse.objects.none())
    females = MouseMultipleChoiceField(queryset=Mouse.objects.none(), widget=forms.CheckboxSelectMultiple,
                                       help_text="One to four females.")
    cage = CageChoiceField(queryset=Cage.objects.none(), required=False, help_text="The breeding cage (optional).")

    class Meta:
        model = Mating
        fields = ["name", "colony", "male", "females", "cage", "set_up_on", "responsible", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        alive = _scoped(Mouse, user, status=Mouse.Status.ALIVE).exclude(
            breeding_status=Mouse.BreedingStatus.RETIRED).select_related("colony", "strain").order_by("specimen_id")
        self.fields["male"].queryset = alive.filter(sex=Mouse.Sex.MALE)
        self.fields["females"].queryset = alive.filter(sex=Mouse.Sex.FEMALE).exclude(
            mating_rows__left_on__isnull=True, mating_rows__isnull=False)
        self.fields["cage"].queryset = open_cages(user)
        self.fields["name"].required = False
        self.fields["name"].help_text = "Leave blank for the next MAT- number."
        self.fields["responsible"].queryset = centre_users(user.centre_id)
        self.fields["colony"].help_text = "The line of the pups; blank takes the male's colony."

    def service_fields(self) -> dict:
        fields = super().service_fields()
        fields["females"] = list(fields["females"])
        return fields


class MatingUpdateForm(ScopedModelForm):
    class Meta:
        model = Mating
        fields = ["colony", "responsible", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["responsible"].queryset = centre_users(user.centre_id)


class MatingEndForm(forms.Form):
    ended_on = forms.DateField(widget=DATE_INPUT, label="Ended on")
    reason = forms.CharField(required=False, max_length=200)


class SeparateMaleForm(forms.Form):
    on = forms.DateField(widget=DATE_INPUT, label="Separated on")
    cage = CageChoiceField(queryset=Cage.objects.none(), required=False, help_text="Where the male goes (optional).")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cage"].queryset = open_cages(user)


class LitterForm(ConfirmWarningsMixin, ScopedModelForm):
    class Meta:
        model = Litter
        fields = ["mating", "dam", "code", "born_on", "born_count", "alive_count", "dead_count", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        numeric_inputs(self)
        self.fields["mating"].queryset = self.fields["mating"].queryset.filter(ended_on__isnull=True) | \
            self.fields["mating"].queryset.filter(pk=self.initial.get("mating") or 0)
        self.fields["dam"] = MouseChoiceField(queryset=_scoped(Mouse, user, sex=Mouse.Sex.FEMALE,
                                                               mating_rows__isnull=False).distinct(),
                                              required=False, help_text="Needed when the mating has several females.")
        self.fields["code"].required = False
        self.fields["code"].help_text = "Leave blank for <mating>-L<n>."


class LitterUpdateForm(ScopedModelForm):
    class Meta:
        model = Litter
        fields = ["dam", "born_on", "born_count", "alive_count", "dead_count", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        numeric_inputs(self)


class RackChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, rack):
        return f"{rack.room} / {rack.name}"


class WeanForm(ConfirmWarningsMixin, forms.Form):
    """The wean date and where new cages go: on the rack (and in the room) of the mother's cage unless chosen."""

    weaned_on = forms.DateField(widget=DATE_INPUT, label="Weaned on")
    new_cage_type = forms.ChoiceField(choices=Cage.CageType.choices, initial=Cage.CageType.STOCK,
                                      label="Type of new cages")
    new_cage_rack = RackChoiceField(queryset=Rack.objects.none(), required=False, label="Rack of new cages",
                                    empty_label="The mother's rack")

    def __init__(self, *args, user, mother_cage=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_cage_rack"].queryset = _scoped(Rack, user).select_related("room").order_by(
            "room__building", "room__name", "name")
        where = (f"{mother_cage.rack.room} / {mother_cage.rack.name}" if mother_cage is not None and mother_cage.rack_id
                 else None)
        self.fields["new_cage_rack"].help_text = (
            f"Blank: the rack of the mother's cage {mother_cage.cage_id} ({where})." if where else
            "Blank: the rack of the mother's cage (it has none recorded, so new cages get no place).")


class PupForm(forms.Form):
    """One pup: sex, ear mark, and an open cage or the ID of a new cage (pups with the same new ID share it)."""

    sex = forms.ChoiceField(choices=[("", "—")] + [c for c in Mouse.Sex.choices], required=False)
    ear_mark = forms.CharField(required=False, max_length=30)
    cage = CageChoiceField(queryset=Cage.objects.none(), required=False, empty_label="(new cage →)")
    new_cage_id = forms.CharField(required=False, max_length=40, label="New cage ID")

    def __init__(self, *args, cages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cage"].queryset = cages if cages is not None else Cage.objects.none()

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("sex") and not data.get("ear_mark") and not data.get("cage") and \
            not data.get("new_cage_id")


PupFormSet = formset_factory(PupForm, extra=0)


def colony_choices(user):
    return _scoped(Colony, user)


class ColonySettingsForm(forms.ModelForm):
    class Meta:
        model = ColonySettings
        exclude = ["centre", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        numeric_inputs(self)


class StrainSettingForm(forms.Form):
    strain = forms.ModelChoiceField(queryset=Strain.objects.all())
    breeding_age_days = forms.IntegerField(required=False, min_value=1, label="Breeding age (days)")
    wean_target_days = forms.IntegerField(required=False, min_value=1, label="Wean at (days)")


# --- Census ------------------------------------------------------------------------------------------------------


class NameChoiceField(forms.ModelChoiceField):
    """A choice by name, ignoring case (`?colony=pax6-col`), as the cage and mouse lists' colony filter reads it."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.queryset.get(name__iexact=str(value).strip())
        except (self.queryset.model.DoesNotExist, self.queryset.model.MultipleObjectsReturned):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class CensusForm(forms.Form):
    """The census's day, the cage-days range (`from`, `to`) and the room and colony filters, from the query string.

    Blank dates take their defaults: today's census, and this month's cage-days so far (days not yet over are not
    billed).
    """

    date = QueryDateField(required=False, label="Census on", widget=forms.DateInput(attrs={"type": "date"}))
    room = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any")
    colony = NameChoiceField(queryset=None, required=False, empty_label="Any", to_field_name="name")

    def __init__(self, data, *, user, **kwargs):
        today = timezone.localdate()
        data = data.copy()
        for name, default in (("date", today), ("from", today.replace(day=1)), ("to", today)):
            if not data.get(name):
                data[name] = default.isoformat()
        super().__init__(data, **kwargs)
        # "from" is a Python keyword, so the range fields are added by name.
        self.fields["from"] = QueryDateField(label="Cage-days from", widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = QueryDateField(label="to", widget=forms.DateInput(attrs={"type": "date"}))
        self.order_fields(["date", "from", "to", "room", "colony"])
        self.fields["room"].queryset = census_rooms(user)
        self.fields["colony"].queryset = census_colonies(user)

    def clean(self):
        data = super().clean()
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.add_error("to", "The range must end on or after its first day.")
        return data
