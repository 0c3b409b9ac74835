"""Colony-management pages, one module per subject, re-exported here for `colonies.husbandry.urls`.

`housing` (rooms, racks, cages), `mice`, `breeding` (matings, litters, weaning), `cards` (cage cards, census), `todo`
(the reminders) and `colony_settings`; `common` holds what their writes share.
"""
from colonies.husbandry.views.breeding import (
    LitterCreateView,
    LitterDetailView,
    LitterListView,
    LitterUpdateView,
    LitterWeanView,
    MatingCreateView,
    MatingDetailView,
    MatingEndView,
    MatingListView,
    MatingSeparateView,
    MatingUpdateView,
)
from colonies.husbandry.views.cards import CageCardPdfView, CageCardsPdfView, CageCardsView, CageCardView, CensusView
from colonies.husbandry.views.colony_settings import ColonySettingsView
from colonies.husbandry.views.housing import (
    CageCloseView,
    CageCreateView,
    CageDetailView,
    CageListView,
    CageUpdateView,
    RackCreateView,
    RoomCreateView,
    RoomDetailView,
    RoomListView,
    RoomUpdateView,
)
from colonies.husbandry.views.mice import (
    MiceActionView,
    MouseCorrectView,
    MouseCreateView,
    MouseDetailView,
    MouseListView,
    MouseUpdateView,
)
from colonies.husbandry.views.search import SearchView
from colonies.husbandry.views.todo import ReminderDoneView, ReminderReopenView, TodoView

__all__ = [
    "CageCardPdfView", "CageCardView", "CageCardsPdfView", "CageCardsView", "CageCloseView", "CageCreateView",
    "CageDetailView", "CageListView", "CageUpdateView", "CensusView", "ColonySettingsView", "LitterCreateView",
    "LitterDetailView", "LitterListView", "LitterUpdateView", "LitterWeanView", "MatingCreateView",
    "MatingDetailView", "MatingEndView", "MatingListView", "MatingSeparateView", "MatingUpdateView",
    "MiceActionView", "MouseCorrectView", "MouseCreateView", "MouseDetailView", "MouseListView", "MouseUpdateView",
    "RackCreateView", "ReminderDoneView", "ReminderReopenView", "RoomCreateView", "RoomDetailView", "RoomListView",
    "RoomUpdateView", "SearchView", "TodoView",
]
