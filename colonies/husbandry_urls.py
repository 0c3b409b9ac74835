"""Colony-management pages, mounted at /colony/ inside the `colonies` namespace."""
from django.urls import path

from colonies import views

urlpatterns = [
    path("mice/", views.MouseListView.as_view(), name="mouse_list"),
    path("mice/new/", views.MouseCreateView.as_view(), name="mouse_create"),
    path("mice/<int:pk>/", views.MouseDetailView.as_view(), name="mouse_detail"),
]
