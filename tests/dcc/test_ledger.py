"""Completeness, ledger and incremental export: what the DCC gets the first time, the second time, after an edit.

Acceptance (issue 6): the demo centre's export validates against the XSD; a second export with no changes sends
nothing; after one value is edited, the next export sends exactly that experiment, to `edit/`.
"""
import datetime as dt
from pathlib import Path

import pytest

from colonies.models import Mouse
from procedures.dcc.delivery import LocalBackend
from procedures.dcc.ledger import pending_counts, plan_export
from procedures.dcc.models import FileIncrement, Submission, SubmissionFile, SubmissionRecord
from procedures.dcc.services import requeue_stale, submission_build, submission_create, work_dir_for
from procedures.models import Parameter, Procedure, ScheduledTest
from procedures.services import (
    EnteredValue,
    experiment_qc_lock,
    experiment_values_update,
    line_experiment_record,
    scheduled_test_mark_not_performed,
)
from tests.dcc.conftest import BORN, TODAY
from tests.dcc.helpers import PROCEDURE_NS, SPECIMEN_NS, parse, q, read_zip
from tests.factories import LitterFactory, MouseFactory, ProcedureFactory

Status = Submission.Status


def export(centre, actor, out_dir, *, full=False) -> Submission:
    submission = submission_create(centre=centre, actor=actor, out_dir=out_dir, full=full)
    return submission_build(submission_id=submission.pk)


def delivered(submission) -> dict[tuple[str, str], bytes]:
    """{(folder, kind): xml} of a submission's files, read back from the zips on disk."""
    result = {}
    for file in submission.files.all():
        assert Path(file.path).parent.name == file.folder
        result[(file.folder, file.kind)] = read_zip(file.path)[1]
    return result


@pytest.fixture
def viability(db):
    procedure = ProcedureFactory(key="IMPC_VIA_001", name="Viability Primary Screen", level=Procedure.Level.LINE)
    Parameter.objects.get_or_create(procedure=procedure, key="IMPC_VIA_001_001", defaults={
        "name": "Total pups", "type": "simple", "value_type": "INT", "required": True, "order": 0})
    return procedure


@pytest.fixture
def demo(centre, mutant, baseline, record_weight, viability, tech, body_weight):
    """A small demo centre: a litter with parents and two pups, a baseline, weights, a not-performed test, a line."""
    litter = LitterFactory(mating__centre=centre, mating__colony=mutant.colony)
    pup = MouseFactory(centre=centre, colony=mutant.colony, specimen_id="H-PUP-1", date_of_birth=BORN,
                       litter=litter, litter_code=litter.code, zygosity="homozygous")
    Mouse.objects.filter(pk=mutant.pk).update(litter=litter, litter_code=litter.code)
    mutant.refresh_from_db()
    experiments = [record_weight(mutant), record_weight(baseline), record_weight(pup)]
    test = ScheduledTest.objects.create(centre=centre, mouse=pup, procedure=body_weight, due_date=TODAY,
                                        window_start=TODAY, window_end=TODAY)
    scheduled_test_mark_not_performed(test=test, code="IMPC_PSC_003", reason="welfare", actor=tech)
    line = line_experiment_record(colony=mutant.colony, procedure=viability, date_of_experiment=TODAY,
                                  values={"IMPC_VIA_001_001": [EnteredValue(value="42")]}, actor=tech)
    return {"litter": litter, "pup": pup, "experiments": experiments, "test": test, "line": line}


