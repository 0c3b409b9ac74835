"""Browser journey: a technician records a body weight from the worklist, on a tablet-sized screen, by keyboard.

Drives Debian's Chromium through Playwright against pytest-django's live server. Set LIMS_E2E_SCREENSHOTS to a
directory to keep screenshots of the worklist and the record form (ui-worklist.png, ui-record.png).
"""
import datetime as dt
import re

import pytest

from colonies.models import Mouse
from procedures.models import ParameterValue, ScheduledTest
from procedures.services import mice_enrol
from tests.e2e.conftest import PASSWORD, screenshot
from tests.factories import BODY_WEIGHT_VALUES, ColonyFactory, MouseFactory, body_weight_procedure


@pytest.fixture
def due_mice(transactional_db, centre, tech):
    """GIVEN three Harwell mice enrolled for body weight: two due today and one whose window closed last week."""
    procedure = body_weight_procedure()
    colony = ColonyFactory(centre=centre, name="HAR-PAX6")
    today = dt.date.today()
    mice = [MouseFactory(centre=centre, colony=colony, specimen_id=f"H-00{n}",
                         sex=Mouse.Sex.MALE if n % 2 else Mouse.Sex.FEMALE) for n in (1, 2)]
    late = MouseFactory(centre=centre, colony=colony, specimen_id="H-000", date_of_birth=dt.date(2026, 1, 5))
    mice_enrol(mice=mice, pipeline=procedure.pipeline, actor=tech, enrolled_on=today)
    mice_enrol(mice=[late], pipeline=procedure.pipeline, actor=tech, enrolled_on=today - dt.timedelta(days=10))
    return mice


def test_technician_records_a_body_weight_from_the_worklist(live_server, browser_page, due_mice, tech):
    from playwright.sync_api import expect

    page, mouse = browser_page, due_mice[0]

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(tech.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)  # each role lands on its own work (lims.dashboard.landing)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist").click()
    expect(page.get_by_role("heading", name="Worklist", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Body Weight"))).to_be_visible()
    expect(page.get_by_text("overdue", exact=True)).to_be_visible()
    screenshot(page, "worklist")

    page.get_by_role("link", name=f"Record Body Weight for {mouse.specimen_id}").click()
    expect(page.get_by_role("heading", name=re.compile(f"Body Weight.*{mouse.specimen_id}"))).to_be_visible()
    weight = page.get_by_label("Body weight")
    expect(weight).to_be_focused()  # autofocus: the technician types the weight straight away
    expect(weight).to_have_attribute("inputmode", "decimal")
    page.keyboard.type("24,5g")  # a typo: refused with the parameter named, and nothing typed is lost
    page.get_by_label("Equipment ID").fill(BODY_WEIGHT_VALUES["IMPC_BWT_003_001"])
    page.get_by_label("Equipment manufacturer").fill(BODY_WEIGHT_VALUES["IMPC_BWT_004_001"])
    page.get_by_label("Experimenter ID").fill(BODY_WEIGHT_VALUES["IMPC_BWT_005_001"])
    page.get_by_label("Equipment model").fill(BODY_WEIGHT_VALUES["IMPC_BWT_007_001"])
    screenshot(page, "record")
    page.get_by_label("Equipment model").press("Enter")  # Enter submits, as on any bench keyboard

    expect(page.get_by_text("Body weight must be a number without a unit or note, e.g. 24.5; "
                            "you typed '24,5g'.")).to_be_visible()
    expect(weight).to_be_focused()  # the caret goes back to the mistake
    expect(page.get_by_label("Equipment ID")).to_have_value(BODY_WEIGHT_VALUES["IMPC_BWT_003_001"])
    screenshot(page, "record-error")
    weight.fill(BODY_WEIGHT_VALUES["IMPC_BWT_001_001"])
    weight.press("Enter")

    expect(page.get_by_role("status").filter(has_text=f"Body Weight saved for {mouse.specimen_id}")).to_be_visible()
    assert page.url.rstrip("/").endswith("/phenotyping/worklist")
    expect(page.get_by_role("link", name=f"Record Body Weight for {mouse.specimen_id}")).to_have_count(0)
    expect(page.get_by_role("link", name=f"Record Body Weight for {due_mice[1].specimen_id}")).to_be_visible()

    test = ScheduledTest.objects.get(mouse=mouse)
    assert test.status == ScheduledTest.Status.DONE
    value = ParameterValue.objects.get(experiment__scheduled_test=test, parameter__key="IMPC_BWT_001_001")
    assert value.value == "24.5"
    assert value.experiment.recorded_by == tech
