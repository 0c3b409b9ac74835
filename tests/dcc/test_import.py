"""`dcc_import`: invalid MANIFEST samples are refused with their reason; matching, conflicts, reports and options
on small hand-made files. The valid samples' round trip is the acceptance test in test_roundtrip.py.
"""
import io
import zipfile
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from colonies.models import Colony, Mouse
from lims.models import Centre, Gene
from procedures.dcc.importer import import_files
from procedures.dcc.xml import PROCEDURE_NS, SPECIMEN_NS
from procedures.models import Experiment, Housing, Parameter, Procedure
from tests.dcc.samples import (
    invalid_entries,
    path_of,
    reason_keyword,
)
from tests.factories import ColonyFactory

STORED = {"simpleParameter", "seriesParameter", "procedureMetadata"}




def _local(el) -> str:
    return etree.QName(el).localname


@pytest.mark.parametrize("entry", invalid_entries())
def test_invalid_sample_is_refused_with_its_reason(entry, importer_user):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("dcc_import", str(path_of(entry)), user="importer", stdout=out)
    text = out.getvalue()
    assert "refused" in text
    assert reason_keyword(entry) in text, (reason_keyword(entry), text)
    assert Mouse.objects.count() == 0 and Experiment.objects.count() == 0


# --- behaviour on small hand-made files ----------------------------------------------------------------------

SPECIMENS = """<?xml version="1.0" encoding="UTF-8"?>
<centreSpecimenSet xmlns="{ns}">
  <centre centreID="H">
    <mouse specimenID="WT-1" DOB="2020-01-02" gender="female" zygosity="wild type" isBaseline="true"
           strainID="MGI:2164831" litterId="L1" pipeline="IMPC_001" phenotypingCentre="H" project="BaSH"/>
    <mouse specimenID="MUT-1" DOB="2020-01-03" gender="male" zygosity="heterozygous" isBaseline="false"
           colonyID="H-NEW-COLONY" strainID="MGI:2164831" litterId="L2" pipeline="IMPC_001" phenotypingCentre="H"
           project="BaSH">
      <genotype MGIGeneId="MGI:97490" geneSymbol="Pax6" MGIAlleleId="MGI:1234567"/>
    </mouse>
    <mouse specimenID="WT-2" DOB="2020-01-02" gender="male" zygosity="wild type" isBaseline="true"
           strainID="MGI:0000001" litterId="L3" pipeline="IMPC_001" phenotypingCentre="H" project="BaSH"/>
  </centre>
</centreSpecimenSet>
""".format(ns=SPECIMEN_NS)

EXPERIMENTS = """<?xml version="1.0" encoding="UTF-8"?>
<centreProcedureSet xmlns="{ns}">
  <centre centreID="H" pipeline="IMPC_001" project="BaSH">
    <experiment experimentID="E1" dateOfExperiment="2020-03-01" sequenceID="7">
      <specimenID>WT-1</specimenID>
      <procedure procedureID="IMPC_BWT_001">
        <simpleParameter parameterID="IMPC_BWT_001_001" unit="g"><value>21.5</value></simpleParameter>
        <simpleParameter parameterID="IMPC_BWT_999_001"><value>1</value></simpleParameter>
        <procedureMetadata parameterID="IMPC_BWT_003_001"><value>Scale 1</value></procedureMetadata>
      </procedure>
    </experiment>
    <experiment experimentID="E2" dateOfExperiment="2020-03-01">
      <specimenID>NOBODY</specimenID>
      <procedure procedureID="IMPC_BWT_001">
        <simpleParameter parameterID="IMPC_BWT_001_001" unit="g"><value>21.5</value></simpleParameter>
      </procedure>
    </experiment>
  </centre>
</centreProcedureSet>
""".format(ns=PROCEDURE_NS)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _body_weight_metadata_values():
    """Values for the other required parameters of IMPC_BWT_001 in the reference, so the hand-made file is whole."""
    procedure = Procedure.objects.get(key="IMPC_BWT_001", pipeline__key="IMPC_001")
    return procedure.parameters.filter(required=True, derived=False)


