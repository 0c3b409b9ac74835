"""The walking skeleton through the API: gene → ES cell → attempt → colony → mice → scheduled body weight → value."""
import datetime as dt

import pytest
from rest_framework.test import APIClient

from procedures.models import ScheduledTest
from procedures.services import mice_enrol
from tests.factories import (
    BODY_WEIGHT_VALUES,
    ConsortiumFactory,
    GeneFactory,
    StrainFactory,
    body_weight_procedure,
)

pytestmark = pytest.mark.django_db


def test_token_authentication(tech):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "tech", "password": "correct-horse-battery"})
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/mice/").status_code == 200
    bad = APIClient().post("/api/v1/auth/token/", {"username": "tech", "password": "wrong"})
    assert bad.status_code == 400


def test_line_from_gene_to_recorded_body_weight(auth_client, manager):
    GeneFactory(symbol="Pax6", mgi_id="MGI:97490")
    ConsortiumFactory()
    StrainFactory()
    StrainFactory(name="C57BL/6NTac", mgi_id="MGI:2164831")
    procedure = body_weight_procedure()
    client = auth_client(manager)

    plan = client.post("/api/v1/plans/", {"gene": "Pax6", "consortium": "BaSH"})
    assert plan.status_code == 201, plan.content
    es_cell = client.post("/api/v1/es-cells/", {"name": "EPD0027_2_A01", "gene": "Pax6",
                                                "parental_cell_line": "JM8A3.N1", "allele_type": "a"})
    assert es_cell.status_code == 201, es_cell.content
    attempt = client.post("/api/v1/microinjections/", {
        "plan": plan.json()["id"], "es_cell": "EPD0027_2_A01", "external_ref": "H-PAX6-MI1",
        "mi_date": "2026-03-01", "total_blasts_injected": 50, "total_transferred": 40,
    })
    assert attempt.status_code == 201, attempt.content
    assert attempt.json()["status"] == "Micro-injection in progress"
    url = f"/api/v1/microinjections/{attempt.json()['id']}/"
    assert client.patch(url, {"total_male_chimeras": 3}).json()["status"] == "Chimeras obtained"
    assert client.patch(url, {"number_of_het_offspring": 4}).json()["status"] == "Genotype confirmed"

    colony = client.post("/api/v1/colonies/", {"name": "H-PAX6-A01", "microinjection": attempt.json()["id"],
                                               "background_strain": "C57BL/6N"})
    assert colony.status_code == 201, colony.content
    assert colony.json()["gene"] == "Pax6"

    mutant = client.post("/api/v1/mice/", {"specimen_id": "H0001", "colony": "H-PAX6-A01", "strain": "C57BL/6N",
                                           "sex": "female", "date_of_birth": "2026-01-05",
                                           "zygosity": "heterozygous"})
    assert mutant.status_code == 201, mutant.content
    control = client.post("/api/v1/mice/", {"specimen_id": "HB0001", "strain": "C57BL/6NTac", "sex": "male",
                                            "date_of_birth": "2026-01-05", "zygosity": "wild type",
                                            "is_baseline": True})
    assert control.status_code == 201, control.content

    from colonies.models import Mouse

    mice = list(Mouse.objects.filter(pk__in=[mutant.json()["id"], control.json()["id"]]))
    mice_enrol(mice=mice, pipeline=procedure.pipeline, actor=manager, enrolled_on=dt.date(2026, 3, 16))
    due = client.get("/api/v1/scheduled-tests/", {"mouse": "H0001", "procedure": "IMPC_BWT_001"}).json()
    assert due["count"] == 1 and due["results"][0]["status"] == "scheduled"
    test_id = due["results"][0]["id"]

    values = [{"parameter": key, "value": value} for key, value in BODY_WEIGHT_VALUES.items()]
    recorded = client.post("/api/v1/experiments/", {
        "mouse": mutant.json()["id"], "procedure": "IMPC_BWT_001", "date_of_experiment": "2026-03-16",
        "scheduled_test": test_id, "entered_values": values,
    }, format="json")
    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert {v["parameter"]: v["value"] for v in body["values"]}["IMPC_BWT_001_001"] == "24.5"
    assert body["sequence_id"] == "1"
    assert ScheduledTest.objects.get(pk=test_id).status == ScheduledTest.Status.DONE


