"""Colony-management pages, mounted at /colony/ inside the `colonies` namespace."""
from django.urls import include, path

from colonies import husbandry_views as hv
from colonies import views

urlpatterns = [
    path("mice/", views.MouseListView.as_view(), name="mouse_list"),
    path("mice/new/", views.MouseCreateView.as_view(), name="mouse_create"),
    path("mice/<int:pk>/", views.MouseDetailView.as_view(), name="mouse_detail"),
    path("rooms/", hv.RoomListView.as_view(), name="room_list"),
    path("rooms/<int:pk>/", hv.RoomDetailView.as_view(), name="room_detail"),
    path("cages/", hv.CageListView.as_view(), name="cage_list"),
    path("cages/<int:pk>/", hv.CageDetailView.as_view(), name="cage_detail"),
    path("matings/", hv.MatingListView.as_view(), name="mating_list"),
    path("matings/<int:pk>/", hv.MatingDetailView.as_view(), name="mating_detail"),
    path("litters/", hv.LitterListView.as_view(), name="litter_list"),
    path("litters/<int:pk>/", hv.LitterDetailView.as_view(), name="litter_detail"),
    path("", include("colonies.card_urls")),
]
