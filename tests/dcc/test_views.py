"""The DCC page: pending counts and pre-flight findings, Export now (writers only), progress JSON, history and
downloads — all scoped to the user's centre."""
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from procedures.dcc.models import Submission
from procedures.dcc.services import submission_build, submission_create

pytestmark = pytest.mark.usefixtures("eager_tasks")
OVERVIEW = "/dcc/"


@pytest.fixture
def auth_client():
    """Pages need a session login (the API client's force_authenticate does not reach Django views)."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_overview_shows_pending_records_and_findings_with_links(auth_client, wrangler, mutant, baseline,
                                                                record_weight, django_assert_max_num_queries):
    record_weight(mutant)
    record_weight(baseline)
    baseline.strain.mgi_id = ""
    baseline.strain.save()

    with django_assert_max_num_queries(44):  # the open DCC rejections: one query, read once for the pre-flight and its filter
        response = auth_client(wrangler).get(OVERVIEW)

    assert response.status_code == 200
    pending = {label: (new, changed) for label, new, changed in response.context["pending"]}
    assert pending["Specimen"] == (2, 0)
    assert pending["Experiment"] == (2, 0)
    html = response.content.decode()
    assert f'href="{baseline.get_absolute_url()}"' in html
    assert "has no MGI id" in html
    assert "Export now" in html


def test_read_only_members_see_the_page_without_the_button_and_cannot_post(auth_client, readonly, tech, mutant,
                                                                          record_weight):
    record_weight(mutant)
    assert "Export now" not in auth_client(readonly).get(OVERVIEW).content.decode()
    assert auth_client(readonly).post(reverse("dcc:export")).status_code == 403
    assert auth_client(tech).post(reverse("dcc:export")).status_code == 403
    assert not Submission.objects.exists()


def test_export_now_starts_a_submission_and_the_history_offers_its_files(auth_client, wrangler, outsider, mutant,
                                                                         record_weight,
                                                                         django_capture_on_commit_callbacks):
    record_weight(mutant)
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(wrangler).post(reverse("dcc:export"))

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{OVERVIEW}#submission-{submission.pk}"
    assert submission.created_by == wrangler
    assert submission.status == Submission.Status.DELIVERED, submission.errors

    status = auth_client(wrangler).get(reverse("dcc:submission_status", args=[submission.pk])).json()
    assert (status["status"], status["progress"], status["finished"]) == ("delivered", 100, True)
    page = auth_client(wrangler).get(OVERVIEW).content.decode()
    assert "wrangler" in page
    file = submission.files.get(kind="experiment")
    assert f'href="{file.get_absolute_url()}"' in page

    download = auth_client(wrangler).get(file.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    body = b"".join(download.streaming_content)
    assert body == Path(file.path).read_bytes()

    # Another centre sees none of it.
    assert auth_client(outsider).get(file.get_absolute_url()).status_code == 404
    assert auth_client(outsider).get(reverse("dcc:submission_status", args=[submission.pk])).status_code == 404
    assert auth_client(outsider).get(submission.get_absolute_url()).status_code == 404
    assert f"#{submission.pk}<" not in auth_client(outsider).get(OVERVIEW).content.decode()


def test_a_running_export_shows_a_progress_bar_polling_its_status(auth_client, wrangler, centre):
    submission = submission_create(centre=centre, actor=wrangler)
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.BUILDING, progress=40)

    html = auth_client(wrangler).get(OVERVIEW).content.decode()

    assert '<progress class="dcc-bar" max="100" value="40">' in html
    assert reverse("dcc:submission_status", args=[submission.pk]) in html


def test_a_failed_submission_page_links_each_finding(auth_client, wrangler, centre, mutant, record_weight, tmp_path):
    experiment = record_weight(mutant)
    experiment.values.filter(parameter__key="IMPC_BWT_001_001").update(value="heavy")
    submission = submission_build(
        submission_id=submission_create(centre=centre, actor=wrangler, out_dir=tmp_path).pk)
    assert submission.status == Submission.Status.FAILED

    html = auth_client(wrangler).get(submission.get_absolute_url()).content.decode()

    assert f'href="{experiment.get_absolute_url()}"' in html
    assert "is not a valid FLOAT" in html
