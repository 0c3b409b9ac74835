"""What the DCC already has keeps its identity (issue 17, points 1 and 2).

The probe renamed a delivered mouse (`PATCH /api/v1/mice/1/ {"specimen_id": "H1001-RENAMED"}` → 200, and the next
export sent `<mouse specimenID="H1001-RENAMED">` to edit/ with its experiments), changed its sex and colony, changed
a submitted colony's gene and attempt (even to an attempt still in progress), created a colony whose gene is not
its attempt's, and moved a phenotyping cohort to another colony after phenotyping started. Here each is refused
(409 naming the rule, or 400 as at creation), or goes through the one path the DCC format can carry: a correction
with a reason, sent to edit/ under the same specimenID. Exports are real (XML, XSD, zip, outbox).
"""
import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from colonies.models import Colony, MicroInjection, Mouse, PhenotypingAttempt
from lims.audit import history_for
from procedures.dcc.models import Submission
from procedures.dcc.services import submission_build, submission_create
from tests.dcc.conftest import BORN
from tests.dcc.helpers import SPECIMEN_NS, parse, q, read_zip
from tests.factories import ColonyFactory, GeneFactory, MicroInjectionFactory, MouseFactory, PlanFactory

Status = Submission.Status


def export(centre, actor, out_dir) -> Submission:
    return submission_build(submission_id=submission_create(centre=centre, actor=actor, out_dir=out_dir).pk)


def specimens_sent(submission) -> dict[str, list[dict]]:
    """{folder: [attributes of each <mouse>]} of a submission's specimen files, read back from the zips."""
    sent: dict[str, list[dict]] = {}
    for file in submission.files.filter(kind="specimen"):
        root = parse(read_zip(file.path)[1])
        sent.setdefault(file.folder, []).extend(dict(m.attrib) for m in root.iter(q(SPECIMEN_NS, "mouse")))
    return sent


@pytest.fixture
def delivered(centre, wrangler, mutant, record_weight, tmp_path):
    """The probe's state: a mutant with a body weight, delivered to the DCC."""
    record_weight(mutant)
    submission = export(centre, wrangler, tmp_path)
    assert submission.status == Status.DELIVERED, submission.errors
    mutant.refresh_from_db()
    return mutant


# --- The stamp ----------------------------------------------------------------------------------------------------


def test_the_export_stamps_the_mice_and_colonies_it_sends(delivered):
    assert delivered.dcc_submitted_at is not None
    assert delivered.colony.dcc_submitted_at is not None
    assert Colony.objects.get(pk=delivered.colony_id).dcc_submitted_at == delivered.dcc_submitted_at


def test_a_validated_export_that_fails_before_delivery_releases_its_stamps(centre, wrangler, mutant, record_weight,
                                                                           tmp_path):
    record_weight(mutant)
    clash = tmp_path / "add" / f"H.{dt.date.today().isoformat()}.1.impc.zip"
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"someone else's zip")  # the specimen file cannot be delivered

    failed = export(centre, wrangler, tmp_path)

    assert failed.status == Status.FAILED
    mutant.refresh_from_db()
    assert mutant.dcc_submitted_at is None and mutant.colony.dcc_submitted_at is None


def test_the_migration_stamps_what_earlier_exports_sent(delivered):
    import importlib

    backfill = importlib.import_module("procedures.dcc.migrations.0006_stamp_records_already_sent")
    Mouse.objects.update(dcc_submitted_at=None)
    Colony.objects.update(dcc_submitted_at=None)

    with connection.schema_editor() as editor:
        backfill.stamp(None, editor)

    delivered.refresh_from_db()
    started = Submission.objects.get().started_at
    assert delivered.dcc_submitted_at == started
    assert delivered.colony.dcc_submitted_at == started


# --- Mice -----------------------------------------------------------------------------------------------------------


