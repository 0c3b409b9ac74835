"""The DCC export service end to end: database → XML → XSD → zip → outbox, and the submission's state machine."""
import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pghistory.models import Events

from colonies.models import Mouse
from lims.services import record_void
from procedures.dcc.delivery import LocalBackend
from procedures.dcc.exceptions import DomainError, InvalidTransition
from procedures.dcc.models import FileIncrement, Submission, SubmissionFile
from procedures.dcc.services import _transition, submission_build, submission_create, work_dir_for
from tests.dcc.conftest import BORN
from tests.dcc.helpers import CRAWLER_XML_RE, CRAWLER_ZIP_RE, PROCEDURE_NS, SPECIMEN_NS, parse, q, read_zip
from tests.factories import MouseFactory

Status = Submission.Status


def export(centre, actor, out_dir) -> Submission:
    submission = submission_create(centre=centre, actor=actor, out_dir=out_dir)
    return submission_build(submission_id=submission.pk)


def test_export_of_mutant_and_baseline_validates_against_the_official_xsds(
    centre, wrangler, mutant, baseline, record_weight, tmp_path, official_schemas
):
    """GIVEN a mutant and a baseline mouse with a body weight each WHEN Harwell exports THEN two valid zips land."""
    record_weight(mutant)
    record_weight(baseline)

    submission = export(centre, wrangler, tmp_path)

    assert submission.status == Status.DELIVERED, submission.errors
    assert (submission.specimen_count, submission.experiment_count, submission.progress) == (2, 2, 100)
    assert submission.errors == []
    assert submission.started_at <= submission.finished_at
    files = list(submission.files.order_by("increment"))
    assert [f.kind for f in files] == ["specimen", "experiment"]
    for file in files:
        path = Path(file.path)
        assert path.parent == tmp_path / "add"
        assert path.name == file.zip_name
        assert CRAWLER_ZIP_RE.fullmatch(file.zip_name)
        xml_name, content = read_zip(path)
        assert xml_name == file.xml_name
        assert CRAWLER_XML_RE.fullmatch(xml_name).group(6) == file.kind
        assert file.zip_name == xml_name.replace(f".{file.kind}.", ".").replace(".xml", ".zip")
        assert file.zip_name.startswith(f"H.{timezone.localdate().isoformat()}.")
        official_schemas[file.kind].validate(content.decode())  # raises on any XSD error
        assert file.size == path.stat().st_size
        assert len(file.sha256) == 64


def test_specimen_and_experiment_files_carry_the_lims_data(centre, wrangler, mutant, baseline, record_weight, tmp_path):
    mutant_experiment = record_weight(mutant, weight="26.1")
    record_weight(baseline)

    submission = export(centre, wrangler, tmp_path)

    specimen_file, experiment_file = submission.files.order_by("increment")
    specimens = parse(read_zip(specimen_file.path)[1])
    (centre_element,) = specimens
    assert centre_element.get("centreID") == "H"
    mice = {m.get("specimenID"): m.attrib for m in centre_element.iter(q(SPECIMEN_NS, "mouse"))}
    assert mice["H-MUT-001"] == {
        "specimenID": "H-MUT-001", "DOB": BORN.isoformat(), "gender": "female", "zygosity": "heterozygous",
        "isBaseline": "false", "colonyID": "H-Pax6-TM1A", "litterId": "L1", "pipeline": "IMPC_001",
        "productionCentre": "H", "phenotypingCentre": "H", "project": "BaSH",
    }
    assert mice["H-WT-001"]["isBaseline"] == "true"
    assert mice["H-WT-001"]["strainID"] == "MGI:2164831"
    assert mice["H-WT-001"]["zygosity"] == "wild type"
    assert mice["H-WT-001"]["litterId"] == "H-WT-001"  # no litter code: the specimen id stands in
    assert "colonyID" not in mice["H-WT-001"]

    experiments = parse(read_zip(experiment_file.path)[1])
    blocks = experiments.findall(q(PROCEDURE_NS, "centre"))
    assert [b.attrib for b in blocks] == [{"centreID": "H", "pipeline": "IMPC_001", "project": "BaSH"}]
    experiment = next(
        e for e in blocks[0] if e.get("experimentID") == mutant_experiment.experiment_id
    )
    assert experiment.get("dateOfExperiment") == mutant_experiment.date_of_experiment.isoformat()
    assert experiment.get("sequenceID") == "1"
    assert experiment.findtext(q(PROCEDURE_NS, "specimenID")) == "H-MUT-001"
    procedure = experiment.find(q(PROCEDURE_NS, "procedure"))
    assert procedure.get("procedureID") == "IMPC_BWT_001"
    children = [(etree_name(c), c.get("parameterID")) for c in procedure]
    assert children == [
        ("simpleParameter", "IMPC_BWT_001_001"),
        ("procedureMetadata", "IMPC_BWT_003_001"),
        ("procedureMetadata", "IMPC_BWT_004_001"),
        ("procedureMetadata", "IMPC_BWT_005_001"),
        ("procedureMetadata", "IMPC_BWT_007_001"),
    ]
    weight = procedure[0]
    assert weight.get("unit") == "g"
    assert weight.findtext(q(PROCEDURE_NS, "value")) == "26.1"
    assert all(c.get("unit") is None for c in procedure[1:])


