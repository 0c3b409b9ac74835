"""Production through the API: the acceptance points of the production issue, CRISPR, abort, locks, warnings."""
import datetime as dt

import pytest
from django.utils import timezone

from colonies.models import Colony, MicroInjection, PhenotypingAttempt
from tests.factories import (
    ColonyFactory,
    EsCellFactory,
    MicroInjectionFactory,
    MouseFactory,
    PlanFactory,
    StrainFactory,
)

pytestmark = pytest.mark.django_db
GUIDE = {"sequence": "GATTACAGATTACAGATTACAGG", "pam": "AGG", "chromosome": "2", "start": 100, "end": 122,
         "strand": "+"}


def test_chimeras_and_genotype_confirmed_with_stamps_then_rollback_and_abort(auth_client, manager):
    plan = PlanFactory(centre=manager.centre)
    es_cell = EsCellFactory(centre=manager.centre, gene=plan.gene)
    client = auth_client(manager)
    created = client.post("/api/v1/microinjections/", {"plan": plan.pk, "es_cell": es_cell.name,
                                                       "external_ref": "ACC-1", "mi_date": "2026-02-01"})
    url = f"/api/v1/microinjections/{created.json()['id']}/"
    body = client.patch(url, {"total_male_chimeras": 1}).json()
    assert body["status"] == "Chimeras obtained"
    stamp = {s["status"]: s["reached_on"] for s in body["stamps"]}
    assert stamp["Chimeras obtained"] == timezone.localdate().isoformat()
    body = client.patch(url, {"number_of_het_offspring": 2}).json()
    assert body["status"] == "Genotype confirmed"
    body = client.patch(url, {"number_of_het_offspring": 0}).json()
    assert "Genotype confirmed" not in {s["status"] for s in body["stamps"]}
    body = client.patch(url, {"is_active": False}).json()
    assert body["status"] == "Micro-injection aborted"
    assert client.patch(url, {"status": "mip"}).json()["status"] == "Micro-injection aborted"


def test_abort_action_needs_a_reason_and_records_it(auth_client, manager):
    attempt = MicroInjectionFactory(centre=manager.centre)
    client = auth_client(manager)
    url = f"/api/v1/microinjections/{attempt.pk}/abort/"
    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"reason": "embryos lost in transfer"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "Micro-injection aborted"
    assert response.json()["aborted_reason"] == "embryos lost in transfer"
    assert client.post(url, {"reason": "embryos lost in transfer"}).status_code == 409
    history = client.get(f"/api/v1/microinjections/{attempt.pk}/history/").json()
    assert history[-1]["reason"] == "embryos lost in transfer"
    assert history[-1]["action"] == "colonies.microinjection.aborted"


