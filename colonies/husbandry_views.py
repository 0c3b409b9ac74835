"""Colony-management pages: rooms, cages, matings and litters (mice live in `colonies.views`)."""
from django.urls import reverse

from colonies import selectors
from colonies.filters import CageFilterSet, LitterFilterSet, MatingFilterSet, RoomFilterSet
from colonies.models import Cage, Litter, Mating, Room
from lims.views import ScopedDetailView, ScopedListView, Section


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
        return [Section("Cages", [("Cage", "cage_id"), ("Rack", "rack.name"), ("Position", "position"),
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
        return [("Cage card", reverse("colonies:cage_card", args=[self.object.pk])),
                ("PDF", reverse("colonies:cage_card_pdf", args=[self.object.pk]))]

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

    def get_sections(self):
        pups = selectors.mouse_list().filter(litter=self.object)
        return [Section("Weaned mice", [("Mouse", "specimen_id"), ("Sex", "sex"), ("Ear mark", "ear_mark"),
                                        ("Status", "status", True)], pups)]