def test_specimens_create_match_and_report(importer_user, tmp_path):
    path = _write(tmp_path, "H.2020-01-01.1.specimen.impc.xml", SPECIMENS)
    report = import_files([path], actor=importer_user)
    assert report.counts["mouse"]["created"] == 1
    assert Mouse.objects.get(specimen_id="WT-1").strain.mgi_id == "MGI:2164831"
    reasons = {p.item: p.reason for p in report.problems}
    assert "--create-colonies" in reasons["'MUT-1'"] and "MGI:0000001" in reasons["'WT-2'"]
    lines = {p.item: p.line for p in report.problems}
    # libxml2 gives a line of the (multi-line) start tag, not always its first one
    assert 6 <= lines["'MUT-1'"] <= 8 and 12 <= lines["'WT-2'"] <= 13
    assert not Colony.objects.filter(name="H-NEW-COLONY").exists()

    again = import_files([path], actor=importer_user, create_colonies=True)
    assert again.counts["mouse"] == {"matched": 1, "created": 1, "skipped": 1}
    colony = Colony.objects.get(name="H-NEW-COLONY")
    assert colony.gene == Gene.objects.get(mgi_id="MGI:97490") and colony.background_strain.mgi_id == "MGI:2164831"
    assert Mouse.objects.get(specimen_id="MUT-1").colony == colony


def test_matched_mouse_with_other_dob_is_a_conflict_not_overwritten(importer_user, tmp_path):
    path = _write(tmp_path, "a.xml", SPECIMENS)
    import_files([path], actor=importer_user)
    changed = _write(tmp_path, "b.xml", SPECIMENS.replace('specimenID="WT-1" DOB="2020-01-02"',
                                                           'specimenID="WT-1" DOB="2020-02-02"'))
    report = import_files([changed], actor=importer_user)
    assert report.counts["mouse"]["conflict"] == 1
    assert any("conflict" in p.reason and "2020-02-02" in p.reason for p in report.problems)
    assert Mouse.objects.get(specimen_id="WT-1").date_of_birth == date(2020, 1, 2)


def test_experiments_import_match_and_report_unmapped(importer_user, tmp_path):
    text = EXPERIMENTS
    extra = "".join(
        f'<simpleParameter parameterID="{p.key}"><parameterStatus>IMPC_PARAMSC_005:not done</parameterStatus>'
        f"</simpleParameter>" if p.type == Parameter.Type.SIMPLE else
        f'<procedureMetadata parameterID="{p.key}"><parameterStatus>IMPC_PARAMSC_005</parameterStatus>'
        f"</procedureMetadata>"
        for p in _body_weight_metadata_values() if p.key not in ("IMPC_BWT_001_001", "IMPC_BWT_003_001")
        and p.type in (Parameter.Type.SIMPLE, Parameter.Type.METADATA)
    )
    # Keep the XSD order: simple parameters before metadata.
    text = text.replace('<procedureMetadata parameterID="IMPC_BWT_003_001">',
                        extra.replace("<procedureMetadata", "<!--m--><procedureMetadata", 0)
                        + '<procedureMetadata parameterID="IMPC_BWT_003_001">', 1)
    specimens = _write(tmp_path, "s.xml", SPECIMENS)
    experiments = _write(tmp_path, "e.xml", text)
    # The experiment file first: specimens are still imported before it.
    report = import_files([experiments, specimens], actor=importer_user)
    assert report.counts["experiment"]["created"] == 1, [str(p) for p in report.problems]
    experiment = Experiment.objects.get(mouse__specimen_id="WT-1")
    assert experiment.sequence_id == "7"
    assert experiment.values.get(parameter__key="IMPC_BWT_001_001").value == "21.5"
    reasons = [str(p) for p in report.problems]
    assert any("IMPC_BWT_999_001" in r and "not a parameter" in r for r in reasons)
    assert any("NOBODY" in r for r in reasons)

    again = import_files([specimens, experiments], actor=importer_user)
    assert again.counts["experiment"]["matched"] == 1 and Experiment.objects.count() == 1


def test_dry_run_rolls_back_and_exits_non_zero_when_something_is_unmapped(importer_user, tmp_path):
    path = _write(tmp_path, "s.xml", SPECIMENS)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("dcc_import", str(path), "--dry-run", user="importer", stdout=out)
    text = out.getvalue()
    assert "mouse: 1 created, 2 skipped" in text and "dry run" in text
    assert any(f"{path}:{line}: mouse 'MUT-1'" in text for line in (6, 7, 8))
    assert Mouse.objects.count() == 0


