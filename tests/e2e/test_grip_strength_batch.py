"""Browser journey: a technician records grip strength (a series) for three mice at once from today's worklist.

The metadata is typed once for the three; one required metadata value is left empty, the page refuses the batch
naming that parameter and saves nothing, the technician fills it in and the three experiments are recorded.
Set LIMS_E2E_SCREENSHOTS to keep ui-batch-worklist.png, ui-batch.png and ui-batch-error.png.
"""
import datetime as dt
import re

import pytest

from colonies.models import Mouse
from procedures.models import Experiment, ParameterValue, ScheduledTest
from tests.e2e.conftest import PASSWORD, screenshot
from tests.factories import ColonyFactory, MouseFactory
from tests.procedures.grip import GRIP_METADATA, born_for_today, enrol_due_today, grip_strength_procedure

FORELIMB = {"G-001": ("101.5", "99", "104"), "G-002": ("88", "90.5", "91"), "G-003": ("120", "118", "119.5")}
BOTH = {"G-001": ("180", "176.5", "182"), "G-002": ("150", "151", "149"), "G-003": ("201", "199", "205")}
WEIGHT = {"G-001": "24.1", "G-002": "21.7", "G-003": "27.3"}
METADATA_LABELS = {
    "IMPC_GRS_005_001": "Equipment ID",
    "IMPC_GRS_006_001": "Equipment manufacturer",
    "IMPC_GRS_007_001": "Grid model",
    "IMPC_GRS_012_001": "Experimenter ID",  # named by the 2020 IMPReSS crawl (the subset showed the keys)
    "IMPC_GRS_013_001": "Equipment model",
    "IMPC_GRS_014_001": "Date equipment last calibrated",
}


@pytest.fixture
def grip_tests(transactional_db, centre, tech):
    """GIVEN three Harwell mice born nine weeks ago today, enrolled: grip strength (week 9) is due today."""
    procedure = grip_strength_procedure()
    colony = ColonyFactory(centre=centre, name="HAR-GRIP")
    mice = [MouseFactory(centre=centre, colony=colony, specimen_id=specimen, date_of_birth=born_for_today(procedure),
                         sex=Mouse.Sex.MALE if n % 2 else Mouse.Sex.FEMALE)
            for n, specimen in enumerate(FORELIMB, start=1)]
    tests = enrol_due_today(mice, procedure, tech)
    assert {t.due_date for t in tests} == {dt.date.today()}
    return tests


def _series(block, name):
    return block.get_by_role("group", name=name, exact=True)


def test_technician_records_grip_strength_for_three_mice(live_server, browser_page, grip_tests, tech):
    """A whole bench session as one story (reason for its length): log in, open the batch, type three mice's
    values with the keyboard, save, and check the stored values; splitting it would repeat the set-up per step."""
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(tech.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)  # each role lands on its own work (lims.dashboard.landing)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist").click()
    expect(page.get_by_role("heading", name=re.compile("Grip Strength"))).to_be_visible()
    for specimen in FORELIMB:
        page.get_by_label(f"Select {specimen} for Grip Strength").check()
    screenshot(page, "batch-worklist")
    page.get_by_role("button", name="Record Grip Strength for the ticked mice").click()

    expect(page.get_by_role("heading", name=re.compile("Grip Strength for 3 mice"))).to_be_visible()
    first = _series(page.get_by_role("group", name="Mouse G-001"), "Forelimb grip strength measurement (g)")
    expect(first.get_by_label("1", exact=True)).to_be_focused()  # the technician types straight away
    expect(first.get_by_label("1", exact=True)).to_have_attribute("inputmode", "decimal")
    page.keyboard.type(FORELIMB["G-001"][0])
    page.keyboard.press("Tab")  # increments in order, by keyboard
    expect(first.get_by_label("2", exact=True)).to_be_focused()

    for specimen, forelimb in FORELIMB.items():
        block = page.get_by_role("group", name=f"Mouse {specimen}")
        for name, readings in (("Forelimb grip strength measurement (g)", forelimb),
                               ("Forelimb and hindlimb grip strength measurement (g)", BOTH[specimen])):
            for increment, reading in zip(("1", "2", "3"), readings, strict=True):
                _series(block, name).get_by_label(increment, exact=True).fill(reading)
        block.get_by_label("Body weight", exact=False).first.fill(WEIGHT[specimen])
        block.get_by_label("General comments about the mouse").fill("calm")

    shared = page.get_by_role("group", name="For every mouse")
    for key, label in METADATA_LABELS.items():
        if key != "IMPC_GRS_005_001":  # the equipment ID is forgotten
            shared.get_by_label(label, exact=True).fill(GRIP_METADATA[key])
    screenshot(page, "batch")
    page.get_by_role("button", name="Save Grip Strength for 3 mice").click()

    message = "Equipment ID (IMPC_GRS_005_001) is required: enter a value or a parameter status code."
    expect(page.get_by_role("alert").filter(has_text="Nothing was saved")).to_be_visible()
    expect(page.get_by_text(message)).to_have_count(1)  # once, for the batch, not once per mouse
    expect(shared.get_by_label("Equipment ID", exact=True)).to_be_focused()
    third = page.get_by_role("group", name="Mouse G-003")
    expect(_series(third, "Forelimb grip strength measurement (g)").get_by_label("3", exact=True)).to_have_value("119.5")
    screenshot(page, "batch-error")
    assert Experiment.objects.count() == 0
    assert set(ScheduledTest.objects.values_list("status", flat=True)) == {ScheduledTest.Status.SCHEDULED}

    shared.get_by_label("Equipment ID", exact=True).fill(GRIP_METADATA["IMPC_GRS_005_001"])
    page.get_by_role("button", name="Save Grip Strength for 3 mice").click()

    expect(page.get_by_role("status").filter(has_text="Grip Strength saved for 3 mice")).to_be_visible()
    assert page.url.rstrip("/").endswith("/phenotyping/worklist")
    expect(page.get_by_label("Select G-001 for Grip Strength")).to_have_count(0)

    experiments = Experiment.objects.filter(scheduled_test__in=grip_tests).select_related("mouse")
    assert experiments.count() == 3
    for experiment in experiments:
        specimen = experiment.mouse.specimen_id
        values = ParameterValue.objects.filter(experiment=experiment)
        forelimb = dict(values.filter(parameter__key="IMPC_GRS_001_001").values_list("increment", "value"))
        assert forelimb == {inc: repr(float(v)) for inc, v in zip(("1", "2", "3"), FORELIMB[specimen], strict=True)}
        both = dict(values.filter(parameter__key="IMPC_GRS_002_001").values_list("increment", "value"))
        assert both == {inc: repr(float(v)) for inc, v in zip(("1", "2", "3"), BOTH[specimen], strict=True)}
        assert values.get(parameter__key="IMPC_GRS_005_001").value == GRIP_METADATA["IMPC_GRS_005_001"]
        assert experiment.recorded_by == tech
    assert set(ScheduledTest.objects.values_list("status", flat=True)) == {ScheduledTest.Status.DONE}