def test_a_delivered_mouse_keeps_its_specimen_id_and_nothing_is_sent(auth_client, tech, wrangler, centre, delivered,
                                                                     tmp_path):
    response = auth_client(tech).patch(f"/api/v1/mice/{delivered.pk}/", {"specimen_id": "H1001-RENAMED"})

    assert response.status_code == 409
    assert response.json()["errors"]["specimen_id"][0].startswith(
        f"Mouse H-MUT-001 was sent to the DCC on {delivered.dcc_submitted_at:%Y-%m-%d}, which files it under its "
        "specimen ID: the ID cannot change")
    delivered.refresh_from_db()
    assert delivered.specimen_id == "H-MUT-001"
    assert export(centre, wrangler, tmp_path).status == Status.NOTHING


@pytest.mark.parametrize("field, value", [
    ("sex", "male"), ("date_of_birth", (BORN - dt.timedelta(days=3)).isoformat()), ("is_baseline", True),
])
def test_a_delivered_mouses_identity_changes_only_by_a_correction(auth_client, tech, delivered, field, value):
    response = auth_client(tech).patch(f"/api/v1/mice/{delivered.pk}/", {field: value}, format="json")

    assert response.status_code == 409, response.content
    message = response.json()["errors"][field][0]
    assert "can change only by a correction with a reason" in message
    assert f"/api/v1/mice/{delivered.pk}/correct/" in message


def test_a_delivered_mouse_cannot_move_to_another_colony_by_an_edit(auth_client, tech, delivered):
    other = ColonyFactory(centre=delivered.centre, name="H-OTHER")
    response = auth_client(tech).patch(f"/api/v1/mice/{delivered.pk}/", {"colony": other.name})
    assert response.status_code == 409 and "colony" in response.json()["errors"]
    assert Mouse.objects.get(pk=delivered.pk).colony_id == delivered.colony_id


def test_other_fields_of_a_delivered_mouse_still_change(auth_client, tech, delivered):
    response = auth_client(tech).patch(f"/api/v1/mice/{delivered.pk}/", {"ear_mark": "L2", "generation": "N2F1"})
    assert response.status_code == 200, response.content


def test_a_mouse_not_yet_sent_can_be_renamed(auth_client, tech, centre):
    mouse = MouseFactory(centre=centre)
    response = auth_client(tech).patch(f"/api/v1/mice/{mouse.pk}/", {"specimen_id": "H-RENAMED-OK", "sex": "male"})
    assert response.status_code == 200, response.content


def test_a_correction_with_a_reason_is_sent_to_edit_under_the_same_specimen_id(auth_client, tech, wrangler, centre,
                                                                             delivered, tmp_path):
    response = auth_client(tech).post(f"/api/v1/mice/{delivered.pk}/correct/",
                                      {"sex": "male", "reason": "Sexed as female at weaning; male at necropsy."})

    assert response.status_code == 200, response.content
    assert response.json()["sex"] == "male"
    corrected = [e for e in history_for(delivered) if e["action"] == "colonies.mouse.corrected"]
    assert [(e["reason"], e["changes"]["sex"]) for e in corrected] == [
        ("Sexed as female at weaning; male at necropsy.", ["female", "male"])]
    resent = export(centre, wrangler, tmp_path)
    assert resent.status == Status.DELIVERED, resent.errors
    sent = specimens_sent(resent)
    assert list(sent) == ["edit"]
    (mouse,) = sent["edit"]
    assert (mouse["specimenID"], mouse["gender"]) == ("H-MUT-001", "male")
    assert not [f for f in resent.files.all() if f.folder == "add"]


