"""Production pages, mounted at /production/ by `colonies.urls` (so in the `colonies` namespace; no app_name here).

Names follow `<model>_<list|detail|create|update|abort>`. The Excel imports have their own namespace
(`colonies.production.import_urls`).
"""
from django.urls import path

from colonies.production import views

urlpatterns = [
    path("genes/", views.GeneListView.as_view(), name="gene_list"),
    path("genes/<int:pk>/", views.GeneDetailView.as_view(), name="gene_detail"),
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", views.PlanUpdateView.as_view(), name="plan_update"),
    path("es-cells/", views.EsCellListView.as_view(), name="escell_list"),
    path("es-cells/new/", views.EsCellCreateView.as_view(), name="escell_create"),
    path("es-cells/<int:pk>/", views.EsCellDetailView.as_view(), name="escell_detail"),
    path("es-cells/<int:pk>/edit/", views.EsCellUpdateView.as_view(), name="escell_update"),
    path("microinjections/", views.MicroInjectionListView.as_view(), name="microinjection_list"),
    path("microinjections/new/", views.MicroInjectionCreateView.as_view(), name="microinjection_create"),
    path("microinjections/<int:pk>/", views.MicroInjectionDetailView.as_view(), name="microinjection_detail"),
    path("microinjections/<int:pk>/edit/", views.MicroInjectionUpdateView.as_view(), name="microinjection_update"),
    path("microinjections/<int:pk>/abort/", views.MicroInjectionAbortView.as_view(), name="microinjection_abort"),
    path("colonies/", views.ColonyListView.as_view(), name="colony_list"),
    path("colonies/new/", views.ColonyCreateView.as_view(), name="colony_create"),
    path("colonies/<int:pk>/", views.ColonyDetailView.as_view(), name="colony_detail"),
    path("colonies/<int:pk>/edit/", views.ColonyUpdateView.as_view(), name="colony_update"),
    path("allele-modifications/", views.AlleleModificationListView.as_view(), name="allelemodification_list"),
    path("allele-modifications/new/", views.AlleleModificationCreateView.as_view(),
         name="allelemodification_create"),
    path("allele-modifications/<int:pk>/", views.AlleleModificationDetailView.as_view(),
         name="allelemodification_detail"),
    path("allele-modifications/<int:pk>/edit/", views.AlleleModificationUpdateView.as_view(),
         name="allelemodification_update"),
    path("allele-modifications/<int:pk>/abort/", views.AlleleModificationAbortView.as_view(),
         name="allelemodification_abort"),
    path("phenotyping-attempts/", views.PhenotypingAttemptListView.as_view(), name="phenotypingattempt_list"),
    path("phenotyping-attempts/new/", views.PhenotypingAttemptCreateView.as_view(),
         name="phenotypingattempt_create"),
    path("phenotyping-attempts/<int:pk>/", views.PhenotypingAttemptDetailView.as_view(),
         name="phenotypingattempt_detail"),
    path("phenotyping-attempts/<int:pk>/edit/", views.PhenotypingAttemptUpdateView.as_view(),
         name="phenotypingattempt_update"),
    path("phenotyping-attempts/<int:pk>/abort/", views.PhenotypingAttemptAbortView.as_view(),
         name="phenotypingattempt_abort"),
    path("summary/", views.ProductionSummaryView.as_view(), name="production_summary"),
]
