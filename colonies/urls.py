"""Production and colony pages, mounted at /production/. Names follow `<model>_<list|detail|create|update>`."""
from django.urls import path

from colonies import views

app_name = "colonies"
urlpatterns = [
    path("genes/", views.GeneListView.as_view(), name="gene_list"),
    path("genes/<int:pk>/", views.GeneDetailView.as_view(), name="gene_detail"),
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("es-cells/", views.EsCellListView.as_view(), name="escell_list"),
    path("es-cells/new/", views.EsCellCreateView.as_view(), name="escell_create"),
    path("es-cells/<int:pk>/", views.EsCellDetailView.as_view(), name="escell_detail"),
    path("microinjections/", views.MicroInjectionListView.as_view(), name="microinjection_list"),
    path("microinjections/new/", views.MicroInjectionCreateView.as_view(), name="microinjection_create"),
    path("microinjections/<int:pk>/", views.MicroInjectionDetailView.as_view(), name="microinjection_detail"),
    path("microinjections/<int:pk>/edit/", views.MicroInjectionUpdateView.as_view(), name="microinjection_update"),
    path("colonies/", views.ColonyListView.as_view(), name="colony_list"),
    path("colonies/new/", views.ColonyCreateView.as_view(), name="colony_create"),
    path("colonies/<int:pk>/", views.ColonyDetailView.as_view(), name="colony_detail"),
    path("mice/", views.MouseListView.as_view(), name="mouse_list"),
    path("mice/new/", views.MouseCreateView.as_view(), name="mouse_create"),
    path("mice/<int:pk>/", views.MouseDetailView.as_view(), name="mouse_detail"),
]