def etree_name(element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def test_experiments_of_other_projects_go_to_their_own_centre_block(
    centre, wrangler, mutant, baseline, record_weight, tmp_path, official_schemas
):
    """The XSD puts project on <centre>: a DTCC colony's experiments must not be filed under BaSH."""
    mutant.colony.project = "DTCC"
    mutant.colony.save()
    record_weight(mutant)
    record_weight(baseline)

    submission = export(centre, wrangler, tmp_path)

    experiment_file = submission.files.get(kind="experiment")
    content = read_zip(experiment_file.path)[1]
    official_schemas["experiment"].validate(content.decode())
    blocks = {b.get("project"): b for b in parse(content).findall(q(PROCEDURE_NS, "centre"))}
    assert set(blocks) == {"BaSH", "DTCC"}
    assert blocks["DTCC"].findtext(f"{q(PROCEDURE_NS, 'experiment')}/{q(PROCEDURE_NS, 'specimenID')}") == "H-MUT-001"


def test_voided_experiments_are_left_out_and_their_mice_still_sent(centre, wrangler, tech, mutant, baseline,
                                                                    record_weight, tmp_path):
    kept = record_weight(mutant)
    voided = record_weight(baseline)
    record_void(record=voided, reason="Wrong mouse scanned", actor=tech)

    submission = export(centre, wrangler, tmp_path)

    # Issue 18: every mouse the DCC should know is sent, whether or not it has an experiment (left).
    assert (submission.specimen_count, submission.experiment_count) == (2, 1)
    specimen_xml = read_zip(submission.files.get(kind="specimen").path)[1].decode()
    experiment_xml = read_zip(submission.files.get(kind="experiment").path)[1].decode()
    assert "H-MUT-001" in specimen_xml
    assert "H-WT-001" in specimen_xml
    assert kept.experiment_id in experiment_xml
    assert voided.experiment_id not in experiment_xml


def test_voided_mouse_is_left_out_with_its_experiments(centre, wrangler, tech, mutant, baseline, record_weight,
                                                        tmp_path):
    record_weight(mutant)
    record_weight(baseline)
    record_void(record=baseline, reason="Duplicate entry", actor=tech)

    submission = export(centre, wrangler, tmp_path)

    assert (submission.specimen_count, submission.experiment_count) == (1, 1)


def test_other_centres_data_is_not_exported(centre, other_centre, wrangler, mutant, record_weight, tmp_path):
    record_weight(mutant)
    jax_mouse = MouseFactory(centre=other_centre, specimen_id="J-001", date_of_birth=BORN)
    record_weight(jax_mouse)

    submission = export(centre, wrangler, tmp_path)

    assert (submission.specimen_count, submission.experiment_count) == (1, 1)
    assert "J-001" not in read_zip(submission.files.get(kind="specimen").path)[1].decode()


def test_invalid_xml_fails_the_submission_with_the_reason_and_delivers_nothing(
    centre, wrangler, mutant, record_weight, tmp_path
):
    """GIVEN a sex value outside the DCC enumeration (written behind the form's back) THEN nothing is delivered."""
    record_weight(mutant)
    Mouse.objects.filter(pk=mutant.pk).update(sex="unknown")

    submission = export(centre, wrangler, tmp_path)

    assert submission.status == Status.FAILED
    assert submission.finished_at is not None
    assert len(submission.errors) == 1
    assert submission.errors[0].startswith("add/ specimen file, line ")
    assert "gender" in submission.errors[0]
    assert "'unknown'" in submission.errors[0]
    assert not submission.files.exists()
    assert not (tmp_path / "add").exists() or not any((tmp_path / "add").iterdir())
    assert not FileIncrement.objects.exists()  # no name was used up by a build that delivered nothing
    assert (work_dir_for(submission) / "add.specimen.xml").exists()  # kept for inspection


def test_a_mouse_without_experiments_is_sent_in_the_specimen_file(centre, wrangler, mutant, baseline, tmp_path):
    submission = export(centre, wrangler, tmp_path)

    assert submission.status == Status.DELIVERED, submission.errors
    assert [f.kind for f in submission.files.all()] == ["specimen"]
    specimens = parse(read_zip(submission.files.get().path)[1]).iter(q(SPECIMEN_NS, "mouse"))
    assert sorted(m.get("specimenID") for m in specimens) == ["H-MUT-001", "H-WT-001"]


def test_nothing_to_export_ends_nothing_to_send_with_no_file(centre, wrangler, mutant, tmp_path):
    # A mouse waiting for its genotype is the one the DCC cannot take yet (it requires a zygosity).
    Mouse.objects.filter(pk=mutant.pk).update(zygosity="")
    submission = export(centre, wrangler, tmp_path)

    assert submission.status == Status.NOTHING
    assert (submission.specimen_count, submission.experiment_count, submission.progress) == (0, 0, 100)
    assert not submission.files.exists()
    assert not FileIncrement.objects.exists()


def test_increments_are_never_reused_across_exports(centre, wrangler, mutant, record_weight, tmp_path):
    record_weight(mutant)

    first = export(centre, wrangler, tmp_path / "one")
    second = submission_build(  # a full re-send of the same data
        submission_id=submission_create(centre=centre, actor=wrangler, out_dir=tmp_path / "two", full=True).pk)

    increments = list(SubmissionFile.objects.order_by("increment").values_list("increment", flat=True))
    assert increments == [1, 2, 3, 4]
    names = set(SubmissionFile.objects.values_list("zip_name", flat=True))
    assert len(names) == 4
    assert [f.kind for f in first.files.all()] == ["specimen", "experiment"]
    assert [(f.folder, f.kind) for f in second.files.all()] == [("edit", "specimen"), ("edit", "experiment")]
    assert FileIncrement.objects.get(centre=centre, day=timezone.localdate()).last == 4


def test_default_out_dir_is_the_centres_add_directory_in_the_outbox(centre, wrangler, mutant, record_weight, outbox):
    record_weight(mutant)
    submission = submission_create(centre=centre, actor=wrangler)
    assert submission.out_dir == ""  # the configured destination, decided at delivery

    submission = submission_build(submission_id=submission.pk)

    assert {Path(f.path).parent for f in submission.files.all()} == {outbox / "H" / "add"}
    assert not work_dir_for(submission).exists()  # work files are removed once delivered


def test_build_returns_quietly_when_already_claimed_or_finished(centre, wrangler, mutant, record_weight, tmp_path):
    record_weight(mutant)
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)
    Submission.objects.filter(pk=submission.pk).update(status=Status.BUILDING)  # another worker claimed it

    assert submission_build(submission_id=submission.pk).status == Status.BUILDING
    assert not SubmissionFile.objects.exists()

    Submission.objects.filter(pk=submission.pk).update(status=Status.PENDING)
    delivered = submission_build(submission_id=submission.pk)
    again = submission_build(submission_id=submission.pk)  # a redelivered message

    assert again.status == delivered.status == Status.DELIVERED
    assert SubmissionFile.objects.count() == 2