def test_clean_import_exits_zero_and_centre_override(importer_user, tmp_path):
    only_baseline = SPECIMENS.split('<mouse specimenID="MUT-1"')[0] + "</centre>\n</centreSpecimenSet>\n"
    path = _write(tmp_path, "s.xml", only_baseline)
    out = io.StringIO()
    call_command("dcc_import", str(path), "--centre", "J", user="importer", stdout=out)
    assert "mouse: 1 created" in out.getvalue()
    assert Mouse.objects.get(specimen_id="WT-1").centre == Centre.objects.get(code="J")


def test_zip_packaging_is_read(importer_user, tmp_path):
    archive = tmp_path / "H.2020-01-01.1.impc.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("H.2020-01-01.1.specimen.impc.xml", SPECIMENS)
        zf.writestr("sub/ignored.xml", "not xml")
    report = import_files([archive], actor=importer_user)
    assert report.counts["mouse"]["created"] == 1
    assert all(p.file.endswith(":H.2020-01-01.1.specimen.impc.xml") for p in report.problems)


LINES = """<?xml version="1.0" encoding="UTF-8"?>
<centreProcedureSet xmlns="{ns}">
  <centre centreID="H" pipeline="IMPC_001" project="BaSH">
    <housing fromLIMS="true" lastUpdated="2013-01-01"><procedure procedureID="IMPC_HOU_001"/></housing>
    <line colonyID="H-LINE-1">
      <procedure procedureID="IMPC_FER_001"/>
      <statusCode>IMPC_PSC_004:not bred yet</statusCode>
    </line>
    <experiment experimentID="E9" dateOfExperiment="2020-03-01">
      <specimenID>WT-1</specimenID>
      <statusCode>IMPC_PSC_001</statusCode>
    </experiment>
  </centre>
</centreProcedureSet>
""".format(ns=PROCEDURE_NS)


def test_line_level_status_code_housing_and_what_has_no_place(importer_user, tmp_path):
    centre = Centre.objects.get(code="H")
    colony = ColonyFactory(centre=centre, name="H-LINE-1")
    specimens = _write(tmp_path, "s.xml", SPECIMENS)
    lines = _write(tmp_path, "l.xml", LINES)
    # A <line> has no date: without --line-date it is recorded on the day of the import, with a warning.
    without_date = import_files([specimens, lines], actor=importer_user)
    assert any(p.kind == "warning" and "--line-date" in p.reason for p in without_date.problems)
    assert colony.line_experiments.get().date_of_experiment == date.today()
    housing = Housing.objects.get()
    assert (housing.centre, housing.procedure.key, housing.from_lims, housing.last_updated) == (
        centre, "IMPC_HOU_001", True, date(2013, 1, 1))

    report = import_files([lines], actor=importer_user, line_date=date(2020, 5, 1))
    assert report.counts["line"]["created"] == 1 and report.counts["housing"]["matched"] == 1
    record = colony.line_experiments.get(date_of_experiment=date(2020, 5, 1))
    assert record.status_code == "IMPC_PSC_004:not bred yet"
    assert record.dcc_status_codes == [["IMPC_PSC_004:not bred yet", ""]]
    reasons = {p.kind: p.reason for p in report.problems}
    assert "only status code(s) IMPC_PSC_001" in reasons["experiment"]


def test_command_service_account_is_a_centre_data_wrangler_not_a_superuser(reference, tmp_path):
    from lims.models import User

    centre = Centre.objects.get(code="H")
    colony = ColonyFactory(centre=centre, name="H-LINE-1")
    lines = _write(tmp_path, "l.xml", LINES)
    try:
        call_command("dcc_import", str(lines), "--centre", "H", "--line-date", "2020-05-01", stdout=io.StringIO())
    except CommandError:
        pass  # the housing block and the status-code-only experiment are reported: non-zero exit
    account = User.objects.get(username="dcc-import-h")
    assert (account.is_superuser, account.is_active, account.centre, account.role) == (False, False, centre,
                                                                                       "data_wrangler")
    assert colony.line_experiments.get().recorded_by == account