def test_crispr_attempt_founder_obtained_and_reagent_rules(auth_client, manager):
    plan = PlanFactory(centre=manager.centre)
    client = auth_client(manager)
    base = {"plan": plan.pk, "kind": "crispr", "external_ref": "CR-1", "mi_date": "2026-02-01",
            "crsp_total_embryos_injected": 100, "crsp_total_embryos_survived": 80, "crsp_total_transfered": 70,
            "crsp_no_founder_pups": 6, "no_nhej_g0_mutants": 2}
    missing = client.post("/api/v1/microinjections/", base, format="json")
    assert missing.status_code == 400
    assert {"guides", "nucleases"} <= set(missing.json()["errors"])
    short_guide = client.post("/api/v1/microinjections/", {
        **base, "guides": [{"sequence": "ACGT"}], "nucleases": [{"nuclease_type": "Cas9", "nuclease_class": "mRNA"}],
    }, format="json")
    assert "at least 16 bases" in short_guide.json()["errors"]["guides"][0]
    ok = client.post("/api/v1/microinjections/", {
        **base, "guides": [GUIDE], "nucleases": [{"nuclease_type": "Cas9", "nuclease_class": "mRNA"}],
    }, format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["status"] == "Founder obtained"
    assert ok.json()["guides"][0]["sequence"] == GUIDE["sequence"]
    both = client.post("/api/v1/microinjections/", {**base, "external_ref": "CR-2", "guides": [GUIDE],
                                                    "nucleases": [{"nuclease_type": "Cas9", "nuclease_class": "mRNA"}],
                                                    "es_cell": EsCellFactory(centre=manager.centre, gene=plan.gene).name},
                       format="json")
    assert both.status_code == 400 and "es_cell" in both.json()["errors"]


def test_crispr_attempt_is_confirmed_through_its_colony(auth_client, manager):
    from colonies import services

    plan = PlanFactory(centre=manager.centre)
    attempt = services.microinjection_create(
        actor=manager, plan=plan, kind="crispr", external_ref="CR-9", mi_date=dt.date(2026, 2, 1), no_hr_g0_mutants=1,
        guides=[GUIDE], nucleases=[{"nuclease_type": "Cas9", "nuclease_class": "protein"}])
    client = auth_client(manager)
    colony = client.post("/api/v1/colonies/", {"name": "CR-9-COL", "microinjection": attempt.pk,
                                               "background_strain": StrainFactory().name})
    assert colony.status_code == 201, colony.content
    assert client.get(f"/api/v1/microinjections/{attempt.pk}/").json()["status"] == "Founder obtained"
    client.patch(f"/api/v1/colonies/{colony.json()['id']}/", {"genotype_status": "confirmed"})
    assert client.get(f"/api/v1/microinjections/{attempt.pk}/").json()["status"] == "Genotype confirmed"


def test_dates_cannot_be_in_the_future_or_before_mi_date(auth_client, manager):
    plan = PlanFactory(centre=manager.centre)
    es_cell = EsCellFactory(centre=manager.centre, gene=plan.gene)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = auth_client(manager).post("/api/v1/microinjections/", {
        "plan": plan.pk, "es_cell": es_cell.name, "external_ref": "D-1", "mi_date": future})
    assert "mi_date" in response.json()["errors"]
    response = auth_client(manager).post("/api/v1/microinjections/", {
        "plan": plan.pk, "es_cell": es_cell.name, "external_ref": "D-1", "mi_date": "2026-02-01",
        "date_chimeras_mated": "2026-01-01"})
    assert "before mi_date" in response.json()["errors"]["date_chimeras_mated"][0]


def test_es_cell_gene_must_be_the_plans_gene_and_external_ref_unique_ignoring_case(auth_client, manager):
    plan = PlanFactory(centre=manager.centre)
    other_gene_cell = EsCellFactory(centre=manager.centre)
    client = auth_client(manager)
    wrong = client.post("/api/v1/microinjections/", {"plan": plan.pk, "es_cell": other_gene_cell.name,
                                                     "external_ref": "G-1", "mi_date": "2026-02-01"})
    assert "es_cell" in wrong.json()["errors"]
    MicroInjectionFactory(centre=manager.centre, external_ref="Dup-Ref")
    dup = client.post("/api/v1/microinjections/", {"plan": plan.pk, "es_cell": EsCellFactory(
        centre=manager.centre, gene=plan.gene).name, "external_ref": "  dup-ref ", "mi_date": "2026-02-01"})
    assert dup.status_code == 400 and "external_ref" in dup.json()["errors"]


def test_es_cell_strain_from_cell_line_and_qc_values(auth_client, manager):
    gene = PlanFactory(centre=manager.centre).gene
    client = auth_client(manager)
    ok = client.post("/api/v1/es-cells/", {"name": "EPD1", "gene": gene.symbol, "parental_cell_line": "JM8.N4",
                                           "production_qc": {"loxp_screen": "pass", "southern_blot": "na"},
                                           "user_qc": {"karyotype": "limit"}}, format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["strain"] == "C57BL/6N"
    agouti = client.post("/api/v1/es-cells/", {"name": "EPD2", "gene": gene.symbol,
                                               "parental_cell_line": "JM8A3.N1"}, format="json")
    assert agouti.json()["strain"] == "C57BL/6N-A<tm1Brd>/a"
    unknown = client.post("/api/v1/es-cells/", {"name": "EPD3", "gene": gene.symbol,
                                                "parental_cell_line": "XYZ1"}, format="json")
    assert "is not recognised" in unknown.json()["errors"]["parental_cell_line"][0]
    bad_qc = client.post("/api/v1/es-cells/", {"name": "EPD4", "gene": gene.symbol, "parental_cell_line": "C2",
                                               "production_qc": {"loxp_screen": "maybe"}}, format="json")
    assert "not na, pass or fail" in bad_qc.json()["errors"]["production_qc"][0]


def test_plan_warns_when_the_gene_is_planned_or_injected_elsewhere(auth_client, manager, other_centre):
    existing = MicroInjectionFactory(centre=other_centre)
    response = auth_client(manager).post("/api/v1/plans/", {"gene": existing.plan.gene.symbol, "consortium": "BaSH"})
    assert response.status_code == 201
    warnings = " ".join(response.json()["warnings"])
    assert "already has a plan" in warnings and "micro-injected" in warnings
    lonely = auth_client(manager).post("/api/v1/plans/", {"gene": PlanFactory(centre=other_centre).gene.symbol,
                                                       "consortium": "BaSH"})
    assert "micro-injected" not in " ".join(lonely.json()["warnings"])


def test_colony_name_and_strain_lock_after_dcc_submission(auth_client, manager):
    colony = ColonyFactory(centre=manager.centre)
    client = auth_client(manager)
    url = f"/api/v1/colonies/{colony.pk}/"
    assert client.patch(url, {"name": "RENAMED-1"}).status_code == 200
    Colony.objects.filter(pk=colony.pk).update(dcc_submitted_at=timezone.now())
    locked = client.patch(url, {"name": "RENAMED-2"})
    assert locked.status_code == 409
    assert "submitted to the DCC" in locked.json()["detail"]
    strain = client.patch(url, {"background_strain": StrainFactory(name="C57BL/6J", mgi_id="MGI:3028467").name})
    assert strain.status_code == 409
    assert client.patch(url, {"allele_symbol": "Gene<tm1b>"}).status_code == 200
    colony.refresh_from_db()
    assert colony.name == "RENAMED-1"


def test_allele_modification_makes_a_child_colony_and_reaches_cre_excision_complete(auth_client, manager):
    parent = ColonyFactory(centre=manager.centre)
    StrainFactory(name="Tg(Zp3-cre)3Mrt", mgi_id="", is_deleter=True, is_background=False)
    client = auth_client(manager)
    created = client.post("/api/v1/allele-modifications/", {
        "parent_colony": parent.name, "deleter_strain": "Tg(Zp3-cre)3Mrt", "number_of_cre_matings_started": 4,
        "background_strain": parent.background_strain.name})
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "Cre Excision Started"
    assert created.json()["child_colony"] == f"{parent.name}-1"
    url = f"/api/v1/allele-modifications/{created.json()['id']}/"
    body = client.patch(url, {"number_of_cre_matings_successful": 2, "allele_type": "b"}).json()
    assert body["status"] == "Cre Excision Complete"
    too_many = client.patch(url, {"number_of_cre_matings_successful": 9})
    assert "number_of_cre_matings_successful" in too_many.json()["errors"]


def test_allele_modification_needs_a_confirmed_parent(auth_client, manager):
    parent = ColonyFactory(centre=manager.centre, genotype_status=Colony.GenotypeStatus.IN_PROGRESS)
    response = auth_client(manager).post("/api/v1/allele-modifications/", {"parent_colony": parent.name, "tat_cre": True})
    assert response.status_code == 400 and "parent_colony" in response.json()["errors"]


def test_phenotyping_attempt_starts_with_the_first_experiment(auth_client, manager):
    from procedures.services import EnteredValue, experiment_record
    from tests.factories import BODY_WEIGHT_VALUES, body_weight_procedure

    mouse = MouseFactory(centre=manager.centre)
    client = auth_client(manager)
    created = client.post("/api/v1/phenotyping-attempts/", {"parent_colony": mouse.colony.name})
    assert created.status_code == 201, created.content
    assert created.json()["colony_name"] == f"{mouse.colony.name}_H"
    assert created.json()["status"] == "Phenotype Attempt Registered"
    dup = client.post("/api/v1/phenotyping-attempts/", {"parent_colony": mouse.colony.name,
                                                        "colony_name": f" {mouse.colony.name.lower()}_h "})
    assert dup.status_code == 400 and "colony_name" in dup.json()["errors"]
    experiment_record(mouse=mouse, procedure=body_weight_procedure(), date_of_experiment=dt.date(2026, 3, 2),
                      values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()}, actor=manager)
    url = f"/api/v1/phenotyping-attempts/{created.json()['id']}/"
    assert client.get(url).json()["status"] == "Phenotyping Started"
    renamed = client.patch(url, {"colony_name": "NEW-COHORT"})
    assert renamed.status_code == 409
    assert client.patch(url, {"phenotyping_complete": True}).json()["status"] == "Phenotyping Complete"
    assert PhenotypingAttempt.objects.get(pk=created.json()["id"]).stamps.count() == 3


def test_outsider_cannot_reach_new_production_records(auth_client, manager, outsider):
    mouse = MouseFactory(centre=manager.centre)
    attempt = auth_client(manager).post("/api/v1/phenotyping-attempts/", {"parent_colony": mouse.colony.name}).json()
    client = auth_client(outsider)
    assert client.get(f"/api/v1/phenotyping-attempts/{attempt['id']}/").status_code == 404
    assert client.post(f"/api/v1/phenotyping-attempts/{attempt['id']}/abort/", {"reason": "not mine at all"}
                       ).status_code == 404
    stolen = client.post("/api/v1/phenotyping-attempts/", {"parent_colony": mouse.colony.name})
    assert stolen.status_code == 400 and "parent_colony" in stolen.json()["errors"]
    assert MicroInjection.objects.filter(centre=outsider.centre).count() == 0
