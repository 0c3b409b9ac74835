"""Input the probe answered with 500 now answers 400 with a message in the user's words (issue 17, point 8).

- JSON QC results that are not an object (`PATCH /api/v1/es-cells/2/ {"user_qc": "x"}`);
- `child_colony_name` on an allele modification's update (documented writable);
- numbers and dates a query cannot use: `?idle=99999999999999999999` on the micro-injection list (API, page, CSV),
  `?day=9999-12-31&period=week` on the worklist, and the same kind found by walking every list: a census or report
  day at the ends of the calendar.
"""
import datetime as dt

import pytest
from django.urls import reverse

from colonies.models import AlleleModification, Colony, EsCell
from tests.factories import ColonyFactory, EsCellFactory, MicroInjectionFactory, StrainFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize("field", ["user_qc", "production_qc"])
@pytest.mark.parametrize("value", ["x", ["pass"], 3, {"karyotype": 1}])
def test_qc_results_that_are_not_an_object_of_texts_are_refused_on_the_field(auth_client, manager, field, value):
    es_cell = EsCellFactory(centre=manager.centre)

    response = auth_client(manager).patch(f"/api/v1/es-cells/{es_cell.pk}/", {field: value}, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert "object of test" in response.json()["errors"][field][0] or "is a text" in response.json()["errors"][field][0]
    es_cell.refresh_from_db()
    assert getattr(es_cell, field) == {}
    created = auth_client(manager).post("/api/v1/es-cells/", {"name": "EPD-QC-1", "gene": es_cell.gene.symbol,
                                                           "parental_cell_line": "JM8A3.N1", field: value},
                                     format="json")
    assert created.status_code == 400 and field in created.json()["errors"]
    assert not EsCell.objects.filter(name="EPD-QC-1").exists()


def _modification(auth_client, tech) -> dict:
    parent = ColonyFactory(centre=tech.centre)
    StrainFactory(name="Tg(Zp3-cre)3Mrt", mgi_id="", is_deleter=True, is_background=False)
    response = auth_client(tech).post("/api/v1/allele-modifications/", {
        "parent_colony": parent.name, "deleter_strain": "Tg(Zp3-cre)3Mrt", "number_of_cre_matings_started": 1,
        "child_colony_name": "CHILD-1"})
    assert response.status_code == 201, response.content
    return response.json()


def test_child_colony_name_on_update_renames_the_child_colony(auth_client, manager):
    created = _modification(auth_client, manager)

    response = auth_client(manager).patch(f"/api/v1/allele-modifications/{created['id']}/",
                                       {"child_colony_name": "CHILD-RENAMED"})

    assert response.status_code == 200, response.content
    assert response.json()["child_colony"] == "CHILD-RENAMED"
    assert Colony.objects.filter(allele_modification_id=created["id"]).get().name == "CHILD-RENAMED"


def test_child_colony_name_errors_are_said_on_child_colony_name(auth_client, manager):
    created = _modification(auth_client, manager)
    ColonyFactory(centre=manager.centre, name="TAKEN-1")
    client = auth_client(manager)

    taken = client.patch(f"/api/v1/allele-modifications/{created['id']}/", {"child_colony_name": "taken-1"})
    assert taken.status_code == 400
    assert "child_colony_name" in taken.json()["errors"]

    Colony.objects.filter(allele_modification_id=created["id"]).update(dcc_submitted_at=dt.datetime(2026, 1, 2,
                                                                                                   tzinfo=dt.UTC))
    locked = client.patch(f"/api/v1/allele-modifications/{created['id']}/", {"child_colony_name": "OTHER"})
    assert locked.status_code == 409
    assert "child_colony_name" in locked.json()["errors"]
    assert AlleleModification.objects.get(pk=created["id"]).child_colony.name == "CHILD-1"

    parent = ColonyFactory(centre=manager.centre)
    again = client.post("/api/v1/allele-modifications/", {"parent_colony": parent.name, "child_colony_name": "TAKEN-1"})
    assert again.status_code == 400 and "child_colony_name" in again.json()["errors"]


@pytest.mark.parametrize("value, message", [
    (HUGE, "at most 1200 months"), ("12-6", "ends before it starts"), ("soon", "FROM-TO"),
])
def test_idle_months_beyond_a_century_or_malformed_answer_400_on_api_page_and_csv(auth_client, client, tech, value,
                                                                                  message):
    MicroInjectionFactory(centre=tech.centre)

    api = auth_client(tech).get("/api/v1/microinjections/", {"idle": value})
    client.force_login(tech)
    page = client.get(reverse("colonies:microinjection_list"), {"idle": value})
    csv = client.get(reverse("colonies:microinjection_list"), {"idle": value, "export": "csv"})

    assert api.status_code == 400 and message in api.json()["errors"]["idle"][0]
    assert page.status_code == 400 and message in page.content.decode()
    assert csv.status_code == 400 and message in csv.content.decode()


def test_idle_within_range_still_filters(auth_client, tech):
    MicroInjectionFactory(centre=tech.centre)
    assert auth_client(tech).get("/api/v1/microinjections/", {"idle": "0-"}).status_code == 200
    assert auth_client(tech).get("/api/v1/microinjections/", {"idle": "1200"}).status_code == 200


@pytest.mark.parametrize("query", [
    {"day": "9999-12-31", "period": "week"}, {"day": "9999-12-31"}, {"day": "0001-01-01", "period": "week"},
])
def test_worklist_day_at_the_ends_of_the_calendar_answers_400_with_the_range(client, tech, query):
    client.force_login(tech)

    response = client.get(reverse("procedures:worklist"), query)

    assert response.status_code == 400
    assert "Give a date between 1900-01-01 and 2199-12-31." in response.content.decode()


def test_worklist_week_in_range_still_answers(client, tech):
    client.force_login(tech)
    assert client.get(reverse("procedures:worklist"), {"day": "2199-12-31", "period": "week"}).status_code == 200


@pytest.mark.parametrize("url, query", [
    ("/colony/census/", {"date": "0001-01-01"}),
    ("/colony/census/", {"from": "0001-01-01", "to": "9999-12-31"}),
    ("/reports/breeding/", {"end": "0001-01-01"}),
    ("/reports/phenotyping/", {"end": "0001-01-01"}),
    ("/reports/breeding/", {"start": "9999-12-31"}),
    ("/reports/breeding/", {"end": "not-a-day"}),
])
def test_census_and_report_days_out_of_range_answer_400(client, centre_admin, url, query):
    client.force_login(centre_admin)

    response = client.get(url, query)

    assert response.status_code == 400, response.status_code
    assert "between 1900-01-01 and 2199-12-31" in response.content.decode() or "is not a date" in \
        response.content.decode()


def test_report_api_day_out_of_range_answers_400(auth_client, centre_admin):
    response = auth_client(centre_admin).get("/api/v1/reports/breeding/", {"end": "0001-01-01"})
    assert response.status_code == 400
    assert "end" in response.json()["errors"]
