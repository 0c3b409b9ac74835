"""Colony-management pages: rooms, cages, matings and litters, and the writes on them and on mice.

Views stay thin: forms collect, `colonies.services` decides, and warnings come back as a "Save anyway" box.
"""
from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import FormView

from colonies import husbandry_forms as hforms
from colonies import selectors, services
from colonies.filters import CageFilterSet, LitterFilterSet, MatingFilterSet, RoomFilterSet
from colonies.models import Cage, Litter, Mating, Room, StrainSetting
from colonies.services import NeedsConfirmation, Pup
from colonies.services.breeding import mother_cage
from colonies.selectors import colony_settings_for
from colonies.views import PrefillFromQueryMixin, _current_cage
from lims.exceptions import DomainError
from lims.forms import add_service_errors
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.views import (
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedQuerysetMixin,
    ScopedUpdateView,
    Section,
    WriteAccessMixin,
)


def _females(mating: Mating) -> str:
    return ", ".join(row.female.specimen_id for row in mating.all_female_rows if row.left_on is None)


class RoomListView(ScopedListView):
    filterset_class = RoomFilterSet
    selector = selectors.room_list
    area = "colony"
    columns = [("Building", "building"), ("Room", "name"), ("Open cages", "cage_count")]


class RoomDetailView(ScopedDetailView):
    model = Room
    selector = selectors.room_list
    area = "colony"
    fields = [("Building", "building"), ("Room", "name"), ("Open cages", "cage_count")]

    def get_sections(self):
        cages = selectors.cage_list().filter(rack__room=self.object, closed_on__isnull=True)
        return [Section("Racks", [("Rack", "name"), ("Positions", "positions")], self.object.racks.all(),
                        action_url=reverse("colonies:rack_create") + f"?room={self.object.pk}"
                        if can_write(self.request.user, self.area) else "", action_label="Add rack"),
                Section("Cages", [("Cage", "cage_id"), ("Rack", "rack.name"), ("Position", "position"),
                                  ("Type", "cage_type"), ("Mice", "occupancy"), ("Capacity", "capacity")], cages)]


class CageListView(ScopedListView):
    filterset_class = CageFilterSet
    selector = selectors.cage_list
    area = "colony"
    filter_bar_exclude = ["updated_since"]
    columns = [("Cage", "cage_id"), ("Type", "cage_type"), ("Room", "rack.room"), ("Rack", "rack.name"),
               ("Position", "position"), ("Mice", "occupancy"), ("Capacity", "capacity"), ("Opened", "opened_on"),
               ("Closed", "closed_on")]


class CageDetailView(ScopedDetailView):
    model = Cage
    selector = selectors.cage_list
    area = "colony"
    fields = [("Cage", "cage_id"), ("Type", "cage_type"), ("Room", "rack.room"), ("Rack", "rack.name"),
              ("Position", "position"), ("Mice", "occupancy"), ("Capacity", "capacity"), ("Opened", "opened_on"),
              ("Closed", "closed_on"), ("Notes", "notes")]

    def get_actions(self):
        """Card and PDF for everyone; moves, matings and closing for colony writers while the cage is open."""
        cage, user = self.object, self.request.user
        cards = [("Cage card", reverse("colonies:cage_card", args=[cage.pk])),
                 ("PDF", reverse("colonies:cage_card_pdf", args=[cage.pk]))]
        if not can_write(user, self.area) or cage.closed_on:
            return cards
        actions = cards + [("Move mice here", f"{reverse('colonies:mice_action')}?action=move&cage={cage.pk}"),
                   ("Set up mating", f"{reverse('colonies:mating_create')}?cage={cage.pk}"),
                   ("New mouse here", f"{reverse('colonies:mouse_create')}?cage={cage.pk}")]
        if not cage.occupancy:
            actions.append(("Close", reverse("colonies:cage_close", args=[cage.pk])))
        return actions

    def get_sections(self):
        placements = self.object.placements.select_related("mouse__colony").order_by("-started_on", "-pk")
        return [Section("Mice (move history)", [("Mouse", "mouse"), ("Sex", "mouse.sex"),
                                                ("Colony", "mouse.colony"), ("In", "started_on"),
                                                ("Out", "ended_on"), ("Reason", "reason")], placements)]