def test_a_retry_resumes_a_validated_build_without_rebuilding(centre, wrangler, mutant, record_weight, tmp_path,
                                                             monkeypatch):
    """GIVEN the outbox share is down during delivery WHEN the task retries THEN the validated files are sent."""
    record_weight(mutant)
    submission = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path)
    real_put = LocalBackend.put

    def share_down(self, *args):
        raise OSError("No route to host")

    monkeypatch.setattr(LocalBackend, "put", share_down)
    with pytest.raises(OSError, match="No route to host"):
        submission_build(submission_id=submission.pk)
    assert Submission.objects.get(pk=submission.pk).status == Status.VALIDATED
    assert not SubmissionFile.objects.filter(delivered_at__isnull=False).exists()

    monkeypatch.setattr(LocalBackend, "put", real_put)
    resumed = submission_build(submission_id=submission.pk, resume=True)

    assert resumed.status == Status.DELIVERED
    # The names recorded before the failed transfer are delivered now: no increment wasted, none sent twice.
    assert [f.increment for f in resumed.files.all()] == [1, 2]
    assert all(f.delivered_at for f in resumed.files.all())
    assert sorted(p.name for p in (tmp_path / "add").iterdir()) == sorted(f.zip_name for f in resumed.files.all())


def test_submission_create_refuses_another_centres_user(centre, outsider):
    with pytest.raises(DomainError):
        submission_create(centre=centre, actor=outsider)


