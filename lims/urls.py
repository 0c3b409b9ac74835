from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from lims.auth_api import obtain_auth_token
from lims.health import health

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include("lims.api_urls")),
    path("", include("colonies.api.urls")),
    path("", include("procedures.api.urls")),
    path("", include("procedures.dcc.api_urls")),
    path("", include("lims.reports.api")),
]

urlpatterns = [
    path("", include("lims.dashboard.urls")),
    path("health/", health, name="health"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("colonies.urls")),
    path("production/", include("colonies.production.import_urls")),
    path("phenotyping/", include("procedures.urls")),
    path("dcc/", include("procedures.dcc.urls")),
    path("reports/", include("lims.reports.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (?script), so the page needs no inline script (CSP); a
    # browser without a session is sent to the login page.
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="schema",
                                                                         template_name="api/swagger_ui.html")),
         name="api-docs"),
]