class MatingListView(ScopedListView):
    filterset_class = MatingFilterSet
    selector = selectors.mating_list
    area = "colony"
    filter_bar_exclude = ["updated_since"]
    columns = [("Mating", "name"), ("Colony", "colony"), ("Male", "male"), ("Females", _females),
               ("Cage", "cage"), ("Set up", "set_up_on"), ("Ended", "ended_on")]


class MatingDetailView(ScopedDetailView):
    model = Mating
    selector = selectors.mating_list
    area = "colony"
    fields = [("Mating", "name"), ("Colony", "colony"), ("Male", "male"), ("Females", _females),
              ("Cage", "cage"), ("Set up", "set_up_on"), ("Male separated", "male_separated_on"),
              ("Ended", "ended_on"), ("End reason", "end_reason"), ("Responsible", "responsible"), ("Notes", "notes")]

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
            Section("Females", [("Female", "female"), ("Joined", "joined_on"), ("Left", "left_on")],
                    self.object.all_female_rows),
            Section("Litters", [("Litter", "code"), ("Born", "born_on"), ("Born count", "born_count"),
                                ("Alive", "alive_count"), ("Weaned", "weaned_on")], litters),
        ]


class LitterListView(ScopedListView):
    filterset_class = LitterFilterSet
    selector = selectors.litter_list
    area = "colony"
    filter_bar_exclude = ["updated_since"]
    columns = [("Litter", "code"), ("Mating", "mating"), ("Colony", "mating.colony"), ("Dam", "dam"),
               ("Born", "born_on"), ("Born count", "born_count"), ("Alive", "alive_count"), ("Dead", "dead_count"),
               ("Weaned", "weaned_on"), ("Mice", "pup_count")]


class LitterDetailView(ScopedDetailView):
    model = Litter
    selector = selectors.litter_list
    area = "colony"
    fields = [("Litter", "code"), ("Mating", "mating"), ("Colony", "mating.colony"), ("Sire", "mating.male"),
              ("Dam", "dam"), ("Born", "born_on"), ("Born count", "born_count"), ("Alive", "alive_count"),
              ("Dead", "dead_count"), ("Weaned", "weaned_on"), ("Notes", "notes")]

    def get_actions(self):
        litter = self.object
        if litter.weaned_on or not can_write(self.request.user, self.area):
            return []
        return [("Wean", reverse("colonies:litter_wean", args=[litter.pk]))]

    def get_sections(self):
        pups = selectors.mouse_list().filter(litter=self.object)
        return [Section("Weaned mice", [("Mouse", "specimen_id"), ("Sex", "sex"), ("Ear mark", "ear_mark"),
                                        ("Cage", _current_cage), ("Status", "status", True)], pups)]


# --- Writes ----------------------------------------------------------------------------------------------------


class ServiceWarningsMixin:
    """Forms whose service may answer `NeedsConfirmation`: show the warnings with a "Save anyway" box, and pass
    `confirm=True` once it is ticked. Errors still come first; nothing is saved before the person confirms."""

    def confirm_value(self, form) -> bool:
        return bool(form.cleaned_data.get("confirm_warnings"))

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except NeedsConfirmation as exc:
            return self.render_to_response(self.get_context_data(form=form, warnings=exc.warnings))


class WarnedCreateView(ServiceWarningsMixin, ScopedCreateView):
    def call_service(self, form):
        fields = {k: v for k, v in form.service_fields().items() if k != "confirm_warnings"}
        return type(self).service(actor=self.request.user, confirm=self.confirm_value(form), **fields)


