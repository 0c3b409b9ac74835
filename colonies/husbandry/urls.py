"""Colony-management pages, mounted at /colony/ by `colonies.urls` inside the `colonies` namespace.

Names follow `<model>_<list|detail|create|update|action>`; genotyping adds its own module below (no app_name of its
own, so its names live in `colonies` too).
"""
from django.urls import include, path

from colonies.husbandry import views as hv

urlpatterns = [
    path("mice/", hv.MouseListView.as_view(), name="mouse_list"),
    path("mice/new/", hv.MouseCreateView.as_view(), name="mouse_create"),
    path("mice/action/", hv.MiceActionView.as_view(), name="mice_action"),
    path("mice/<int:pk>/", hv.MouseDetailView.as_view(), name="mouse_detail"),
    path("mice/<int:pk>/edit/", hv.MouseUpdateView.as_view(), name="mouse_update"),
    path("mice/<int:pk>/correct/", hv.MouseCorrectView.as_view(), name="mouse_correct"),
    path("rooms/", hv.RoomListView.as_view(), name="room_list"),
    path("rooms/new/", hv.RoomCreateView.as_view(), name="room_create"),
    path("rooms/<int:pk>/", hv.RoomDetailView.as_view(), name="room_detail"),
    path("rooms/<int:pk>/edit/", hv.RoomUpdateView.as_view(), name="room_update"),
    path("racks/new/", hv.RackCreateView.as_view(), name="rack_create"),
    path("cages/", hv.CageListView.as_view(), name="cage_list"),
    path("cages/new/", hv.CageCreateView.as_view(), name="cage_create"),
    path("cages/<int:pk>/", hv.CageDetailView.as_view(), name="cage_detail"),
    path("cages/<int:pk>/edit/", hv.CageUpdateView.as_view(), name="cage_update"),
    path("cages/<int:pk>/close/", hv.CageCloseView.as_view(), name="cage_close"),
    path("matings/", hv.MatingListView.as_view(), name="mating_list"),
    path("matings/new/", hv.MatingCreateView.as_view(), name="mating_create"),
    path("matings/<int:pk>/", hv.MatingDetailView.as_view(), name="mating_detail"),
    path("matings/<int:pk>/edit/", hv.MatingUpdateView.as_view(), name="mating_update"),
    path("matings/<int:pk>/end/", hv.MatingEndView.as_view(), name="mating_end"),
    path("matings/<int:pk>/separate-male/", hv.MatingSeparateView.as_view(), name="mating_separate"),
    path("litters/", hv.LitterListView.as_view(), name="litter_list"),
    path("litters/new/", hv.LitterCreateView.as_view(), name="litter_create"),
    path("litters/<int:pk>/", hv.LitterDetailView.as_view(), name="litter_detail"),
    path("litters/<int:pk>/edit/", hv.LitterUpdateView.as_view(), name="litter_update"),
    path("litters/<int:pk>/wean/", hv.LitterWeanView.as_view(), name="litter_wean"),
    path("settings/", hv.ColonySettingsView.as_view(), name="colony_settings"),
    path("", include("colonies.genotyping.urls")),
    # The to-do page and its buttons (reminders).
    path("todo/", hv.TodoView.as_view(), name="todo"),
    path("todo/<int:pk>/done/", hv.ReminderDoneView.as_view(), name="reminder_done"),
    path("todo/<int:pk>/reopen/", hv.ReminderReopenView.as_view(), name="reminder_reopen"),
    # Cage cards and the census.
    path("cages/<int:pk>/card/", hv.CageCardView.as_view(), name="cage_card"),
    path("cages/<int:pk>/card.pdf", hv.CageCardPdfView.as_view(), name="cage_card_pdf"),
    path("cages/cards/", hv.CageCardsView.as_view(), name="cage_cards"),
    path("cages/cards.pdf", hv.CageCardsPdfView.as_view(), name="cage_cards_pdf"),
    path("census/", hv.CensusView.as_view(), name="census"),
    # The search box of every page (templates/base.html).
    path("search/", hv.SearchView.as_view(), name="search"),
]