def test_a_correction_needs_a_reason_and_identity_fields_only(auth_client, tech, delivered):
    url = f"/api/v1/mice/{delivered.pk}/correct/"
    client = auth_client(tech)

    short = client.post(url, {"sex": "male", "reason": "x"})
    renamed = client.post(url, {"specimen_id": "H1001-RENAMED", "reason": "The label was misread."})
    other = client.post(url, {"ear_mark": "R1", "reason": "The label was misread."})
    nothing = client.post(url, {"sex": delivered.sex, "reason": "The label was misread."})

    assert short.status_code == 400 and "at least 10 characters" in short.json()["errors"]["reason"][0]
    assert renamed.status_code == 409 and "specimen_id" in renamed.json()["errors"]
    assert other.status_code == 400 and "ear_mark" in other.json()["errors"]
    assert nothing.status_code == 400 and "Nothing to correct" in nothing.json()["detail"]
    assert Mouse.objects.get(pk=delivered.pk).sex == delivered.sex


def test_the_edit_page_locks_identity_and_the_correct_page_corrects(client, tech, delivered):
    client.force_login(tech)
    edit = client.get(reverse("colonies:mouse_update", args=[delivered.pk]))
    form = edit.context["form"]
    assert form.fields["sex"].disabled and form.fields["colony"].disabled and form.fields["date_of_birth"].disabled
    assert not form.fields["ear_mark"].disabled
    detail = client.get(delivered.get_absolute_url()).content.decode()
    assert reverse("colonies:mouse_correct", args=[delivered.pk]) in detail

    url = reverse("colonies:mouse_correct", args=[delivered.pk])
    data = {"sex": "male", "date_of_birth": delivered.date_of_birth.isoformat(), "colony": delivered.colony_id,
            "strain": delivered.strain_id, "version": delivered.version}
    too_short = client.post(url, {**data, "reason": "typo"})
    assert too_short.status_code == 200 and "reason" in too_short.context["form"].errors
    done = client.post(url, {**data, "reason": "Sexed wrongly at weaning."})
    assert done.status_code == 302
    assert Mouse.objects.get(pk=delivered.pk).sex == "male"


# --- Colonies, attempts, plans, cohorts --------------------------------------------------------------------------


def test_a_colony_takes_its_attempts_gene_or_is_refused(auth_client, manager):
    attempt = MicroInjectionFactory(centre=manager.centre, plan=PlanFactory(centre=manager.centre,
                                                                       gene=GeneFactory(symbol="Cbx1")))
    akt2 = GeneFactory(symbol="Akt2")
    strain = ColonyFactory(centre=manager.centre).background_strain

    response = auth_client(manager).post("/api/v1/colonies/", {"name": "H-WRONG", "microinjection": attempt.pk,
                                                            "gene": akt2.symbol, "background_strain": strain.name})

    assert response.status_code == 400
    assert response.json()["errors"]["gene"] == [
        f"Micro-injection attempt {attempt} is for Cbx1, not Akt2: a colony carries the gene of the line it comes "
        "from."]
    assert not Colony.objects.filter(name="H-WRONG").exists()


def test_a_colony_cannot_move_to_an_attempt_in_progress(auth_client, manager):
    colony = ColonyFactory(centre=manager.centre)
    running = MicroInjectionFactory(centre=manager.centre, plan=colony.microinjection.plan,
                                    es_cell=colony.microinjection.es_cell, total_male_chimeras=0,
                                    number_of_het_offspring=0, status=MicroInjection.Status.IN_PROGRESS)

    response = auth_client(manager).patch(f"/api/v1/colonies/{colony.pk}/", {"microinjection": running.pk})

    assert response.status_code == 400
    assert "genotype-confirmed" in response.json()["errors"]["microinjection"][0]


@pytest.mark.parametrize("change", ["gene", "microinjection"])
def test_a_submitted_colonys_gene_and_attempt_are_locked(auth_client, manager, delivered, change):
    colony = delivered.colony
    other = MicroInjectionFactory(centre=manager.centre)
    body = {"gene": other.plan.gene.symbol} if change == "gene" else {"microinjection": other.pk}

    response = auth_client(manager).patch(f"/api/v1/colonies/{colony.pk}/", body)

    assert response.status_code == 409
    assert "cannot change: its data was submitted to the DCC" in response.json()["errors"][change][0]


