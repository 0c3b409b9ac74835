"""The DCC submissions API: wranglers start an export, other roles and centres cannot see or start one."""
import pytest

from procedures.dcc.models import Submission

pytestmark = pytest.mark.django_db


def test_wrangler_starts_an_export_and_outsider_cannot_see_it(auth_client, wrangler, outsider, eager_tasks,
                                                              django_capture_on_commit_callbacks, settings, tmp_path):
    settings.LIMS_DCC_OUTBOX = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(wrangler).post("/api/v1/dcc-submissions/")
    assert response.status_code == 202, response.content
    submission = Submission.objects.get(pk=response.json()["id"])
    assert submission.status == Submission.Status.NOTHING  # no data yet: nothing to send
    assert auth_client(wrangler).get(f"/api/v1/dcc-submissions/{submission.pk}/").json()["status"] == "nothing"
    assert auth_client(outsider).get(f"/api/v1/dcc-submissions/{submission.pk}/").status_code == 404


def test_technician_cannot_export(auth_client, tech):
    assert auth_client(tech).post("/api/v1/dcc-submissions/").status_code == 403
    assert not Submission.objects.exists()