def test_demo_export_is_complete_and_validates_against_the_official_xsds(centre, wrangler, demo, mutant, tmp_path,
                                                                           official_schemas):
    submission = export(centre, wrangler, tmp_path)

    assert submission.status == Status.DELIVERED, submission.errors
    files = delivered(submission)
    assert set(files) == {("add", "specimen"), ("add", "experiment")}
    for (_folder, kind), content in files.items():
        official_schemas[kind].validate(content.decode())
    specimens = parse(files[("add", "specimen")])
    pup = next(m for m in specimens.iter(q(SPECIMEN_NS, "mouse")) if m.get("specimenID") == "H-PUP-1")
    related = {(r.get("relationship"), r.get("specimenID")) for r in pup.iter(q(SPECIMEN_NS, "relatedSpecimen"))}
    litter = demo["litter"]
    assert related == {("mother", litter.dam.specimen_id), ("father", litter.mating.male.specimen_id),
                       ("littermate", mutant.specimen_id)}
    experiments = parse(files[("add", "experiment")])
    block = next(c for c in experiments.iter(q(PROCEDURE_NS, "centre")) if c.get("project") == "BaSH")
    children = [etree_name(child) for child in block]
    assert children[0] == "line"  # XSD order: line* before experiment*
    line = block.find(q(PROCEDURE_NS, "line"))
    assert line.get("colonyID") == mutant.colony.name
    assert line.find(f"{q(PROCEDURE_NS, 'procedure')}/{q(PROCEDURE_NS, 'simpleParameter')}").get(
        "parameterID") == "IMPC_VIA_001_001"
    not_performed = [e for e in block.iter(q(PROCEDURE_NS, "experiment")) if e.find(q(PROCEDURE_NS, "statusCode"))
                     is not None]
    assert len(not_performed) == 1
    assert not_performed[0].find(q(PROCEDURE_NS, "statusCode")).text == "IMPC_PSC_003"
    assert not_performed[0].find(q(PROCEDURE_NS, "procedure")) is None
    assert not_performed[0].findtext(q(PROCEDURE_NS, "specimenID")) == "H-PUP-1"
    # The ledger: one row per record sent, each tied to the file that carried it.
    records = SubmissionRecord.objects.filter(submission=submission)
    # Every genotyped mouse of the centre, the litter's parents included (issue 18: with or without experiments).
    genotyped = set(Mouse.objects.filter(centre=centre).exclude(zygosity="").values_list("pk", flat=True))
    assert set(records.filter(kind="specimen").values_list("object_id", flat=True)) == genotyped
    assert {mutant.pk, demo["pup"].pk} <= genotyped
    assert sorted(records.exclude(kind="specimen").values_list("kind", flat=True)) == sorted(
        ["experiment"] * 3 + ["not_performed", "line"])
    assert set(records.values_list("folder", flat=True)) == {"add"}
    assert not records.filter(file__isnull=True).exists()
    assert all(len(sha) == 64 for sha in records.values_list("sha256", flat=True))


def etree_name(element) -> str:
    return element.tag.split("}")[-1]


def test_second_export_with_no_change_sends_nothing(centre, wrangler, demo, tmp_path):
    first = export(centre, wrangler, tmp_path)
    assert first.status == Status.DELIVERED, first.errors
    increments_used = FileIncrement.objects.get().last

    second = export(centre, wrangler, tmp_path)

    assert second.status == Status.NOTHING
    assert not second.files.exists()
    assert not second.records.exists()
    assert FileIncrement.objects.get().last == increments_used  # no name used up
    assert pending_counts(centre=centre)["experiment"] == {"new": 0, "changed": 0}


def test_an_edited_value_sends_exactly_that_experiment_to_edit(centre, wrangler, demo, tech, tmp_path,
                                                              official_schemas):
    export(centre, wrangler, tmp_path)
    edited = demo["experiments"][1]
    experiment_values_update(experiment=edited, values={"IMPC_BWT_001_001": [EnteredValue(value="31.2")]},
                             actor=tech)
    assert pending_counts(centre=centre)["experiment"] == {"new": 0, "changed": 1}

    third = export(centre, wrangler, tmp_path)

    assert third.status == Status.DELIVERED, third.errors
    files = delivered(third)
    assert list(files) == [("edit", "experiment")]
    official_schemas["experiment"].validate(files[("edit", "experiment")].decode())
    experiments = list(parse(files[("edit", "experiment")]).iter(q(PROCEDURE_NS, "experiment")))
    assert [e.get("experimentID") for e in experiments] == [edited.experiment_id]
    assert b"31.2" in files[("edit", "experiment")]
    assert list(third.records.values_list("kind", "object_id", "folder")) == [("experiment", edited.pk, "edit")]
    assert sorted(p.name for p in (tmp_path / "edit").iterdir()) == [third.files.get().zip_name]


