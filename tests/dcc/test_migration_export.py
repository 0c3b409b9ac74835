"""Issue 18 points 2 and 3: a migrated centre re-sends what it imported.

- After `dcc_import` of a specimen file alone, `dcc_export --full` delivers that specimen file, identical to the
  input record for record (the canonical comparison of the round-trip test): every mouse is sendable, with or
  without experiments.
- `dcc_export --full --as-imported` sends the imported records only, as they were imported, with their pre-flight
  findings listed on the submission instead of failing it; records entered in the LIMS keep today's rules.
"""
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from colonies.models import Mouse
from procedures.dcc.importer import import_files
from procedures.dcc.models import Submission
from tests.dcc.helpers import read_zip
from tests.dcc.samples import manifest_entries, path_of
from tests.dcc.test_roundtrip import CREATE_ALL, _diff, records
from tests.factories import ColonyFactory, MouseFactory, UserFactory

SPECIMEN_SAMPLES = [pytest.param(e, id=Path(e["file"]).name) for e in manifest_entries()
                    if e.get("root_element") == "centreSpecimenSet" and e["xsd_result"] == "PASS"] or [
    pytest.param(None, marks=pytest.mark.skip(reason="no MANIFEST"))]


def _export(*args) -> tuple[Submission, str]:
    err = io.StringIO()
    try:
        call_command("dcc_export", *args, stdout=io.StringIO(), stderr=err)
    except CommandError as exc:
        err.write(str(exc))
    return Submission.objects.latest("pk"), err.getvalue()


def _delivered_specimens(submission: Submission) -> list[bytes]:
    return [read_zip(f.path)[1] for f in submission.files.filter(kind="specimen")]


@pytest.mark.parametrize("entry", SPECIMEN_SAMPLES)
def test_a_specimen_file_imported_alone_is_sent_back_identical_by_a_full_export(entry, importer_user, tmp_path):
    path = path_of(entry)
    report = import_files([path], actor=importer_user, **CREATE_ALL)
    assert not report.refused_files and report.mice
    centres = sorted({c.get("centreID") for c in etree.parse(str(path)).getroot() if isinstance(c.tag, str)})

    # A file the import took without a warning is sent by --full under today's rules; one whose legacy facts the
    # import kept with warnings (a homozygous baseline, a strain name for an MGI id) by --full --as-imported, with
    # those facts listed on the submission rather than blocking it.
    mode = ["--full", "--as-imported"] if report.warnings else ["--full"]
    got = records(etree.ElementTree(etree.Element("none")))
    for code in centres:
        submission, err = _export("--centre", code, *mode, "--out", str(tmp_path / code))
        assert submission.status == Submission.Status.DELIVERED, (err, submission.errors)
        assert bool(submission.findings) <= bool(report.warnings)
        assert [f.kind for f in submission.files.all()] == ["specimen"]
        for xml in _delivered_specimens(submission):
            got += records(etree.ElementTree(etree.fromstring(xml)))

    expected = records(etree.parse(str(path)))
    assert expected == got, _diff(expected, got)


@pytest.fixture
def migrated(importer_user):
    """A centre with imported mice (one keeping a legacy status code the pre-flight refuses) and a mouse entered
    in the LIMS."""
    entry = next(e for e in manifest_entries() if e["file"].endswith("ImpcSpecimenExperiment-specimens.xml"))
    report = import_files([path_of(entry)], actor=importer_user, **CREATE_ALL)
    assert not report.refused_files and report.mice
    legacy = Mouse.objects.get(pk=report.mice[0])
    Mouse.objects.filter(pk=legacy.pk).update(specimen_status_code="LEGACY_OK")  # kept as a legacy file said it
    centre = legacy.centre
    entered = MouseFactory(centre=centre, colony=ColonyFactory(centre=centre, name="LIMS-COLONY-1"),
                           specimen_id="LIMS-MOUSE-1")
    return {"imported": set(report.mice), "legacy": legacy, "entered": entered, "centre": centre,
            "wrangler": UserFactory(username="wrangler-m", centre=centre, role="data_wrangler")}


def test_a_full_export_holds_imported_records_to_todays_rules(migrated, tmp_path):
    centre = migrated["centre"]
    submission, err = _export("--centre", centre.code, "--full", "--out", str(tmp_path))

    assert submission.status == Submission.Status.FAILED
    assert any("LEGACY_OK" in e["message"] for e in submission.errors) and "LEGACY_OK" in err


def test_as_imported_sends_only_the_imported_records_with_their_findings_listed(migrated, tmp_path, client):
    centre = migrated["centre"]
    submission, err = _export("--centre", centre.code, "--full", "--as-imported", "--out", str(tmp_path))

    assert submission.status == Submission.Status.DELIVERED, (err, submission.errors)
    assert submission.as_imported and "sent as imported" in err and "LEGACY_OK" in err
    assert [f["where"] for f in submission.findings] == [str(migrated["legacy"])]
    sent = set(submission.records.filter(kind="specimen").values_list("object_id", flat=True))
    assert sent == migrated["imported"] and migrated["entered"].pk not in sent
    client.force_login(migrated["wrangler"])
    page = client.get(submission.get_absolute_url()).content.decode()
    assert "As imported (migration)" in page and "Pre-flight findings sent as imported" in page
    assert "LEGACY_OK" in page

    # Records entered in the LIMS are sent by the ordinary export, under today's rules.
    ordinary, err = _export("--centre", centre.code, "--out", str(tmp_path))
    assert ordinary.status == Submission.Status.DELIVERED, (err, ordinary.errors)
    assert set(ordinary.records.values_list("object_id", flat=True)) == {migrated["entered"].pk}
