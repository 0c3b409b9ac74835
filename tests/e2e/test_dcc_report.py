"""Browser journey of issue 18: a data wrangler uploads the DCC's validation report on the DCC page, filters the
records the DCC rejected, and opens the rejected experiment, which shows the DCC's message, phase and status."""
import datetime as dt
import re

import pytest
from lxml import etree

from procedures.dcc.services import submission_build, submission_create
from procedures.services import EnteredValue, experiment_record
from tests.dcc import reports as r
from tests.dcc.helpers import read_zip
from tests.e2e.conftest import PASSWORD
from tests.factories import BODY_WEIGHT_VALUES, ColonyFactory, MouseFactory, body_weight_procedure


@pytest.fixture
def delivered(transactional_db, centre, wrangler, tmp_path):
    procedure = body_weight_procedure()
    mouse = MouseFactory(centre=centre, colony=ColonyFactory(centre=centre, name="H-E2E-COL"), specimen_id="H-E2E-1",
                         date_of_birth=dt.date.today() - dt.timedelta(weeks=20))
    values = {key: [EnteredValue(value=value)] for key, value in BODY_WEIGHT_VALUES.items()}
    experiment = experiment_record(mouse=mouse, procedure=procedure, values=values, actor=wrangler,
                                   date_of_experiment=dt.date.today() - dt.timedelta(weeks=1))
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path / "dcc")
    submission = submission_build(submission_id=submission.pk)
    file = submission.files.get(kind="experiment")
    xml = read_zip(file.path)[1]
    element = next(etree.fromstring(xml).iter(f"{{{r.PROCEDURE_NS}}}experiment"))
    report = r.validation_report_set(r.validation_report(
        subjects=[r.renamed(element, r.REPORT_NS, "experiment")], message="Body weight not a number",
        phase="impress_parameterValueType", status="failed"))
    path = tmp_path / file.xml_name.replace(".impc.xml", ".impc.validation_report.xml")
    path.write_bytes(report)
    return {"experiment": experiment, "report": path}


def test_a_wrangler_uploads_a_report_and_finds_the_rejected_experiment(live_server, browser_page, delivered,
                                                                       wrangler):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(wrangler.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dcc/"))  # a data wrangler lands on the DCC page

    page.goto(f"{live_server.url}/dcc/")
    page.get_by_label("DCC validation report (XML)").set_input_files(str(delivered["report"]))
    page.get_by_role("button", name="Import the report").click()
    expect(page.get_by_text(re.compile(r"1 record\(s\) rejected by the DCC"))).to_be_visible()

    page.get_by_role("link", name="Rejected by the DCC only").click()
    expect(page.get_by_text("Showing only records rejected by the DCC.")).to_be_visible()
    rejections = page.locator("#dcc-rejections")
    expect(rejections).to_contain_text("Body weight not a number")
    rejections.get_by_role("link", name=re.compile("H-E2E-1")).click()

    expect(page).to_have_url(re.compile(rf"/experiments/{delivered['experiment'].pk}/"))
    expect(page.get_by_text("Body weight not a number")).to_be_visible()
    expect(page.get_by_text("impress_parameterValueType")).to_be_visible()
    expect(page.get_by_text("rejected, to fix")).to_be_visible()
