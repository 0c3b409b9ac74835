"""Issue 18 point 1: the DCC's validation reports read back onto the submissions and records.

Each report is written here from the tracker XSDs (`tests/dcc/reports.py`) around the records the LIMS really
delivered, imported by `dcc_report_import` (or the DCC page's upload), and checked where a data wrangler looks:
the submission page, the record's page, the DCC page's "rejected by the DCC" filter and pre-flight list.
"""
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from procedures.dcc.models import Submission, ValidationMessage
from procedures.dcc.selectors import pending_counts
from procedures.dcc.services import submission_build, submission_create
from procedures.dcc.validation_reports.schemas import parse_report
from procedures.dcc.validation_reports.services import report_import
from procedures.models import ParameterValue
from procedures.services import EnteredValue, experiment_values_update
from tests.dcc import reports as r
from tests.dcc.helpers import read_zip

Status = Submission.Status


def export(centre, actor, out_dir, **options) -> Submission:
    submission = submission_create(centre=centre, actor=actor, out_dir=out_dir, **options)
    return submission_build(submission_id=submission.pk)


@pytest.fixture
def sent(centre, wrangler, mutant, baseline, record_weight, tmp_path):
    """Two weighed mice, delivered: the submission, its files' XML by kind, the experiments."""
    experiments = {"mutant": record_weight(mutant), "baseline": record_weight(baseline)}
    submission = export(centre, wrangler, tmp_path / "dcc")
    assert submission.status == Status.DELIVERED, submission.errors
    files = {f.kind: f for f in submission.files.all()}
    xml = {kind: read_zip(file.path)[1] for kind, file in files.items()}
    return {"submission": submission, "files": files, "xml": xml, "experiments": experiments}


def _experiment_el(xml: bytes, experiment):
    return next(e for e in etree.fromstring(xml).iter(f"{{{r.PROCEDURE_NS}}}experiment")
                if e.get("experimentID") == experiment.experiment_id)


