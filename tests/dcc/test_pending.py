"""One definition of "pending for the DCC" (issue 16 item 3, issue 15 item 6): the DCC page, the DCC report and
the dashboard give the same figure, before an export, after it, and after one value is edited; the page reads
what changed, not every record (its query count does not grow with the data)."""
import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lims.reports.dcc import build as dcc_report
from procedures.dcc.ledger import plan_export
from procedures.dcc.models import Submission
from procedures.dcc.selectors import pending_counts
from procedures.dcc.services import submission_build, submission_create
from procedures.services import EnteredValue, experiment_values_update
from tests.dcc.conftest import TODAY
from tests.factories import MouseFactory

pytestmark = pytest.mark.django_db


def export(centre, actor, out_dir) -> Submission:
    submission = submission_create(centre=centre, actor=actor, out_dir=out_dir)
    return submission_build(submission_id=submission.pk)


def figures(client, user) -> tuple:
    """(new, changed) experiments on the DCC page, pending in the DCC report, waiting on the dashboard."""
    page = {label: (new, changed) for label, new, changed in client.get("/dcc/").context["pending"]}
    return page["Experiment"], dcc_report(user).summary["pending"], client.get("/").context["unsubmitted_count"]


def test_page_report_and_dashboard_agree_before_and_after_an_export_and_an_edit(
        centre, wrangler, tech, mutant, baseline, record_weight, tmp_path):
    client = Client()
    client.force_login(wrangler)
    edited = record_weight(mutant)
    record_weight(baseline)
    assert figures(client, wrangler) == ((2, 0), 2, 2)

    assert export(centre, wrangler, tmp_path).status == Submission.Status.DELIVERED
    assert figures(client, wrangler) == ((0, 0), 0, 0)
    assert not plan_export(centre=centre)

    experiment_values_update(experiment=edited, values={"IMPC_BWT_001_001": [EnteredValue(value="31.2")]},
                             actor=tech)
    assert figures(client, wrangler) == ((0, 1), 1, 1)
    assert pending_counts(centre=centre)["specimen"] == {"new": 0, "changed": 0}
    # The export's own plan (content hashes) sends exactly that experiment.
    assert plan_export(centre=centre).ids("experiment") == [edited.pk]


def test_the_dcc_page_reads_what_changed_not_every_record(centre, wrangler, mutant, baseline, record_weight,
                                                            tmp_path):
    client = Client()
    client.force_login(wrangler)
    record_weight(mutant)
    export(centre, wrangler, tmp_path)
    client.get("/dcc/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/dcc/").status_code == 200

    for i in range(6):
        mouse = MouseFactory(centre=centre, colony=mutant.colony, specimen_id=f"H-MORE-{i}",
                             date_of_birth=mutant.date_of_birth, zygosity="homozygous")
        record_weight(mouse, on=TODAY - dt.timedelta(days=3))
    record_weight(baseline)
    assert export(centre, wrangler, tmp_path).status == Submission.Status.DELIVERED
    with CaptureQueriesContext(connection) as more:
        response = client.get("/dcc/")

    assert response.context["pending_total"] == 0
    assert len(more) == len(few) <= 15, [q["sql"][:120] for q in more]
