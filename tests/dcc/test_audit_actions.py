"""A DCC build's events each keep their own action (issue 17 point 5): before, every write of the build task read
`dcc.submission.delivered`, the last action entered, because nested audit contexts merged into the task's one."""
import pytest
from pghistory.models import Events

from lims.audit import audit_context
from procedures.dcc.models import Submission, SubmissionFile
from procedures.dcc.services import submission_build, submission_create

pytestmark = pytest.mark.django_db


def test_each_phase_of_a_build_keeps_its_own_action(centre, wrangler, mutant, baseline, record_weight, tmp_path):
    record_weight(mutant)
    record_weight(baseline)
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)

    with audit_context(task="procedures.dcc.tasks.submission_build", task_id="task-1", user=wrangler.pk):
        submission = submission_build(submission_id=submission.pk)
    assert submission.status == Submission.Status.DELIVERED, submission.errors

    events = list(Events.objects.tracks(submission).order_by("pgh_id"))
    by_status = {}
    for event in events:
        by_status.setdefault(event.pgh_data["status"], set()).add(event.pgh_context.get("action"))
    assert by_status["building"] >= {"dcc.submission.started"}
    assert "dcc.submission.delivered" not in by_status["building"] | by_status["validated"]
    assert by_status["validated"] >= {"dcc.submission.validated"}
    assert by_status["delivered"] == {"dcc.submission.delivered"}
    assert {e.pgh_context["task_id"] for e in events if e.pgh_data["status"] != "pending"} == {"task-1"}
    files = Events.objects.tracks(list(SubmissionFile.objects.filter(submission=submission)))
    assert "dcc.submission.delivered" not in {e.pgh_context.get("action") for e in files if e.pgh_label == "insert"}