def _write(tmp_path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _report_set(sent) -> bytes:
    """The 2012 format, every element and attribute: an accepted submission, a failed experiment with a nested
    parameter error, a specimen block with a nested warning, a procedure-only report."""
    xml, rejected = sent["xml"], sent["experiments"]["mutant"]
    experiment = _experiment_el(xml["experiment"], rejected)
    parameter = next(experiment.iter(f"{{{r.PROCEDURE_NS}}}simpleParameter"))
    mouse = r.first(xml["specimen"], r.SPECIMEN_NS, "mouse")
    procedure = next(experiment.iter(f"{{{r.PROCEDURE_NS}}}procedure"))
    return r.validation_report_set(
        r.validation_report(subjects=[r.submission([r.centre_block(xml["experiment"])], kind="experiment")],
                            message="Submission crawled", phase="imits", status="done"),
        r.validation_report(
            subjects=[r.renamed(r.centre_block(xml["experiment"]), r.REPORT_NS, "centreProcedure"),
                      r.renamed(experiment, r.REPORT_NS, "experiment")],
            validations=[r.validation(r.renamed(parameter, r.VALIDATION_NS, "simpleParameter"),
                                      namespace=r.REPORT_NS, message="IMPC_BWT_001_001 is not a FLOAT",
                                      test_id="checkValueType")],
            message="Experiment failed validation", phase="impress_parameterValueType", status="failed"),
        r.validation_report(
            subjects=[r.renamed(r.centre_block(xml["specimen"]), r.REPORT_NS, "centreSpecimen")],
            validations=[r.validation(r.renamed(mouse, r.VALIDATION_NS, "mouse"), namespace=r.REPORT_NS,
                                      message="litterId unknown to iMits", level="warn", test_id="checkLitter",
                                      active=False)],
            message="Specimens checked against iMits", phase="mgi", status="done"),
        r.validation_report(subjects=[r.renamed(procedure, r.REPORT_NS, "procedure")], message="Pending",
                            phase="impress_definition", status="pending"),
    )


def _report_name(sent, kind="experiment") -> str:
    return sent["files"][kind].xml_name.replace(".impc.xml", ".impc.validation_report.xml")


def test_a_validation_report_set_is_valid_imported_matched_and_marks_the_rejected_record(sent, centre, tmp_path):
    path = _write(tmp_path, _report_name(sent), _report_set(sent))
    assert parse_report(path)[1] == []

    [result] = report_import([path], actor=None)

    rejected, accepted = sent["experiments"]["mutant"], sent["experiments"]["baseline"]
    assert result.ok and result.centre == centre and result.rejected_records == 1
    messages = ValidationMessage.objects.filter(centre=centre)
    assert {m.submission_id for m in messages} == {sent["submission"].pk}
    failed = messages.get(experiment=rejected, test_id="", status="failed")
    assert (failed.phase, failed.status, failed.rejected, failed.format) == (
        "impress_parameterValueType", "failed", True, ValidationMessage.Format.REPORT_SET)
    assert failed.file == sent["files"]["experiment"]
    nested = messages.get(experiment=rejected, test_id="checkValueType")
    assert nested.level == "error" and nested.rejected and nested.element == "experiment"
    assert not messages.filter(experiment=accepted, rejected=True).exists()
    assert messages.filter(experiment=accepted, status="done", message="Submission crawled").exists()
    warning = messages.get(test_id="checkLitter")
    assert warning.mouse.specimen_id == "H-MUT-001" and not warning.is_active and not warning.rejected
    assert [(m.element, m.procedure_key) for m in result.unmatched] == [("procedure", "IMPC_BWT_001")]


def test_a_validation_set_is_imported_and_what_matches_no_record_is_listed(sent, centre, tmp_path):
    xml, experiment = sent["xml"], sent["experiments"]["baseline"]
    element = _experiment_el(xml["experiment"], experiment)
    mouse = r.first(xml["specimen"], r.SPECIMEN_NS, "mouse")
    content = r.validation_set(
        r.validation(r.renamed(element, r.VALIDATION_NS, "experiment"), namespace=r.VALIDATION_NS,
                     message="Experiment rejected: procedure not in iMits plan", level="fatal"),
        r.validation(r.renamed(r.centre_block(xml["specimen"]), r.VALIDATION_NS, "centreSpecimen"),
                     namespace=r.VALIDATION_NS, message="specimens checked", level="warn"),
        r.validation(r.renamed(mouse, r.VALIDATION_NS, "mouse"), namespace=r.VALIDATION_NS,
                     message="colony unknown", level="error"),
        r.validation(r.renamed(next(element.iter(f"{{{r.PROCEDURE_NS}}}simpleParameter")), r.VALIDATION_NS,
                               "simpleParameter"), namespace=r.VALIDATION_NS, message="value out of range",
                     level="warn"),
        r.validation(r.renamed(next(element.iter(f"{{{r.PROCEDURE_NS}}}procedureMetadata")), r.VALIDATION_NS,
                               "procedureMetadata"), namespace=r.VALIDATION_NS, message="equipment unknown",
                     level="warn"),
        r.validation(r.renamed(next(element.iter(f"{{{r.PROCEDURE_NS}}}procedure")), r.VALIDATION_NS,
                               "procedure"), namespace=r.VALIDATION_NS, message="procedure version old",
                     level="warn", active=False),
        r.validation(r.renamed(r.centre_block(xml["experiment"]), r.VALIDATION_NS, "centreProcedure"),
                     namespace=r.VALIDATION_NS, message="block read", level="warn"),
    )
    path = _write(tmp_path, "validation-set.xml", content)

    [result] = report_import([path], actor=None, centre=centre)

    assert result.ok, result.refused
    fatal = ValidationMessage.objects.get(experiment=experiment, level="fatal")
    assert fatal.format == ValidationMessage.Format.VALIDATION_SET and fatal.rejected
    # Matched through the ledger (the file name says nothing): the submission that last carried the record.
    assert fatal.submission == sent["submission"]
    assert ValidationMessage.objects.filter(mouse__specimen_id="H-MUT-001", level="error", rejected=True).exists()
    assert {"simpleParameter", "procedureMetadata", "procedure"} <= {m.element for m in result.unmatched}
    # A centreProcedure names each of its experiments: one message per record, warnings not rejecting.
    assert ValidationMessage.objects.filter(message="block read", rejected=False).count() == 2
    assert not ValidationMessage.objects.get(message="procedure version old").is_active


def test_records_of_another_centre_refuse_the_whole_report(sent, centre, other_centre, tmp_path):
    block = r.renamed(r.centre_block(sent["xml"]["specimen"]), r.REPORT_NS, "centreSpecimen")
    foreign = r.renamed(r.centre_block(sent["xml"]["specimen"]), r.REPORT_NS, "centreSpecimen")
    foreign.set("centreID", "J")
    content = r.validation_report_set(r.validation_report(subjects=[block], status="failed"),
                                      r.validation_report(subjects=[foreign], status="failed"))
    path = _write(tmp_path, "mixed.xml", content)

    [result] = report_import([path], actor=None, centre=centre)

    assert not result.ok and "another centre's records" in result.refused[0]
    assert result.refused[0].startswith("line ")
    assert not ValidationMessage.objects.exists()  # not even the first report, which was the centre's own


def test_a_malformed_report_is_refused_with_its_line_and_the_good_one_still_imports(sent, centre, tmp_path):
    good = _write(tmp_path, _report_name(sent), _report_set(sent))
    broken = _write(tmp_path, "broken.xml", b'<?xml version="1.0"?>\n<validationSet xmlns="%s">\n  <validation '
                    b'message="x"\n</validationSet>\n' % r.VALIDATION_NS.encode())
    invalid = _write(tmp_path, "invalid.xml", r.validation_set(etree.Element(f"{{{r.VALIDATION_NS}}}validation",
                                                                           message="no level", testID="t")))

    results = report_import([good, broken, invalid], actor=None, centre=centre)

    assert [res.ok for res in results] == [True, False, False]
    assert results[1].refused[0].startswith("line 4:"), results[1].refused
    assert any("level" in reason for reason in results[2].refused) and results[2].refused[0].startswith("line 3:")
    assert set(ValidationMessage.objects.values_list("report_name", flat=True)) == {str(good)}


def test_the_command_imports_lists_and_refuses(sent, centre, tmp_path, capsys):
    path = _write(tmp_path, _report_name(sent), _report_set(sent))
    call_command("dcc_report_import", str(path))
    out = capsys.readouterr().out
    assert "1 record(s) rejected by the DCC" in out and "no record: line" in out and "IMPC_BWT_001" in out

    call_command("dcc_report_import", str(path))
    assert "already imported" in capsys.readouterr().out
    count = ValidationMessage.objects.count()

    broken = _write(tmp_path, "broken.xml", b"<validationSet>")
    with pytest.raises(CommandError, match="1 of 1 report"):
        call_command("dcc_report_import", str(broken))
    assert "broken.xml:line 1" in capsys.readouterr().err
    assert ValidationMessage.objects.count() == count


def test_messages_are_shown_on_the_submission_record_and_dcc_pages(sent, client, wrangler, tmp_path):
    report_import([_write(tmp_path, _report_name(sent), _report_set(sent))], actor=None)
    rejected = sent["experiments"]["mutant"]
    client.force_login(wrangler)

    page = client.get(sent["submission"].get_absolute_url()).content.decode()
    assert "Experiment failed validation" in page and "impress_parameterValueType" in page
    assert "New and changed records" in page  # the mode that built it
    page = client.get(rejected.get_absolute_url()).content.decode()
    assert "Experiment failed validation" in page and "rejected, to fix" in page and "failed" in page
    page = client.get(rejected.mouse.get_absolute_url()).content.decode()
    assert "litterId unknown to iMits" in page
    page = client.get(reverse("dcc:overview")).content.decode()
    assert 'id="dcc-rejections"' in page and rejected.get_absolute_url() in page
    assert "Messages matching no record" in page


def test_the_rejected_filter_narrows_the_preflight_list(sent, client, wrangler, tmp_path):
    report_import([_write(tmp_path, _report_name(sent), _report_set(sent))], actor=None)
    rejected, other = sent["experiments"]["mutant"], sent["experiments"]["baseline"]
    # Both experiments hold a value pre-flight refuses (a decimal comma). The other one was edited since delivery
    # (pending); the rejected one was not written since (no timestamp moves), so only its rejection lists it.
    values = ParameterValue.objects.filter(parameter__key="IMPC_BWT_001_001")
    values.filter(experiment=rejected).update(value="20,9")
    values.filter(experiment=other).update(value="20,9", updated_at=timezone.now())
    client.force_login(wrangler)
    everything = client.get(reverse("dcc:overview")).content.decode()
    only = client.get(reverse("dcc:overview") + "?rejected=1").content.decode()
    findings = etree.HTML(only).xpath('//ul[@id="dcc-findings"]/li')
    assert other.get_absolute_url() in everything and "rejected by the DCC" in everything
    assert findings and all(rejected.get_absolute_url() in etree.tostring(li).decode() for li in findings)
    # Listed for fixing, but not counted as pending: the export would send nothing for it until it is edited.
    assert pending_counts(centre=wrangler.centre)["experiment"] == {"new": 0, "changed": 1}


def test_a_rejected_record_edited_goes_to_edit_in_the_next_export(sent, centre, wrangler, tmp_path):
    report_import([_write(tmp_path, _report_name(sent), _report_set(sent))], actor=None)
    rejected = sent["experiments"]["mutant"]
    assert ValidationMessage.objects.filter(experiment=rejected, rejected=True, fixed_by=None).count() == 2

    experiment_values_update(experiment=rejected, values={"IMPC_BWT_001_001": [EnteredValue(value="27.5")]},
                             actor=wrangler)
    again = export(centre, wrangler, tmp_path / "dcc")

    assert again.status == Status.DELIVERED, again.errors
    assert [(f.folder, f.kind) for f in again.files.all()] == [("edit", "experiment")]
    _name, xml = read_zip(again.files.get().path)
    assert [e.get("experimentID") for e in etree.fromstring(xml).iter(f"{{{r.PROCEDURE_NS}}}experiment")] == [
        rejected.experiment_id]
    assert not ValidationMessage.objects.filter(experiment=rejected, rejected=True, fixed_by=None).exists()
    assert set(ValidationMessage.objects.filter(experiment=rejected, rejected=True).values_list(
        "fixed_by", flat=True)) == {again.pk}


def test_the_upload_on_the_dcc_page_is_for_wranglers_and_admins(sent, client, wrangler, tech, tmp_path):
    content = _report_set(sent)
    client.force_login(tech)
    upload = {"report": _upload(_report_name(sent), content)}
    assert client.post(reverse("dcc:report_import"), upload).status_code == 403
    assert not ValidationMessage.objects.exists()

    client.force_login(wrangler)
    response = client.post(reverse("dcc:report_import"), {"report": _upload(_report_name(sent), content)},
                           follow=True)
    assert "1 record(s) rejected by the DCC" in response.content.decode()
    assert ValidationMessage.objects.filter(report_name=_report_name(sent), submission=sent["submission"]).exists()

    response = client.post(reverse("dcc:report_import"), {"report": _upload("bad.xml", b"<x/>")}, follow=True)
    assert "bad.xml refused, nothing imported: line 1:" in response.content.decode()


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/xml")


def test_the_dcc_report_counts_accepted_and_rejected_per_procedure_and_month(sent, wrangler, outsider, tmp_path):
    from lims.reports import dcc

    report_import([_write(tmp_path, _report_name(sent), _report_set(sent))], actor=None)

    table = dcc.verdicts(wrangler)
    # The report's month (its end, 2026-11-02): the mutant's experiment failed, the baseline's was only crawled.
    assert table.rows == [["Body Weight (IMPC_BWT_001)", "2026-11", 1, 1]]
    assert "dcc_verdicts" in [t.key for t in dcc.build(wrangler).tables]
    assert dcc.verdicts(outsider).rows == []


def test_the_pages_with_messages_pin_their_queries(sent, client, wrangler, tmp_path):
    """No N+1: the DCC page, the submission page and the experiment page ask as many queries for one report as
    for two (twice the messages)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rejected = sent["experiments"]["mutant"]
    pages = [reverse("dcc:overview"), sent["submission"].get_absolute_url(), rejected.get_absolute_url(),
             rejected.mouse.get_absolute_url()]
    client.force_login(wrangler)

    def counts():
        result = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    report_import([_write(tmp_path, _report_name(sent), _report_set(sent))], actor=None)
    once = counts()
    report_import([_write(tmp_path, "second.xml", _report_set(sent).replace(b"Pending", b"Pending again"))],
                  actor=None, centre=sent["submission"].centre)
    assert ValidationMessage.objects.count() > 12
    assert counts() == once


def test_a_stored_message_cannot_be_deleted(sent, tmp_path):
    from django.db import DatabaseError, transaction

    report_import([_write(tmp_path, _report_name(sent), _report_set(sent))], actor=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        ValidationMessage.objects.all().delete()
    assert ValidationMessage.objects.exists()