def test_an_experiment_flagged_for_resubmission_goes_to_edit_once(centre, wrangler, mutant, record_weight, tmp_path):
    experiment = record_weight(mutant)
    export(centre, wrangler, tmp_path)
    experiment_qc_lock(experiment=experiment, actor=wrangler)
    type(experiment).objects.filter(pk=experiment.pk).update(needs_resubmission=True)

    resent = export(centre, wrangler, tmp_path)

    assert [(f.folder, f.kind) for f in resent.files.all()] == [("edit", "experiment")]
    experiment.refresh_from_db()
    assert experiment.needs_resubmission is False
    assert export(centre, wrangler, tmp_path).status == Status.NOTHING


def test_full_export_resends_everything_known_to_edit(centre, wrangler, mutant, baseline, record_weight, tmp_path):
    record_weight(mutant)
    export(centre, wrangler, tmp_path)
    record_weight(baseline)

    full = export(centre, wrangler, tmp_path, full=True)

    folders = dict(full.records.values_list("object_id", "folder").filter(kind="specimen"))
    # The baseline went in the first export without its experiment (issue 18), so it is known: edit/.
    assert folders == {mutant.pk: "edit", baseline.pk: "edit"}
    assert {(f.folder, f.kind) for f in full.files.all()} == {
        ("edit", "specimen"), ("add", "experiment"), ("edit", "experiment")}


def test_preflight_findings_fail_the_submission_with_links_and_send_nothing(centre, wrangler, mutant, baseline,
                                                                           record_weight, tmp_path):
    experiment = record_weight(mutant)
    record_weight(baseline)
    experiment.values.filter(parameter__key="IMPC_BWT_003_001").update(value="")  # behind the form's back
    baseline.strain.mgi_id = ""
    baseline.strain.save()
    ungenotyped = MouseFactory(centre=centre, colony=mutant.colony, specimen_id="H-UNG-1", date_of_birth=BORN,
                               zygosity="")
    record_weight(ungenotyped)

    submission = export(centre, wrangler, tmp_path)

    assert submission.status == Status.FAILED
    by_url = {}
    for finding in submission.errors:
        by_url.setdefault(finding["url"], []).append(finding["message"])
    assert any("(IMPC_BWT_003_001) has neither a value" in m for m in by_url[experiment.get_absolute_url()])
    assert any("has no MGI id" in m for m in by_url[baseline.get_absolute_url()])
    ungenotyped_experiment = ungenotyped.experiments.get()
    assert any("no zygosity" in m for m in by_url[ungenotyped_experiment.get_absolute_url()])
    assert not submission.files.exists()
    assert not submission.records.exists()
    assert not FileIncrement.objects.exists()
    assert not (tmp_path / "add").exists()


def test_preflight_checks_value_types_options_and_repeats(centre, wrangler, mutant, record_weight, tmp_path):
    first = record_weight(mutant, on=TODAY - dt.timedelta(weeks=2))
    second = record_weight(mutant, on=TODAY - dt.timedelta(weeks=1))
    first.values.filter(parameter__key="IMPC_BWT_001_001").update(value="heavy")
    type(first).objects.filter(pk__in=[first.pk, second.pk]).update(sequence_id="1")

    plan = plan_export(centre=centre)
    from procedures.dcc.preflight import preflight

    messages = [f["message"] for f in preflight(centre=centre, plan=plan)]
    assert any("'heavy' is not a valid FLOAT" in m for m in messages)
    assert sum("more than once" in m for m in messages) == 2


def test_a_file_already_delivered_with_the_same_checksum_is_not_sent_twice(centre, wrangler, mutant, record_weight,
                                                                          tmp_path, monkeypatch):
    """GIVEN the worker died after the transfer but before recording it WHEN the build resumes THEN no second copy."""
    record_weight(mutant)
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)
    real_put = LocalBackend.put
    transfers = []

    def put_then_die(self, local, folder, name):
        transfers.append(name)
        real_put(self, local, folder, name)
        raise ConnectionError("link dropped after the upload")

    monkeypatch.setattr(LocalBackend, "put", put_then_die)
    with pytest.raises(ConnectionError):
        submission_build(submission_id=submission.pk)
    monkeypatch.setattr(LocalBackend, "put", lambda self, *a: transfers.append(a[-1]) or real_put(self, *a))

    resumed = submission_build(submission_id=submission.pk, resume=True)

    assert resumed.status == Status.DELIVERED
    names = [f.zip_name for f in resumed.files.all()]
    assert transfers == names  # the first file was not uploaded again
    assert sorted(p.name for p in (tmp_path / "add").iterdir()) == sorted(names)
    assert SubmissionFile.objects.count() == 2


