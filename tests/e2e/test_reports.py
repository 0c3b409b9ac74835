"""Browser check of the reports: each page opens in Chromium, and every chart's SVG is drawn (a non-empty box,
marks inside it). Set LIMS_E2E_SCREENSHOTS to keep a screenshot of each report (ui-report-<name>.png)."""
import pytest
from django.utils import timezone

from lims.reports.registry import REPORTS
from tests.e2e.conftest import PASSWORD, screenshot
from tests.reports.conftest import build_centre


@pytest.fixture
def report_data(transactional_db, centre, manager):
    """GIVEN Harwell's generated production, breeding, phenotyping, DCC and QC data."""
    return build_centre(centre, prefix="H", today=timezone.localdate())


def test_every_report_draws_its_charts(live_server, browser_page, report_data, manager):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)  # each role lands on its own work (lims.dashboard.landing)

    for name, (_, title, _) in REPORTS.items():
        page.goto(f"{live_server.url}/reports/{name}/")
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        charts = page.locator("svg.chart[role=img]")
        assert charts.count() >= 1, name
        for i in range(charts.count()):
            chart = charts.nth(i)
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 40, (name, box)
            assert chart.locator("title").first.text_content().strip(), name
            marks = chart.locator(".chart__mark")
            assert marks.count() > 0, (name, i)
            mark_box = marks.first.bounding_box()
            assert mark_box and mark_box["width"] > 0 and mark_box["height"] > 0, (name, i)
        screenshot(page, f"report-{name}")

    # The QC view flags the outliers of the generated colony: a ringed mark per flagged value.
    page.goto(f"{live_server.url}/reports/qc/")
    assert page.locator("svg.chart--dotplot .chart__mark--flagged").count() == 2
