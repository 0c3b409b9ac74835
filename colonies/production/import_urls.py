"""Excel import pages, mounted at /production/ by `lims.urls` beside `colonies.urls` (whose paths they do not overlap),
in their own `colonies_import` namespace."""
from django.urls import path

from colonies.production import views

app_name = "colonies_import"
urlpatterns = [
    path("es-cells/import/", views.EsCellImportView.as_view(), name="escell_import"),
    path("es-cells/import/template.xlsx", views.EsCellTemplateView.as_view(), name="escell_import_template"),
    path("microinjections/import/", views.MicroInjectionImportView.as_view(), name="microinjection_import"),
    path("microinjections/import/template.xlsx", views.MicroInjectionTemplateView.as_view(),
         name="microinjection_import_template"),
]
