"""The dashboard's routes, mounted by `lims.urls` without a namespace (templates name them `dashboard`, `landing`)."""
from django.urls import path

from lims.dashboard.landing import landing
from lims.dashboard.views import DashboardView

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    # LOGIN_REDIRECT_URL: each role's own work first.
    path("start/", landing, name="landing"),
]