class RecordActionView(LoginRequiredMixin, WriteAccessMixin, ScopedQuerysetMixin, SingleObjectMixin, FormView):
    """One action on one record (end a mating, close a cage, wean a litter): a small form, then `act()`.

    Another centre's record is a 404; a service's errors land on the form; warnings ask for confirmation.
    """

    template_name = "generic/object_form.html"
    template_kind = "_action"
    area = "colony"
    title = ""
    submit_label = "Save"
    intro = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "user" in self.get_form_class().__init__.__code__.co_varnames:
            kwargs["user"] = self.request.user
        return kwargs

    def act(self, form):
        raise NotImplementedError

    def success_message(self) -> str:
        return f"{self.object} saved."

    def form_valid(self, form):
        try:
            self.act(form)
        except NeedsConfirmation as exc:
            return self.render_to_response(self.get_context_data(form=form, warnings=exc.warnings))
        except (ValidationError, DomainError) as exc:
            self.object.refresh_from_db()
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message())
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title.format(obj=self.object), kind=str(self.get_model()._meta.verbose_name).capitalize(),
                       cancel_url=self.object.get_absolute_url(), submit_label=self.submit_label,
                       intro=self.intro.format(obj=self.object) if self.intro else "")
        return context


class RoomCreateView(ScopedCreateView):
    form_class = hforms.RoomForm
    service = services.room_create
    area = "colony"


class RoomUpdateView(ScopedUpdateView):
    form_class = hforms.RoomForm
    service = services.room_update
    selector = selectors.room_list
    area = "colony"


class RackCreateView(PrefillFromQueryMixin, ScopedCreateView):
    form_class = hforms.RackForm
    service = services.rack_create
    area = "colony"
    prefill = ("room",)

    def get_success_url(self) -> str:
        return self.object.room.get_absolute_url()


class CageCreateView(PrefillFromQueryMixin, ScopedCreateView):
    form_class = hforms.CageForm
    service = services.cage_create
    area = "colony"
    prefill = ("rack",)


class CageUpdateView(ScopedUpdateView):
    form_class = hforms.CageForm
    service = services.cage_update
    selector = selectors.cage_list
    area = "colony"


class CageCloseView(RecordActionView):
    model = Cage
    selector = selectors.cage_list
    form_class = hforms.CageCloseForm
    title = "Close cage {obj}"
    submit_label = "Close cage"
    intro = "A closed cage keeps its history; an occupied cage cannot close."

    def get_initial(self):
        return {"closed_on": date.today()}

    def act(self, form):
        services.cage_close(instance=self.object, actor=self.request.user, **form.cleaned_data)


class MouseUpdateView(ScopedUpdateView):
    form_class = hforms.MouseUpdateForm
    service = services.mouse_update
    selector = selectors.mouse_list
    area = "colony"


class MouseCorrectView(ScopedUpdateView):
    """Correct the identity of a mouse the DCC already has: `services.mouse_correct` with the form's reason."""

    form_class = hforms.MouseCorrectForm
    service = services.mouse_correct
    selector = selectors.mouse_list
    area = "colony"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        del form.fields["change_reason"]  # the correction's own reason is required and kept instead
        return form

    def call_service(self, form):
        fields = form.service_fields()
        return services.mouse_correct(instance=self.object, actor=self.request.user, reason=form.cleaned_data["reason"],
                                      version=form.cleaned_data.get("version"), **fields)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sent = self.object.dcc_submitted_at
        context["title"] = f"Correct identity of {self.object}"
        context["intro"] = (f"The DCC has this mouse since {sent:%Y-%m-%d}. The correction and its reason are kept in "
                            "its history, and the next export sends the corrected mouse under the same ID."
                            if sent else "This mouse has not been sent to the DCC; the correction is kept in its "
                            "history with the reason.")
        return context


