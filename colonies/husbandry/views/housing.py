"""Rooms, racks and cages: their lists and pages, and the writes on them (create, edit, close)."""
from datetime import date

from django.urls import reverse

from colonies import selectors, services, tables
from colonies.generic import PrefillFromQueryMixin
from colonies.hooks import cage_actions
from colonies.husbandry import forms as hforms
from colonies.husbandry.filters import CageFilterSet, RoomFilterSet
from colonies.husbandry.views.common import RecordActionView
from colonies.models import Cage, Room
from lims.roles import can_write
from lims.views import ScopedCreateView, ScopedDetailView, ScopedListView, ScopedUpdateView, Section


class RoomListView(ScopedListView):
    filterset_class = RoomFilterSet
    selector = selectors.room_list
    area = "colony"
    columns = tables.ROOM_COLUMNS


class RoomDetailView(ScopedDetailView):
    model = Room
    selector = selectors.room_list
    area = "colony"
    fields = tables.ROOM_COLUMNS

    def get_sections(self):
        cages = selectors.cage_list().filter(rack__room=self.object, closed_on__isnull=True)
        return [Section("Racks", tables.RACK_SECTION, self.object.racks.all(),
                        action_url=reverse("colonies:rack_create") + f"?room={self.object.pk}"
                        if can_write(self.request.user, self.area) else "", action_label="Add rack"),
                Section("Cages", tables.ROOM_CAGE_SECTION, cages)]


class CageListView(ScopedListView):
    filterset_class = CageFilterSet
    selector = selectors.cage_list
    area = "colony"
    filter_bar_exclude = ["updated_since"]
    columns = tables.CAGE_COLUMNS


class CageDetailView(ScopedDetailView):
    model = Cage
    selector = selectors.cage_list
    area = "colony"
    fields = tables.CAGE_FIELDS

    def get_actions(self):
        """Card and PDF for everyone; moves, new mice and closing for colony writers while the cage is open, and a
        mating for those who breed (`lims.roles`: not technicians)."""
        cage, user = self.object, self.request.user
        cards = [("Cage card", reverse("colonies:cage_card", args=[cage.pk])),
                 ("PDF", reverse("colonies:cage_card_pdf", args=[cage.pk]))]
        if not can_write(user, self.area) or cage.closed_on:
            return cards
        actions = cards + [("Move mice here", f"{reverse('colonies:mice_action')}?action=move&cage={cage.pk}")]
        if can_write(user, "breeding"):
            actions.append(("Set up mating", f"{reverse('colonies:mating_create')}?cage={cage.pk}"))
        actions.append(("New mouse here", f"{reverse('colonies:mouse_create')}?cage={cage.pk}"))
        if not cage.occupancy:
            actions.append(("Close", reverse("colonies:cage_close", args=[cage.pk])))
        return actions

    def get_context_data(self, **kwargs):
        """Plus the bench actions other apps offer for this cage's mice (`colonies.hooks.CAGE_ACTIONS`), shown first:
        the cage card's QR code opens this page on a tablet, where the next step is recording their due tests."""
        context = super().get_context_data(**kwargs)
        context["bench_actions"] = [] if self.object.closed_on else cage_actions(cage=self.object, user=self.request.user)
        return context

    def get_sections(self):
        placements = self.object.placements.select_related("mouse__colony").order_by("-started_on", "-pk")
        return [Section("Mice (move history)", tables.CAGE_PLACEMENT_SECTION, placements)]


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
