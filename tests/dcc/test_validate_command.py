"""`dcc_validate`: XSD errors then local DCC rules, each with its line; exit 0 only when every file is clean."""
import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from procedures.dcc.local_rules import check_file
from procedures.dcc.xml import PROCEDURE_NS, SPECIMEN_NS
from tests.dcc.samples import invalid_entries, path_of, reason_keyword, valid_entries


def _run(*files) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("dcc_validate", *map(str, files), stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


@pytest.mark.parametrize("entry", invalid_entries())
def test_invalid_sample_is_refused_with_its_reason(entry):
    ok, text = _run(path_of(entry))
    assert not ok
    assert reason_keyword(entry) in text, (reason_keyword(entry), text)
    assert ":line " in text  # every error carries its line


@pytest.mark.parametrize("entry", valid_entries())
def test_valid_sample_passes_the_xsd(entry):
    """A MANIFEST-valid sample has no XSD error; local-rule findings (the DCC's negative test files) may remain."""
    _ok, text = _run(path_of(entry))
    assert "[XSD]" not in text


SPECIMEN = """<?xml version="1.0" encoding="UTF-8"?>
<centreSpecimenSet xmlns="{ns}">
  <centre centreID="H">
    <mouse specimenID="A" DOB="{future}" gender="female" zygosity="wild type" isBaseline="true"
           litterId="L1" pipeline="IMPC_001" phenotypingCentre="H" project="BaSH"/>
    <mouse specimenID="B" DOB="2020-01-01" gender="male" zygosity="homozygous" isBaseline="false"
           litterId="L1" pipeline="IMPC_001" phenotypingCentre="H" project="BaSH"><statusCode>IMPC_XXX_1</statusCode></mouse>
  </centre>
</centreSpecimenSet>
"""

EXPERIMENT = """<?xml version="1.0" encoding="UTF-8"?>
<centreProcedureSet xmlns="{ns}">
  <centre centreID="H" pipeline="IMPC_001" project="BaSH">
    <experiment experimentID="E1" dateOfExperiment="2020-03-01">
      <specimenID>A</specimenID>
    </experiment>
    <experiment experimentID="E2" dateOfExperiment="2020-03-01">
      <specimenID>A</specimenID>
      <procedure procedureID="IMPC_BWT_001">
        <simpleParameter parameterID="IMPC_BWT_001_001"><value>1</value></simpleParameter>
        <simpleParameter parameterID="IMPC_BWT_001_001"><value>2</value></simpleParameter>
        <simpleParameter parameterID="IMPC_BWT_002_001"/>
        <seriesParameter parameterID="IMPC_GRS_001_001"><value incrementValue="1" incrementStatus="IMPC_PARAMSC_001">3</value></seriesParameter>
      </procedure>
    </experiment>
  </centre>
</centreProcedureSet>
"""


def test_local_rules_name_rule_and_line(tmp_path):
    future = (date.today() + timedelta(days=3)).isoformat()
    specimens = tmp_path / "s.xml"
    specimens.write_text(SPECIMEN.format(ns=SPECIMEN_NS, future=future))
    found = {(f.line, f.rule) for f in check_file(specimens)}
    assert found == {
        (5, "testNoStrainSpecified"), (5, "testSpecimenDatesWithinLimits"),
        (7, "testNoColonyIDSpecified"), (7, "specimenStatusCode"),
    }
    experiments = tmp_path / "e.xml"
    experiments.write_text(EXPERIMENT.format(ns=PROCEDURE_NS))
    found = {(f.line, f.rule) for f in check_file(experiments)}
    assert found == {
        (4, "nullStatusCodenullProcedures"), (11, "checkRepeatedParameters"), (12, "emptyValue"),
        (13, "seriesParameterValueOrStatus"),
    }
    ok, text = _run(specimens, experiments)
    assert not ok
    assert f"{specimens}:line 5: [testNoStrainSpecified]" in text
    assert f"{experiments}:line 11: [checkRepeatedParameters]" in text


def test_clean_file_and_zip_exit_zero(tmp_path):
    text = SPECIMEN.format(ns=SPECIMEN_NS, future="2020-01-01").replace(
        'isBaseline="true"', 'isBaseline="true" strainID="MGI:2164831"').replace(
        'isBaseline="false"', 'isBaseline="false" colonyID="C1"').replace("IMPC_XXX_1", "IMPC_SSC_003:note")
    archive = tmp_path / "H.2020-01-01.1.impc.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("H.2020-01-01.1.specimen.impc.xml", text)
    ok, out = _run(archive)
    assert ok, out
    assert "H.2020-01-01.1.specimen.impc.xml: OK" in out


def test_xsd_error_has_its_line(tmp_path):
    broken = tmp_path / "b.xml"
    broken.write_text(SPECIMEN.format(ns=SPECIMEN_NS, future="2020-01-01").replace('gender="male"', 'gender="m"'))
    ok, text = _run(broken)
    assert not ok and f"{broken}:line 7:" in text and "[XSD]" in text
