"""Per-centre security: records of another centre are never found (404), read-only users never write."""
import pytest

from colonies.api.urls import router
from colonies.models import Mouse
from lims.models import Role
from tests.factories import (
    CageFactory,
    ColonyFactory,
    GenotypingAssayFactory,
    LitterFactory,
    MicroInjectionFactory,
    MouseFactory,
    RoomFactory,
    StrainFactory,
    UserFactory,
    ZygosityRuleFactory,
    pair_mating,
)

pytestmark = pytest.mark.django_db

ROUTES = ["plans", "es-cells", "microinjections", "colonies", "mice", "rooms", "racks", "cages", "matings", "litters",
          "genotypes", "genotyping-assays", "zygosity-rules"]
NO_UPDATE = {"racks", "genotypes"}
# Routes of the colonies router checked elsewhere, with where.
CHECKED_ELSEWHERE = {"allele-modifications": "tests/colonies/test_production_api.py",
                     "phenotyping-attempts": "tests/colonies/test_production_api.py"}


@pytest.fixture
def line(centre):
    from colonies import services

    mouse = MouseFactory(centre=centre)
    attempt = mouse.colony.microinjection
    litter = LitterFactory(mating=pair_mating(centre=centre, colony=mouse.colony))
    cage = CageFactory(centre=centre)
    rule = ZygosityRuleFactory(assay=GenotypingAssayFactory(centre=centre))
    actor = UserFactory(centre=centre, role=Role.TECHNICIAN, username="line-maker")
    result = services.result_record(actor=actor, mouse=mouse, assay=rule.assay, call=rule.call,
                                    tested_on=mouse.date_of_birth, sample_id="S-1", sample_type="ear",
                                    collected_on=mouse.date_of_birth)
    return {"mice": mouse, "colonies": mouse.colony, "microinjections": attempt, "plans": attempt.plan,
            "es-cells": attempt.es_cell, "rooms": RoomFactory(centre=centre), "racks": cage.rack, "cages": cage,
            "matings": litter.mating, "litters": litter, "genotypes": result, "genotyping-assays": rule.assay,
            "zygosity-rules": rule}


def test_every_colonies_route_is_checked_for_scoping():
    registered = {prefix for prefix, _, _ in router.registry}
    assert registered == set(ROUTES) | set(CHECKED_ELSEWHERE)


@pytest.mark.parametrize("route", ROUTES)
def test_outsider_gets_404_and_an_empty_list(auth_client, outsider, line, route):
    client = auth_client(outsider)
    record = line[route]
    assert client.get(f"/api/v1/{route}/{record.pk}/").status_code == 404
    assert client.get(f"/api/v1/{route}/{record.pk}/history/").status_code == 404
    # Racks are renamed in the admin and genotyping results are voided, never edited: no PATCH at all.
    expected = 405 if route in NO_UPDATE else 404
    assert client.patch(f"/api/v1/{route}/{record.pk}/", {"comments": "x"}).status_code == expected
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


def test_client_cannot_set_centre_or_status(auth_client, manager, other_centre):
    attempt = MicroInjectionFactory(centre=manager.centre, total_male_chimeras=0, number_of_het_offspring=0,
                                    status="mip")
    response = auth_client(manager).patch(
        f"/api/v1/microinjections/{attempt.pk}/", {"status": "Genotype confirmed", "status_code": "gtc",
                                                   "centre": other_centre.code, "comments": "checked"},
    )
    assert response.status_code == 200, response.content
    attempt.refresh_from_db()
    assert attempt.status == "mip" and attempt.centre_id == manager.centre_id and attempt.comments == "checked"


def test_colony_list_filters_and_pins_queries(auth_client, tech, django_assert_max_num_queries):
    for _ in range(5):
        ColonyFactory(centre=tech.centre)
    client = auth_client(tech)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/colonies/")
    assert response.json()["count"] == 5
    first = response.json()["results"][0]["name"]
    assert client.get("/api/v1/colonies/", {"q": first}).json()["count"] == 1
