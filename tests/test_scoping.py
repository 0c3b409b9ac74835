"""Per-centre security: records of another centre are never found (404), read-only users never write."""
import pytest

from colonies.models import Mouse
from tests.factories import ColonyFactory, MicroInjectionFactory, MouseFactory, StrainFactory

pytestmark = pytest.mark.django_db

ROUTES = ["plans", "es-cells", "microinjections", "colonies", "mice"]


@pytest.fixture
def line(centre):
    mouse = MouseFactory(centre=centre)
    attempt = mouse.colony.microinjection
    return {"mice": mouse, "colonies": mouse.colony, "microinjections": attempt, "plans": attempt.plan,
            "es-cells": attempt.es_cell}


@pytest.mark.parametrize("route", ROUTES)
def test_outsider_gets_404_and_an_empty_list(auth_client, outsider, line, route):
    client = auth_client(outsider)
    record = line[route]
    assert client.get(f"/api/v1/{route}/{record.pk}/").status_code == 404
    assert client.get(f"/api/v1/{route}/{record.pk}/history/").status_code == 404
    assert client.patch(f"/api/v1/{route}/{record.pk}/", {"comments": "x"}).status_code == 404
    assert client.delete(f"/api/v1/{route}/{record.pk}/").status_code in (404, 405)
    assert client.get(f"/api/v1/{route}/").json()["count"] == 0


@pytest.mark.parametrize("route", ROUTES)
def test_member_sees_own_centre(auth_client, tech, line, route):
    response = auth_client(tech).get(f"/api/v1/{route}/{line[route].pk}/")
    assert response.status_code == 200
    assert response.json()["centre"] == "H"


def test_foreign_key_to_another_centre_is_refused(auth_client, outsider, line):
    StrainFactory()
    response = auth_client(outsider).post("/api/v1/mice/", {
        "specimen_id": "STOLEN-1", "colony": line["colonies"].name, "strain": "C57BL/6N", "sex": "male",
        "date_of_birth": "2026-01-05", "zygosity": "heterozygous",
    })
    assert response.status_code == 400
    assert "colony" in response.json()["errors"]
    assert not Mouse.objects.filter(specimen_id="STOLEN-1").exists()


def test_read_only_user_cannot_write(auth_client, readonly, line):
    client = auth_client(readonly)
    assert client.get("/api/v1/mice/").status_code == 200
    response = client.patch(f"/api/v1/mice/{line['mice'].pk}/", {"litter_code": "X"})
    assert response.status_code == 403
    assert response.json()["detail"]


def test_anonymous_user_is_refused(api_client, line):
    assert api_client.get("/api/v1/mice/").status_code in (401, 403)


def test_client_cannot_set_centre_or_status(auth_client, tech, other_centre):
    attempt = MicroInjectionFactory(centre=tech.centre, total_male_chimeras=0, number_of_het_offspring=0,
                                    status="mip")
    response = auth_client(tech).patch(
        f"/api/v1/microinjections/{attempt.pk}/", {"status": "Genotype confirmed", "status_code": "gtc",
                                                   "centre": other_centre.code, "comments": "checked"},
    )
    assert response.status_code == 200, response.content
    attempt.refresh_from_db()
    assert attempt.status == "mip" and attempt.centre_id == tech.centre_id and attempt.comments == "checked"


def test_colony_list_filters_and_pins_queries(auth_client, tech, django_assert_max_num_queries):
    for _ in range(5):
        ColonyFactory(centre=tech.centre)
    client = auth_client(tech)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/colonies/")
    assert response.json()["count"] == 5
    first = response.json()["results"][0]["name"]
    assert client.get("/api/v1/colonies/", {"q": first}).json()["count"] == 1