def test_a_plan_or_attempt_keeps_the_gene_its_colonies_carry(auth_client, manager):
    colony = ColonyFactory(centre=manager.centre)
    attempt = colony.microinjection
    other_plan = PlanFactory(centre=manager.centre)

    plan = auth_client(manager).patch(f"/api/v1/plans/{attempt.plan_id}/", {"gene": other_plan.gene.symbol})
    moved = auth_client(manager).patch(f"/api/v1/microinjections/{attempt.pk}/", {"plan": other_plan.pk})

    assert plan.status_code == 409 and colony.name in plan.json()["errors"]["gene"][0]
    assert moved.status_code == 409 and "plan" in moved.json()["errors"]


def test_a_cohort_keeps_its_parent_once_phenotyping_started(auth_client, manager, delivered):
    cohort = PhenotypingAttempt.objects.create(centre=manager.centre, parent_colony=delivered.colony,
                                               colony_name="H-MUT_H", phenotyping_started=True)
    other = ColonyFactory(centre=manager.centre)

    response = auth_client(manager).patch(f"/api/v1/phenotyping-attempts/{cohort.pk}/", {"parent_colony": other.name})

    assert response.status_code == 409
    assert "parent_colony" in response.json()["errors"]
    assert PhenotypingAttempt.objects.get(pk=cohort.pk).parent_colony_id == delivered.colony_id


def test_a_cohort_of_a_submitted_colony_keeps_its_parent_even_before_phenotyping(auth_client, manager, delivered):
    cohort = PhenotypingAttempt.objects.create(centre=manager.centre, parent_colony=delivered.colony,
                                               colony_name="H-MUT_H2")
    other = ColonyFactory(centre=manager.centre)
    response = auth_client(manager).patch(f"/api/v1/phenotyping-attempts/{cohort.pk}/", {"parent_colony": other.name})
    assert response.status_code == 409 and "submitted to the DCC" in response.json()["detail"]


def test_a_cohort_moves_only_to_a_genotype_confirmed_colony_as_at_creation(auth_client, manager):
    cohort = PhenotypingAttempt.objects.create(centre=manager.centre, parent_colony=ColonyFactory(centre=manager.centre),
                                               colony_name="FREE_H")
    unconfirmed = ColonyFactory(centre=manager.centre, genotype_status=Colony.GenotypeStatus.IN_PROGRESS)
    response = auth_client(manager).patch(f"/api/v1/phenotyping-attempts/{cohort.pk}/",
                                       {"parent_colony": unconfirmed.name})
    assert response.status_code == 400 and "genotype confirmed" in response.json()["errors"]["parent_colony"][0]


def test_an_identity_change_during_an_export_build_is_refused_until_the_build_ends(auth_client, tech, centre):
    """GIVEN an export of the centre between its snapshot and its stamp (it holds the build lock), WHEN a mouse's
    sex changes, THEN the change is refused (the export may be sending the mouse as it was); other fields save."""
    import threading

    from django.db import connections

    from lims.locks import DCC_BUILD_LOCK

    mouse = MouseFactory(centre=centre)
    holding, release = threading.Event(), threading.Event()

    def build():
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [DCC_BUILD_LOCK, centre.pk])
            holding.set()
            release.wait(timeout=30)
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [DCC_BUILD_LOCK, centre.pk])
        connections.close_all()

    thread = threading.Thread(target=build)
    thread.start()
    try:
        assert holding.wait(timeout=10)
        during = auth_client(tech).patch(f"/api/v1/mice/{mouse.pk}/", {"sex": "male"})
        ear_mark = auth_client(tech).patch(f"/api/v1/mice/{mouse.pk}/", {"ear_mark": "R2"})
    finally:
        release.set()
        thread.join(timeout=30)
    after = auth_client(tech).patch(f"/api/v1/mice/{mouse.pk}/", {"sex": "male"})

    assert during.status_code == 409 and "being built" in during.json()["detail"]
    assert ear_mark.status_code == 200
    assert after.status_code == 200 and after.json()["sex"] == "male"
