"""Report pages, spreadsheets and JSON: the same figures everywhere, a bounded number of queries, links that lead
to the lines behind each production figure."""
import csv
import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from django.urls import resolve, reverse
from openpyxl import load_workbook

from colonies.models import AlleleModification, MicroInjection, PhenotypingAttempt, Plan
from colonies.production.filters import (
    AlleleModificationFilterSet,
    MicroInjectionFilterSet,
    PhenotypingAttemptFilterSet,
    PlanFilterSet,
)
from lims.exports import as_cell
from lims.reports.registry import REPORTS
from lims.scoping import scope_for_user

pytestmark = pytest.mark.django_db

#: Queries per page, whatever the amount of data: the report's own aggregates plus session and user.
MAX_QUERIES = {"production": 10, "breeding": 13, "phenotyping": 7, "dcc": 10, "qc": 9}  # dcc: + last_sent_at and the pending list (selectors.pending_list)
NAMES = list(REPORTS)


def _built(name, user):
    return REPORTS[name][0](user, {})


def _plain(value):
    """A cell as both sides can state it: datetimes to the minute in local time, dates as midnight, None as ""."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return as_cell(value, native=True).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time()).strftime("%Y-%m-%d %H:%M")
    return value


@pytest.mark.parametrize("name", NAMES)
def test_page_renders_its_charts_within_a_bounded_number_of_queries(client, generated, manager, name,
                                                                   django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        response = client.get(reverse(f"reports:{name}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="chart chart--' in html and 'role="img"' in html and "<title>" in html
    assert "chart__mark" in html  # the chart has drawn marks, not the empty placeholder
    assert "JAX" not in html and "J-COL-A" not in html


@pytest.mark.parametrize("name", NAMES)
def test_xlsx_reads_back_with_the_same_figures(client, generated, manager, name):
    client.force_login(manager)
    response = client.get(reverse(f"reports:{name}"), {"export": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    report = _built(name, manager)
    assert len(workbook.sheetnames) == len(report.tables)
    for sheet, table in zip(workbook.worksheets, report.tables, strict=True):
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == table.headers
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold
        assert all(sheet.column_dimensions[c].width >= 8 for c in "AB"[:len(table.headers)])
        assert [[_plain(v) for v in row] for row in rows[1:]] == [[_plain(v) for v in row] for row in table.rows]
        for row in rows[1:]:  # numbers are numbers, never text that looks like one
            assert not any(isinstance(v, str) and v.replace(".", "", 1).isdigit() for v in row)


@pytest.mark.parametrize("name", NAMES)
def test_csv_has_every_table_and_figure(client, generated, manager, name):
    client.force_login(manager)
    response = client.get(reverse(f"reports:{name}"), {"export": "csv"})
    text = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    report = _built(name, manager)
    for table in report.tables:
        at = lines.index([table.title])
        assert lines[at + 1] == table.headers
        body = lines[at + 2: at + 2 + len(table.rows)]
        assert body == [[as_cell(v, native=False) for v in row] for row in table.rows]


@pytest.mark.parametrize("name", NAMES)
def test_json_api_matches_the_report(auth_client, generated, manager, name):
    response = auth_client(manager).get(f"/api/v1/reports/{name}/")
    assert response.status_code == 200
    body = response.json()
    report = _built(name, manager)
    assert body["report"] == name
    for table in report.tables:
        want = [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in table.rows]
        assert body["tables"][table.key]["rows"] == want
        assert body["tables"][table.key]["headers"] == table.headers
    assert "J-COL-A" not in response.content.decode()


def test_unknown_report_and_format_are_404(client, auth_client, manager):
    client.force_login(manager)
    assert client.get("/reports/nothing/").status_code == 404
    assert client.get(reverse("reports:dcc"), {"export": "pdf"}).status_code == 404
    assert auth_client(manager).get("/api/v1/reports/nothing/").status_code == 404


def test_anonymous_users_get_nothing(client, api_client):
    assert client.get(reverse("reports:production")).status_code == 302
    assert api_client.get("/api/v1/reports/production/").status_code in (401, 403)


def test_index_lists_every_report(client, manager):
    client.force_login(manager)
    html = client.get(reverse("reports:index")).content.decode()
    for name in NAMES:
        assert reverse(f"reports:{name}") in html


LISTS = {
    "colonies:plan_list": (Plan, PlanFilterSet, "gene"),
    "colonies:microinjection_list": (MicroInjection, MicroInjectionFilterSet, "plan__gene"),
    "colonies:allelemodification_list": (AlleleModification, AlleleModificationFilterSet, "parent_colony__gene"),
    "colonies:phenotypingattempt_list": (PhenotypingAttempt, PhenotypingAttemptFilterSet, "parent_colony__gene"),
}


def _lines_behind(url, user):
    parts = urlsplit(url)
    model, filterset, gene = LISTS[f"colonies:{resolve(parts.path).url_name}"]
    data = QueryDict(mutable=True)
    for key, values in parse_qs(parts.query).items():
        data.setlist(key, values)
    queryset = scope_for_user(model.objects.filter(voided_at__isnull=True), user)
    form = filterset(data=data, queryset=queryset)
    assert form.is_valid(), form.errors
    return form.qs, gene


def test_every_production_figure_links_to_its_lines(generated, manager):
    """Each linked figure equals what its list shows: genes for the status tables, attempts for the others."""
    report = _built("production", manager)
    first_figure = {"status": 2, "by_month": 3, "efficiency": 2, "languishing": 2}
    checked = 0
    for table in report.tables:
        for row, links in zip(table.rows, table.links, strict=True):
            figures = list(zip(row, links, strict=True))[first_figure[table.key]:]
            if table.key == "efficiency":
                figures = figures[:2]  # the share itself is not a count of lines
            for value, url in figures:
                assert bool(url) == bool(value), (table.key, row)  # every non-zero figure links, zeros do not
                if not url:
                    continue
                lines, gene = _lines_behind(url, manager)
                got = lines.values(gene).distinct().count() if table.key in ("status", "by_month") \
                    else lines.count()
                assert got == value, (table.key, url)
                checked += 1
    assert checked >= 12


def test_the_list_page_accepts_the_report_filters(client, generated, manager):
    client.force_login(manager)
    response = client.get(reverse("colonies:microinjection_list"), {"idle": "12-"})
    assert response.status_code == 200
    assert "H-G1" in response.content.decode() and "H-B1" not in response.content.decode()


@pytest.mark.parametrize("name", NAMES)
def test_query_count_does_not_grow_with_the_data(client, generated, manager, centre, name):
    """GIVEN a second batch of lines, mice and tests at Harwell, THEN the page costs the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests.reports.conftest import build_centre

    client.force_login(manager)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse(f"reports:{name}"))
    build_centre(centre, prefix="K", today=timezone.localdate())
    with CaptureQueriesContext(connection) as after:
        response = client.get(reverse(f"reports:{name}"))
    assert response.status_code == 200
    assert len(after) == len(before)


def test_every_phenotyping_figure_links_to_its_tests_or_experiments(generated, manager):
    from procedures.filters import ExperimentFilterSet, ScheduledTestFilterSet
    from procedures.models import Experiment, ScheduledTest

    lists = {"scheduledtest_list": (ScheduledTest, ScheduledTestFilterSet),
             "experiment_list": (Experiment, ExperimentFilterSet)}
    report = _built("phenotyping", manager)
    checked = 0
    for table in report.tables:
        for row, links in zip(table.rows, table.links, strict=True):
            for value, url in zip(row, links, strict=True):
                if not url:
                    continue
                parts = urlsplit(url)
                model, filterset = lists[resolve(parts.path).url_name]
                data = QueryDict(parts.query)
                queryset = scope_for_user(model.objects.all(), manager)
                if model is Experiment:
                    queryset = queryset.filter(voided_at__isnull=True)
                assert filterset(data=data, queryset=queryset).qs.count() == value, url
                checked += 1
    assert checked >= 8