class MiceActionView(LoginRequiredMixin, WriteAccessMixin, FormView):
    """Several mice at once: ticked on the mouse list (or a cage page), then moved, culled or retired together."""

    form_class = hforms.MiceActionForm
    template_name = "colonies/mice_action.html"
    area = "colony"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        return {"mice": self.request.GET.getlist("mice"), "action": self.request.GET.get("action", "move"),
                "date": date.today(), "cage": self.request.GET.get("cage")}

    def form_valid(self, form):
        data, user = form.cleaned_data, self.request.user
        mice = list(data["mice"])
        try:
            if data["action"] == "move":
                services.mice_move(actor=user, mice=mice, cage=data["cage"], on=data["date"],
                                   confirm=bool(data.get("confirm_warnings")))
                done = f"{len(mice)} mice moved to {data['cage']}."
            elif data["action"] == "cull":
                services.mice_set_status(actor=user, mice=mice, status=data["status"], on=data["date"],
                                         reason=data["reason"])
                done = f"{len(mice)} mice marked {data['status']}."
            else:
                services.breeders_retire(actor=user, mice=mice, on=data["date"], reason=data["reason"])
                done = f"{len(mice)} breeders retired."
        except NeedsConfirmation as exc:
            return self.render_to_response(self.get_context_data(form=form, warnings=exc.warnings))
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, field_for=lambda key: "date" if key == "on" else key)
            return self.form_invalid(form)
        messages.success(self.request, done)
        if data["action"] == "move":
            return HttpResponseRedirect(data["cage"].get_absolute_url())
        return HttpResponseRedirect(reverse("colonies:mouse_list"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title="Several mice", kind="Mice", cancel_url=reverse("colonies:mouse_list"))
        return context


class MatingCreateView(PrefillFromQueryMixin, WarnedCreateView):
    form_class = hforms.MatingForm
    service = services.mating_create
    area = "colony"
    prefill = ("cage", "male", "colony")

    def get_initial(self):
        return {"set_up_on": date.today(), "responsible": self.request.user.pk, **super().get_initial()}


class MatingUpdateView(ScopedUpdateView):
    form_class = hforms.MatingUpdateForm
    service = services.mating_update
    selector = selectors.mating_list
    area = "colony"


class MatingEndView(RecordActionView):
    model = Mating
    selector = selectors.mating_list
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
        capacity = colony_settings_for(self.object.centre).default_cage_capacity
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


class ColonySettingsView(LoginRequiredMixin, TemplateView):
    """The centre's breeding thresholds, reminder delays, cage capacity and mouse-ID pattern, and per-strain
    overrides. Everyone of the centre reads them (they explain the rules' messages); centre admins and colony
    managers change them."""

    template_name = "colonies/colony_settings.html"
    area = "colony_settings"

    def may_write(self) -> bool:
        return can_write(self.request.user, self.area)

    def current(self):
        return colony_settings_for(self.request.user.centre)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or hforms.ColonySettingsForm(instance=self.current())
        if not self.may_write():
            for field in form.fields.values():
                field.disabled = True
        context.update(
            title="Colony settings", kind="Colony", form=form, may_write=self.may_write(),
            strain_form=kwargs.get("strain_form") or hforms.StrainSettingForm(),
            strain_rows=scope_for_user(StrainSetting.objects.select_related("strain"), self.request.user,
                                       own_centre=True),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.may_write():
            raise PermissionDenied("Only centre admins and colony managers change the colony settings.")
        centre = request.user.centre
        if request.POST.get("which") == "strain":
            strain_form = hforms.StrainSettingForm(request.POST)
            if strain_form.is_valid():
                services.strain_setting_set(actor=request.user, centre=centre, **strain_form.cleaned_data)
                messages.success(request, f"Settings for {strain_form.cleaned_data['strain']} saved.")
                return HttpResponseRedirect(reverse("colonies:colony_settings"))
            return self.render_to_response(self.get_context_data(strain_form=strain_form))
        form = hforms.ColonySettingsForm(request.POST, instance=self.current())
        if form.is_valid():
            try:
                services.colony_settings_update(actor=request.user, centre=centre, **{
                    name: form.cleaned_data[name] for name in form.fields})
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Colony settings saved.")
                return HttpResponseRedirect(reverse("colonies:colony_settings"))
        return self.render_to_response(self.get_context_data(form=form))
