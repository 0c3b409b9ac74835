"""Matings and litters: their lists and pages, and the writes on them (set up, end, separate the male, record a
litter, wean it).

Views stay thin: forms collect, `colonies.services` decides, and warnings come back as a "Save anyway" box.
"""
from datetime import date

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from colonies import selectors, services, tables
from colonies.generic import PrefillFromQueryMixin
from colonies.husbandry import forms as hforms
from colonies.husbandry.filters import LitterFilterSet, MatingFilterSet
from colonies.husbandry.views.common import RecordActionView, WarnedCreateView
from colonies.models import Litter, Mating
from colonies.services import Pup
from colonies.services.breeding import mother_cage
from lims.roles import can_write
from lims.views import ScopedDetailView, ScopedListView, ScopedUpdateView, Section


class MatingListView(ScopedListView):
    filterset_class = MatingFilterSet
    selector = selectors.mating_list
    area = "breeding"
    filter_bar_exclude = ["updated_since"]
    columns = tables.MATING_COLUMNS


class MatingDetailView(ScopedDetailView):
    model = Mating
    selector = selectors.mating_list
    area = "breeding"
    fields = tables.MATING_FIELDS

    def get_actions(self):
        mating = self.object
        if not can_write(self.request.user, self.area) or mating.ended_on:
            return []
        actions = [("Record litter", f"{reverse('colonies:litter_create')}?mating={mating.pk}")]
        if mating.male_separated_on is None and len(mating.all_female_rows) > 1:
            actions.append(("Separate male", reverse("colonies:mating_separate", args=[mating.pk])))
        return actions + [("End mating", reverse("colonies:mating_end", args=[mating.pk]))]

    def get_sections(self):
        litters = selectors.litter_list().filter(mating=self.object)
        return [
            Section("Females", tables.MATING_FEMALE_SECTION, self.object.all_female_rows),
            Section("Litters", tables.MATING_LITTER_SECTION, litters),
        ]


class LitterListView(ScopedListView):
    filterset_class = LitterFilterSet
    selector = selectors.litter_list
    area = "colony"
    filter_bar_exclude = ["updated_since"]
    columns = tables.LITTER_COLUMNS


class LitterDetailView(ScopedDetailView):
    model = Litter
    selector = selectors.litter_list
    area = "colony"
    fields = tables.LITTER_FIELDS

    def get_actions(self):
        litter = self.object
        if litter.weaned_on or not can_write(self.request.user, self.area):
            return []
        return [("Wean", reverse("colonies:litter_wean", args=[litter.pk]))]

    def get_sections(self):
        pups = selectors.mouse_list().filter(litter=self.object)
        return [Section("Weaned mice", tables.PUP_SECTION, pups)]


# --- Writes ----------------------------------------------------------------------------------------------------


class MatingCreateView(PrefillFromQueryMixin, WarnedCreateView):
    form_class = hforms.MatingForm
    service = services.mating_create
    area = "breeding"
    prefill = ("cage", "male", "colony")

    def get_initial(self):
        return {"set_up_on": date.today(), "responsible": self.request.user.pk, **super().get_initial()}


class MatingUpdateView(ScopedUpdateView):
    form_class = hforms.MatingUpdateForm
    service = services.mating_update
    selector = selectors.mating_list
    area = "breeding"


class MatingEndView(RecordActionView):
    model = Mating
    selector = selectors.mating_list
    area = "breeding"
    form_class = hforms.MatingEndForm
    title = "End mating {obj}"
    submit_label = "End mating"
    intro = "The mating and its litters stay in history; its females become free for another mating."

    def get_initial(self):
        return {"ended_on": date.today()}

    def act(self, form):
        services.mating_end(instance=self.object, actor=self.request.user, **form.cleaned_data)


class MatingSeparateView(RecordActionView):
    model = Mating
    selector = selectors.mating_list
    area = "breeding"
    form_class = hforms.SeparateMaleForm
    title = "Separate the male of {obj}"
    submit_label = "Separate"

    def get_initial(self):
        return {"on": date.today()}

    def act(self, form):
        services.mating_separate_male(instance=self.object, actor=self.request.user, **form.cleaned_data)


class LitterCreateView(PrefillFromQueryMixin, WarnedCreateView):
    form_class = hforms.LitterForm
    service = services.litter_create
    area = "colony"
    prefill = ("mating",)

    def get_initial(self):
        return {"born_on": date.today(), "dead_count": 0, **super().get_initial()}


class LitterUpdateView(ScopedUpdateView):
    form_class = hforms.LitterUpdateForm
    service = services.litter_update
    selector = selectors.litter_list
    area = "colony"


class LitterWeanView(RecordActionView):
    """Wean a litter: a row per live pup (sex, ear mark, cage or new cage ID), saved all at once or not at all.

    New cages are suggested (`<litter>-A`, `-B` …, one per five pups) so that a big litter is split by default;
    the person changes them freely.
    """

    model = Litter
    selector = selectors.litter_list
    form_class = hforms.WeanForm
    template_name = "colonies/litter_wean.html"
    title = "Wean litter {obj}"
    submit_label = "Wean"

    def get(self, request, *args, **kwargs):
        if self.object.weaned_on:
            messages.info(request, f"Litter {self.object} was weaned on {self.object.weaned_on}.")
            return HttpResponseRedirect(self.object.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        return {"weaned_on": date.today()}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "mother_cage": mother_cage(self.object)}

    def get_pups(self):
        cages = hforms.open_cages(self.request.user)
        if self.request.method == "POST":
            return hforms.PupFormSet(self.request.POST, prefix="pups", form_kwargs={"cages": cages})
        capacity = selectors.colony_settings_for(self.object.centre).default_cage_capacity
        initial = [{"new_cage_id": f"{self.object.code}-{chr(65 + i // capacity)}"}
                   for i in range(self.object.alive_count)]
        return hforms.PupFormSet(initial=initial, prefix="pups", form_kwargs={"cages": cages})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("pups", getattr(self, "_pups", None) or self.get_pups())
        return context

    def form_valid(self, form):
        self._pups = self.get_pups()
        if not self._pups.is_valid():
            return self.form_invalid(form)
        return super().form_valid(form)

    def act(self, form):
        pups = [Pup(sex=p.cleaned_data.get("sex") or "", ear_mark=p.cleaned_data.get("ear_mark") or "",
                    cage=p.cleaned_data.get("cage"), new_cage_id=p.cleaned_data.get("new_cage_id") or "")
                for p in self._pups.forms if not p.is_blank()]
        self.weaned = services.litter_wean(
            actor=self.request.user, litter=self.object, weaned_on=form.cleaned_data["weaned_on"], pups=pups,
            confirm=bool(form.cleaned_data.get("confirm_warnings")), new_cage_type=form.cleaned_data["new_cage_type"],
            new_cage_rack=form.cleaned_data.get("new_cage_rack"))

    def success_message(self) -> str:
        return f"Litter {self.object} weaned: {len(self.weaned)} mice."
