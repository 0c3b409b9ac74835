"""The phenotyping API: status verbs on scheduled tests."""
import pytest

from procedures.models import Experiment, ScheduledTest
from tests.factories import BODY_WEIGHT_VALUES, MouseFactory, body_weight_procedure
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db

S = ScheduledTest.Status


@pytest.fixture
def test_row(tech):
    return scheduled_test(MouseFactory(centre=tech.centre), body_weight_procedure())


def test_not_performed_closes_the_test_then_answers_409(auth_client, tech, test_row):
    client = auth_client(tech)
    url = f"/api/v1/scheduled-tests/{test_row.pk}/not-performed/"
    response = client.post(url, {"status_code": "IMPC_PSC_014", "reason": "Mouse would not grip."}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == S.NOT_PERFORMED
    assert response.json()["status_code"] == "IMPC_PSC_014"
    again = client.post(url, {"status_code": "IMPC_PSC_014", "reason": "Twice."}, format="json")
    assert again.status_code == 409


def test_not_performed_refuses_an_unknown_code_naming_the_field(auth_client, tech, test_row):
    response = auth_client(tech).post(f"/api/v1/scheduled-tests/{test_row.pk}/not-performed/",
                                      {"status_code": "SICK", "reason": "Sick."}, format="json")
    assert response.status_code == 400
    assert "status_code" in str(response.json())


def test_cancel_needs_a_reason(auth_client, tech, test_row):
    response = auth_client(tech).post(f"/api/v1/scheduled-tests/{test_row.pk}/cancel/", {}, format="json")
    assert response.status_code == 400
    response = auth_client(tech).post(f"/api/v1/scheduled-tests/{test_row.pk}/cancel/", {"reason": "Wrong line."},
                                      format="json")
    assert response.json()["status"] == S.CANCELLED


def test_tests_are_not_created_through_the_api(auth_client, tech):
    assert auth_client(tech).post("/api/v1/scheduled-tests/", {}, format="json").status_code == 405


def test_verbs_follow_roles_and_centres(auth_client, readonly, outsider, test_row):
    url = f"/api/v1/scheduled-tests/{test_row.pk}/cancel/"
    assert auth_client(readonly).post(url, {"reason": "No."}, format="json").status_code == 403
    assert auth_client(outsider).post(url, {"reason": "No."}, format="json").status_code == 404


def test_scheduled_test_list_pins_its_queries(auth_client, tech, django_assert_max_num_queries):
    procedure = body_weight_procedure()
    for _ in range(5):
        scheduled_test(MouseFactory(centre=tech.centre), procedure)
    with django_assert_max_num_queries(6):
        response = auth_client(tech).get("/api/v1/scheduled-tests/")
    assert response.json()["count"] == 5


def _bulk_item(mouse, **values):
    entered = [{"parameter": k, "value": v} for k, v in {**BODY_WEIGHT_VALUES, **values}.items()]
    return {"mouse": mouse.pk, "procedure": "IMPC_BWT_001", "date_of_experiment": "2026-02-02",
            "entered_values": entered}


def test_bulk_post_records_every_experiment(auth_client, tech):
    body_weight_procedure()
    mice = [MouseFactory(centre=tech.centre) for _ in range(3)]
    response = auth_client(tech).post("/api/v1/experiments/bulk/",
                                      {"experiments": [_bulk_item(m) for m in mice]}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["count"] == 3
    assert Experiment.objects.count() == 3


def test_bulk_post_commits_nothing_and_names_each_bad_item(auth_client, tech, outsider):
    body_weight_procedure()
    mice = [MouseFactory(centre=tech.centre) for _ in range(4)]
    items = [_bulk_item(mice[0]), _bulk_item(mice[1], IMPC_BWT_001_001="heavy"), _bulk_item(mice[2]),
             _bulk_item(mice[3], IMPC_BWT_003_001="")]
    response = auth_client(tech).post("/api/v1/experiments/bulk/", {"experiments": items}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"experiments[1].IMPC_BWT_001_001", "experiments[3].IMPC_BWT_003_001"}
    assert "must be a number" in errors["experiments[1].IMPC_BWT_001_001"][0]
    assert Experiment.objects.count() == 0


def test_bulk_post_refuses_another_centres_mouse_by_index(auth_client, tech, outsider):
    body_weight_procedure()
    ours, theirs = MouseFactory(centre=tech.centre), MouseFactory(centre=outsider.centre)
    response = auth_client(tech).post("/api/v1/experiments/bulk/",
                                      {"experiments": [_bulk_item(ours), _bulk_item(theirs)]}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"experiments[1].mouse"}
    assert Experiment.objects.count() == 0


def test_bulk_post_needs_a_list(auth_client, tech):
    response = auth_client(tech).post("/api/v1/experiments/bulk/", {"experiments": []}, format="json")
    assert response.status_code == 400
    assert auth_client(tech).post("/api/v1/experiments/bulk/", {"experiments": 1}, format="json").status_code == 400