def test_bad_body_weight_is_refused_with_the_parameter_named(auth_client, tech):
    from tests.factories import MouseFactory

    procedure = body_weight_procedure()
    mouse = MouseFactory(centre=tech.centre)
    values = [{"parameter": "IMPC_BWT_001_001", "value": "heavy"},
              {"parameter": "IMPC_BWT_003_001", "value": "SCALE-01"}]
    response = auth_client(tech).post("/api/v1/experiments/", {
        "mouse": mouse.pk, "procedure": procedure.key, "date_of_experiment": "2026-03-16", "entered_values": values,
    }, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "IMPC_BWT_001_001" in errors and "must be a number" in errors["IMPC_BWT_001_001"][0]
    assert "IMPC_BWT_005_001" in errors and "required" in errors["IMPC_BWT_005_001"][0]
    assert not mouse.experiments.exists()


def test_duplicate_colony_name_ignoring_case_and_spaces(auth_client, manager):
    from tests.factories import ColonyFactory, MicroInjectionFactory

    ColonyFactory(centre=manager.centre, name="ABC-1")
    attempt = MicroInjectionFactory(centre=manager.centre)
    response = auth_client(manager).post("/api/v1/colonies/", {"name": " abc-1 ", "microinjection": attempt.pk,
                                                            "background_strain": "C57BL/6N"})
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_schema_docs_and_health(client, tech):
    """Anonymous callers get neither schema nor docs nor health details (tests/security/test_exposure.py)."""
    client.force_login(tech)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    health = client.get("/health/")
    assert health.status_code == 200 and health.json()["database"] == "ok"


def test_counts_out_of_order_are_refused_naming_the_fields(auth_client, manager):
    from tests.factories import PlanFactory

    plan = PlanFactory(centre=manager.centre)
    response = auth_client(manager).post("/api/v1/microinjections/", {
        "plan": plan.pk, "external_ref": "H-X-1", "mi_date": "2026-03-01", "total_transferred": 30,
        "total_pups_born": 2, "total_male_chimeras": 2, "total_female_chimeras": 1,
    })
    assert response.status_code == 400
    errors = response.json()["errors"]
    # In words, on the counts that are too many (issue 13: "Male + female chimeras (9) cannot be more than …").
    assert errors["total_male_chimeras"] == errors["total_female_chimeras"] == [
        "Male + female chimeras (3) cannot be more than pups born (2)."]
    from colonies.models import MicroInjection

    assert not MicroInjection.objects.filter(external_ref="H-X-1").exists()


def test_status_stamps_follow_the_data(auth_client, manager):
    from tests.factories import EsCellFactory, PlanFactory

    plan = PlanFactory(centre=manager.centre)
    es_cell = EsCellFactory(centre=manager.centre, gene=plan.gene)
    client = auth_client(manager)
    created = client.post("/api/v1/microinjections/", {"plan": plan.pk, "es_cell": es_cell.name,
                                                       "external_ref": "H-ST-1", "mi_date": "2026-02-01"})
    url = f"/api/v1/microinjections/{created.json()['id']}/"
    assert [(s["status"], s["reached_on"]) for s in created.json()["stamps"]] == [
        ("Micro-injection in progress", "2026-02-01")]
    body = client.patch(url, {"total_male_chimeras": 2}).json()
    today = dt.date.today().isoformat()
    assert body["status"] == "Chimeras obtained"
    assert ("Chimeras obtained", today) in [(s["status"], s["reached_on"]) for s in body["stamps"]]
    body = client.patch(url, {"number_of_het_offspring": 1}).json()
    assert body["status"] == "Genotype confirmed"
    assert "Genotype confirmed" in [s["status"] for s in body["stamps"]]
    body = client.patch(url, {"number_of_het_offspring": 0}).json()
    assert body["status"] == "Chimeras obtained"
    assert "Genotype confirmed" not in [s["status"] for s in body["stamps"]]
    body = client.patch(url, {"is_active": False}).json()
    assert body["status"] == "Micro-injection aborted"
