"""Every page of the demo (issue 13 points 10 and 11), found from the URL configuration, not from a list kept here.

After `load_demo`, each demo user of the demo centre opens every HTML page they may see: the lists, every record's
page (the first record of the user's own queryset for each view that takes a `pk`), the forms, the reports. No page
may show template source (`{#`, `{%`, `{{`: a multi-line `{# #}` comment printed itself above every table), and every
list page shows at least one row, so no part of the product is empty on a first run.
"""
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.generic.list import MultipleObjectMixin

from colonies.models import GenotypeResult, GenotypingAssay, ZygosityRule
from lims.bench.demo import DEMO_CENTRE, DEMO_USERS
from lims.models import User

# Pages that are not HTML pages of records (files, JSON, API, admin) or that only act (POST).
SKIPPED_PREFIXES = ("api/", "admin/", "health/", "logout/", "login/")
SKIPPED_SUFFIXES = (".pdf", ".xlsx", ".json", "/download/", "/status/", "template/")
# Pages whose record the demo has no reason to hold, with why.
NO_DEMO_RECORD = {
    "procedures:uploadjob_detail": "an upload job exists only after a technician uploads a sheet",
}
# Pages that only send the person on to another page (tested in tests/ui/), with where.
REDIRECTS = {
    "landing": "each role's own work after logging in",
    "procedures:worklist_scan": "the worklist of the cage whose card was scanned",
}
TEMPLATE_SOURCE = re.compile(r"\{#|\{%|\{\{")


def _due_body_weights(user) -> dict:
    from procedures.models import ScheduledTest

    tests = ScheduledTest.objects.filter(centre=user.centre, procedure__key="IMPC_BWT_001",
                                         status=ScheduledTest.Status.SCHEDULED)
    return {"tests": list(tests.values_list("pk", flat=True))}


# Pages opened with a query string, as their links open them.
QUERIES = {"procedures:batch_record": _due_body_weights}


def _models():
    from colonies.models import Cage
    from procedures.models import Experiment, ScheduledTest

    # Pages that look their record up themselves (no queryset to ask): the model of their `pk`.
    return {"colonies:cage_card": Cage, "procedures:scheduledtest_close": ScheduledTest,
            "procedures:experiment_record": ScheduledTest, "procedures:experiment_edit": Experiment,
            "procedures:experiment_qc_lock": Experiment, "procedures:experiment_qc_unlock": Experiment}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry


def html_pages():
    """(name, route, view class) of every named HTML route taking no argument or one `pk` (or a procedure key)."""
    pages = []
    for name, route, entry in _walk(get_resolver().url_patterns):
        view_class = getattr(entry.callback, "view_class", None)
        if view_class is None or route.startswith(SKIPPED_PREFIXES) or route.endswith(SKIPPED_SUFFIXES):
            continue
        arguments = set(re.findall(r"<(?:\w+:)?(\w+)>", route))
        if arguments <= {"pk", "key"} and hasattr(view_class, "get"):
            pages.append((name, route, entry, arguments))
    return pages


def url_for(route: str, **values) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def record_pks(name, view_class, user, limit=40) -> list[int]:
    """Pks of records the view may show `user`: its own scoped queryset, else the user's records of its model."""
    from lims.scoping import scope_for_user

    request = RequestFactory().get("/")
    request.user = user
    view = view_class()
    view.setup(request)
    if hasattr(view, "get_queryset"):
        queryset = view.get_queryset()
    else:
        queryset = scope_for_user(_models()[name].objects.all(), user)
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:limit])


@pytest.fixture
def demo(settings, tmp_path, django_db_blocker):
    settings.DEBUG = True
    settings.LIMS_DCC_OUTBOX = tmp_path / "outbox"
    call_command("load_demo", stdout=StringIO())
    return {username: User.objects.get(username=username) for username, _role, code in DEMO_USERS
            if code == DEMO_CENTRE}


@pytest.mark.django_db
def test_every_page_of_the_demo_renders_without_template_source_and_every_list_has_rows(client, demo):
    pages = html_pages()
    assert len(pages) > 60  # the walk found the site, not an empty resolver
    seen, empty_lists, leaks, unopened, failures = {}, [], [], [], []
    for name, route, entry, arguments in pages:
        view_class = entry.callback.view_class
        if name in NO_DEMO_RECORD or name in REDIRECTS:
            continue
        for username, user in demo.items():
            values = {"key": "IMPC_BWT_001"} if "key" in arguments else {}
            query = QUERIES[name](user) if name in QUERIES else {}
            client.force_login(user)
            # A record page is opened on the first record it answers for (a done test's form sends you back).
            candidates = record_pks(name, view_class, user) if "pk" in arguments else [None]
            for pk in candidates:
                response = client.get(url_for(route, **values, pk=pk), query)
                if response.status_code not in (302, 404) or pk is None:
                    break
            if response.status_code == 403 or response.status_code == 302 and "pk" in arguments:
                continue  # not this role's page, or no record of the demo opens it for this role
            if response.status_code != 200:
                failures.append((name, username, response.status_code))
                continue
            seen.setdefault(name, []).append(username)
            if "text/html" not in response["Content-Type"]:
                continue
            html = response.content.decode()
            if TEMPLATE_SOURCE.search(html):
                at = TEMPLATE_SOURCE.search(html).start()
                leaks.append((name, username, html[max(0, at - 80):at + 80]))
            if issubclass(view_class, MultipleObjectMixin) and "pk" not in arguments:
                paginator = response.context.get("paginator")
                rows = paginator.count if paginator is not None else len(response.context["object_list"])
                if not rows:
                    empty_lists.append((name, username))
    for name, _route, _entry, _arguments in pages:
        if name not in seen and name not in NO_DEMO_RECORD and name not in REDIRECTS:
            unopened.append(name)
    assert not failures, failures
    assert not leaks, leaks
    assert not empty_lists, " ".join(sorted({n for n, _u in empty_lists}))
    assert not unopened, f"pages no demo user could open (no record in the demo?): {unopened}"


@pytest.mark.django_db
def test_demo_genotyping_has_assays_rules_and_results_that_follow_the_rules(demo):
    assays = GenotypingAssay.objects.filter(centre__code=DEMO_CENTRE)
    assert assays.count() >= 2
    for assay in assays:
        ruled = set(ZygosityRule.objects.filter(assay=assay).values_list("call", flat=True))
        assert ruled == set(assay.calls), assay  # every call of every demo assay has its zygosity rule
    results = GenotypeResult.objects.filter(centre__code=DEMO_CENTRE).select_related("assay", "mouse")
    assert results.count() >= 4
    rules = {(r.assay_id, r.call): r.zygosity for r in ZygosityRule.objects.all()}
    for result in results:
        assert result.zygosity == rules[(result.assay_id, result.call)]
        if result.assay.sets_mouse_zygosity:
            assert result.mouse.zygosity == result.zygosity, result
