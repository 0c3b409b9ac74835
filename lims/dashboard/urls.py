"""The dashboard's route, mounted by `lims.urls` without a namespace (templates name it `dashboard`)."""
from django.urls import path

from lims.dashboard.views import DashboardView

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
]