def test_requeue_stale_claims_only_submissions_whose_worker_went_quiet(centre, wrangler, mutant, record_weight,
                                                                      tmp_path, settings):
    record_weight(mutant)
    stuck = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)
    fresh = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    Submission.objects.filter(pk=stuck.pk).update(status=Status.BUILDING, updated_at=old)
    Submission.objects.filter(pk=fresh.pk).update(status=Status.BUILDING)
    settings.LIMS_DCC_STALE_AFTER = 3600

    assert requeue_stale() == [stuck.pk]
    assert requeue_stale() == []  # claimed: the next beat run does not enqueue it again

    resumed = submission_build(submission_id=stuck.pk, resume=True)
    assert resumed.status == Status.DELIVERED
    assert resumed.attempts == 1
    assert not work_dir_for(resumed).exists()


def test_a_different_file_under_the_same_name_is_never_overwritten(centre, wrangler, mutant, record_weight, tmp_path):
    """Names are never reused: a zip already there with other content (a restored database?) stops the export."""
    record_weight(mutant)
    clash = tmp_path / "add" / f"H.{dt.date.today().isoformat()}.1.impc.zip"
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"someone else's zip")

    submission = export(centre, wrangler, tmp_path)

    assert submission.status == Status.FAILED
    assert "already exists with other content" in submission.errors[0]
    assert clash.read_bytes() == b"someone else's zip"


def test_an_export_planned_while_another_is_not_yet_delivered_does_not_send_its_records(centre, wrangler, mutant,
                                                                                       record_weight, tmp_path):
    """Two exports at once: the first is validated (ledger committed) but not delivered when the second plans; the
    second sends nothing, and the first, resumed, delivers every record exactly once."""
    from procedures.dcc.services import _build_and_validate

    record_weight(mutant)
    first = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)
    Submission.objects.filter(pk=first.pk).update(status=Status.BUILDING)  # as a worker's claim leaves it
    first.refresh_from_db()
    first = _build_and_validate(first, work_dir_for(first))
    assert first.status == Status.VALIDATED
    second = export(centre, wrangler, tmp_path)
    assert second.status == Status.NOTHING and not second.files.exists()
    first = submission_build(submission_id=first.pk, resume=True)
    assert first.status == Status.DELIVERED
    assert SubmissionRecord.objects.filter(submission__status=Status.DELIVERED).count() == \
        SubmissionRecord.objects.count()


def test_housing_is_sent_once_then_again_to_edit_after_a_change(centre, wrangler, mutant, record_weight, tmp_path,
                                                                official_schemas):
    from procedures.models import HousingValue
    from procedures.services import housing_import

    procedure = ProcedureFactory(key="IMPC_HOU_001", name="Housing and Husbandry")
    parameter, _ = Parameter.objects.get_or_create(procedure=procedure, key="IMPC_HOU_001_001", defaults={
        "name": "Cage type", "type": "metadata", "order": 0})
    record_weight(mutant)
    housing = housing_import(centre=centre, procedure=procedure, from_lims=True, last_updated=TODAY, actor=wrangler,
                             rows=[HousingValue(parameter=parameter, value="IVC", position=0)])

    first = export(centre, wrangler, tmp_path)
    assert first.status == Status.DELIVERED, first.errors
    xml = delivered(first)[("add", "experiment")]
    official_schemas["experiment"].validate(xml.decode())
    [element] = parse(xml).iter(q(PROCEDURE_NS, "housing"))
    assert element.get("fromLIMS") == "true" and element.get("lastUpdated") == TODAY.isoformat()
    assert b"IVC" in xml
    assert export(centre, wrangler, tmp_path).status == Status.NOTHING

    HousingValue.objects.filter(housing=housing).update(value="Open cage")
    changed = export(centre, wrangler, tmp_path)
    assert list(delivered(changed)) == [("edit", "experiment")]
    assert list(changed.records.values_list("kind", "object_id", "folder")) == [("housing", housing.pk, "edit")]
    assert b"Open cage" in delivered(changed)[("edit", "experiment")]
