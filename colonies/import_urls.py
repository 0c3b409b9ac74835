"""Excel import pages, mounted at /production/ beside `colonies.urls` (whose paths they do not overlap)."""
from django.urls import path

from colonies import import_views

app_name = "colonies_import"
urlpatterns = [
    path("es-cells/import/", import_views.EsCellImportView.as_view(), name="escell_import"),
    path("es-cells/import/template.xlsx", import_views.EsCellTemplateView.as_view(), name="escell_import_template"),
    path("microinjections/import/", import_views.MicroInjectionImportView.as_view(), name="microinjection_import"),
    path("microinjections/import/template.xlsx", import_views.MicroInjectionTemplateView.as_view(),
         name="microinjection_import_template"),
]
