"""Every list, page and report answers extreme query values with 400 or a result, never 500 (issue 17, point 8).

The probe found `?idle=99999999999999999999` (micro-injections) and `?day=9999-12-31&period=week` (worklist); a walk
of every page found the same kind on the census and the reports (a day at the ends of the calendar). This walk
keeps the kind fixed: every GET route without arguments, HTML and API, with each of its filters (read from its
FilterSet, so a filter added tomorrow is walked too) and the query-string parameters the pages read by hand, set
to integers beyond any column, negative numbers and the first and last days of the calendar.
"""
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from lims.models import Role
from tests.factories import UserFactory
from tests.security.routes import build_line

pytestmark = pytest.mark.django_db

EXTREMES = ["99999999999999999999", "-99999999999999999999", "9999-12-31", "0001-01-01"]
#: Parameters pages read from the query string themselves, outside a FilterSet (worklist, census, reports).
HAND_READ = ["day", "period", "date", "from", "to", "start", "end", "idle", "reached", "page", "page_size",
             "colony", "parameter", "pair", "room", "procedure"]


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _get_routes() -> list[tuple[str, list[str]]]:
    """(url, the parameters to try) for every route without path arguments that answers GET."""
    found = []
    for route, pattern in _routes(get_resolver().url_patterns):
        url = "/" + route.replace("^", "").replace("$", "").replace("\\", "")
        if "<" in url or "(?P" in route or url.startswith(("/admin", "/logout", "/login", "/api/schema",
                                                            "/api/docs", "/health")):
            continue
        view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
        filterset = getattr(view, "filterset_class", None)
        names = set(HAND_READ)
        if filterset is not None:
            names |= set(filterset.base_filters)
        found.append((url, sorted(names)))
    return found


def test_no_route_answers_500_to_extreme_query_values(centre):
    build_line(centre)
    user = UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username="walker")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    routes = _get_routes()
    assert len(routes) > 60 and any(url.startswith("/api/v1/") for url, _ in routes)
    failures, requests = [], 0
    for url, names in routes:
        for name in names:
            for value in EXTREMES:
                for extra in ({"period": "week"}, {"export": "csv"}) if name in ("day", "idle") else ({},):
                    response = client.get(url, {name: value, **extra})
                    requests += 1
                    if response.status_code >= 500:
                        failures.append((url, name, value, extra, response.status_code))
    assert requests > 2000
    assert failures == []