@pytest.mark.parametrize(
    ("from_", "to", "allowed"),
    [
        (from_, to, to in Submission.TRANSITIONS.get(from_, set()))
        for from_ in Submission.Status
        for to in Submission.Status
        if to != Submission.Status.PENDING
    ],
)
def test_transitions_follow_the_table(centre, wrangler, from_, to, allowed):
    submission = submission_create(centre=centre, actor=wrangler)
    Submission.objects.filter(pk=submission.pk).update(status=from_)
    submission.refresh_from_db()
    if allowed:
        assert _transition(submission, to=to).status == to
    else:
        with pytest.raises(InvalidTransition):
            _transition(submission, to=to)


def test_status_changes_are_named_in_the_audit_trail(centre, wrangler, mutant, record_weight, tmp_path):
    record_weight(mutant)
    submission = export(centre, wrangler, tmp_path)

    events = list(Events.objects.tracks(submission).order_by("pgh_id"))
    statuses = [e.pgh_data["status"] for e in events]
    actions = [(e.pgh_context or {}).get("action") for e in events]
    assert statuses[0] == "pending"
    assert statuses[-1] == "delivered"
    assert {"building", "validated"} <= set(statuses)
    assert all(action and action.startswith("dcc.submission.") for action in actions)


def test_query_count_does_not_grow_with_the_number_of_experiments(
    centre, wrangler, mutant, record_weight, tmp_path, django_assert_max_num_queries
):
    """Building 1 experiment and building 11 (on 11 mice, with 5 values each) take the same number of queries."""
    record_weight(mutant)
    small = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path / "small")
    with CaptureQueriesContext(connection) as baseline_queries:
        assert submission_build(submission_id=small.pk).status == Status.DELIVERED

    for n in range(11):
        record_weight(MouseFactory(centre=centre, colony=mutant.colony, specimen_id=f"H-N-{n}", date_of_birth=BORN))
    large = submission_create(centre=centre, actor=wrangler, out_dir=tmp_path / "large")  # the 11 new ones
    with django_assert_max_num_queries(len(baseline_queries)):
        large = submission_build(submission_id=large.pk)

    assert large.status == Status.DELIVERED
    assert large.experiment_count == 11


def test_repeated_weights_keep_distinct_sequence_ids(centre, wrangler, mutant, record_weight, tmp_path):
    record_weight(mutant, on=dt.date.today() - dt.timedelta(weeks=2))
    record_weight(mutant, on=dt.date.today() - dt.timedelta(weeks=1))

    submission = export(centre, wrangler, tmp_path)

    experiments = parse(read_zip(submission.files.get(kind="experiment").path)[1]).iter(q(PROCEDURE_NS, "experiment"))
    assert sorted(e.get("sequenceID") for e in experiments) == ["1", "2"]
