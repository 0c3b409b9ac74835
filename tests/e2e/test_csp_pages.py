"""Browser check of the Content-Security-Policy: the pages that run scripts still work under the real header, and
Chromium reports no violation on them (tests/security/test_csp.py checks every page's HTML without a browser).

- DCC → Export polls a running export (static/js/dcc-progress.js): the label follows the status, and the page
  reloads itself when the export has finished.
- An upload job polls its progress (static/js/upload-progress.js): the row count follows the job.
- A cage card's Print button opens the print dialog (static/js/print.js, no inline onclick).
- /api/docs/ draws Swagger UI from files only (the split view's start-up script).
"""
import re

import pytest
from django.urls import reverse

from procedures.dcc.models import Submission
from procedures.models import UploadJob
from tests.e2e.conftest import PASSWORD
from tests.factories import CageFactory, body_weight_procedure

#: Runs before any script of the page (injected by the browser, outside the page's policy): records every violation
#: and replaces the print dialog, which would block a headless browser, by a flag.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + location.pathname);
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""


@pytest.fixture
def pages(transactional_db, centre, centre_admin):
    submission = Submission.objects.create(centre=centre, created_by=centre_admin, status=Submission.Status.BUILDING,
                                           progress=40)
    job = UploadJob.objects.create(centre=centre, created_by=centre_admin, procedure=body_weight_procedure(),
                                   file="uploads/weights.xlsx", file_name="weights.xlsx",
                                   status=UploadJob.Status.RUNNING, rows_total=100, rows_done=10)
    return {"submission": submission, "job": job, "cage": CageFactory(centre=centre)}


def test_script_pages_work_under_the_policy_without_a_violation(live_server, browser_page, pages, centre_admin):
    from playwright.sync_api import expect

    page = browser_page
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(centre_admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()
    violations = []

    # DCC → Export: the running export's label follows the row, then the finished export reloads the page.
    response = page.goto(f"{live_server.url}/dcc/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    submission = pages["submission"]
    label = page.locator(".dcc-status")
    expect(label).to_have_text("Building")
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.VALIDATED, progress=70)
    expect(label).to_have_text("Validated", timeout=10_000)
    expect(page.locator(".dcc-bar")).to_have_attribute("value", "70")
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.DELIVERED, progress=100)
    expect(page.locator(".dcc-status")).to_have_count(0, timeout=10_000)  # reloaded: no running export any more
    violations += page.evaluate("window.__violations")

    # An upload job: the row count follows the job while it runs.
    job = pages["job"]
    page.goto(f"{live_server.url}{reverse('procedures:uploadjob_detail', args=[job.pk])}")
    expect(page.locator("#upload-count")).to_have_text("10 of 100 rows read.")
    UploadJob.objects.filter(pk=job.pk).update(rows_done=55)
    expect(page.locator("#upload-count")).to_have_text("55 of 100 rows read.", timeout=10_000)
    violations += page.evaluate("window.__violations")

    # A cage card: Print opens the print dialog.
    page.goto(f"{live_server.url}{reverse('colonies:cage_card', args=[pages['cage'].pk])}")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.__printed") == 1
    violations += page.evaluate("window.__violations")

    # The API docs: Swagger UI draws the operations from the schema.
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .opblock-tag").first).to_be_visible(timeout=20_000)
    expect(page.locator('a[href="#/v1/v1_allele_modifications_list"]')).to_be_attached()
    assert page.locator(".swagger-ui .opblock").count() > 5  # operations drawn (Swagger UI renders lazily)
    violations += page.evaluate("window.__violations")

    assert violations == []
    assert [m for m in console if "Content Security Policy" in m] == []
