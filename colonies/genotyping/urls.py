"""Genotyping pages, included from `colonies.husbandry.urls` (so under /colony/, in the `colonies` namespace; this
module sets no app_name on purpose)."""
from django.urls import path

from colonies.genotyping import views as gv
from colonies.genotyping.plate import GenotypePlateView

urlpatterns = [
    path("genotyping/assays/", gv.AssayListView.as_view(), name="assay_list"),
    path("genotyping/assays/new/", gv.AssayCreateView.as_view(), name="assay_create"),
    path("genotyping/assays/<int:pk>/", gv.AssayDetailView.as_view(), name="assay_detail"),
    path("genotyping/assays/<int:pk>/edit/", gv.AssayUpdateView.as_view(), name="assay_update"),
    path("genotyping/assays/<int:pk>/rules/", gv.RuleCreateView.as_view(), name="zygosityrule_create"),
    path("genotyping/rules/<int:pk>/", gv.RuleUpdateView.as_view(), name="zygosityrule_update"),
    path("genotyping/rules/<int:pk>/delete/", gv.RuleDeleteView.as_view(), name="zygosityrule_delete"),
    path("genotyping/to-do/", gv.GenotypingTodoView.as_view(), name="genotyping_todo"),
    path("genotyping/results/", gv.GenotypeResultListView.as_view(), name="genotyperesult_list"),
    path("genotyping/plate/", GenotypePlateView.as_view(), name="genotype_plate"),
    path("genotyping/results/new/", gv.GenotypeResultCreateView.as_view(), name="genotyperesult_create"),
    path("genotyping/results/import/", gv.GenotypeResultImportView.as_view(), name="genotyperesult_import"),
    path("genotyping/results/import/template.xlsx", gv.GenotypeResultTemplateView.as_view(),
         name="genotyperesult_import_template"),
    path("genotyping/results/<int:pk>/", gv.GenotypeResultDetailView.as_view(), name="genotyperesult_detail"),
    path("genotyping/results/<int:pk>/void/", gv.GenotypeResultVoidView.as_view(), name="genotyperesult_void"),
]
