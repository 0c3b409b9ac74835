"""Numbers on the DCC side: the importer checks them with the one number reader but keeps each value's text as sent;
the pre-flight refuses a decimal comma (the DCC's English NumberFormat reads "20,9" as 209) and lists confirmed
out-of-range values without blocking the export."""
import datetime as dt

import pytest
from django.urls import reverse
from lxml import etree

from colonies.models import Mouse
from lims.models import Centre
from procedures.dcc.importer import import_files
from procedures.dcc.ledger import Plan, PlannedRecord, plan_export
from procedures.dcc.models import SubmissionRecord
from procedures.dcc.preflight import preflight, preflight_notes
from procedures.dcc.xml import PROCEDURE_NS, write_experiment_file
from procedures.models import Experiment, ParameterValue
from tests.factories import MouseFactory

pytestmark = pytest.mark.django_db

KEY = "IMPC_BWT_001_001"
FILE = """<?xml version="1.0" encoding="UTF-8"?>
<centreProcedureSet xmlns="{ns}">
  <centre centreID="H" pipeline="IMPC_001" project="BaSH">
    <experiment experimentID="BW-COMMA" dateOfExperiment="2019-03-01">
      <specimenID>H-DCC-1</specimenID>
      <procedure procedureID="IMPC_BWT_001">
        <simpleParameter parameterID="IMPC_BWT_001_001" unit="g"><value>20,9</value></simpleParameter>
      </procedure>
    </experiment>
    <experiment experimentID="BW-HEAVY" dateOfExperiment="2019-03-08">
      <specimenID>H-DCC-1</specimenID>
      <procedure procedureID="IMPC_BWT_001">
        <simpleParameter parameterID="IMPC_BWT_001_001" unit="g"><value>250</value></simpleParameter>
      </procedure>
    </experiment>
  </centre>
</centreProcedureSet>
""".format(ns=PROCEDURE_NS)


def _plan(experiments) -> Plan:
    return Plan(records=[PlannedRecord(SubmissionRecord.Kind.EXPERIMENT, e.pk, "", "") for e in experiments])


@pytest.fixture
def imported(importer_user, tmp_path):
    centre = Centre.objects.get(code="H")
    MouseFactory(centre=centre, specimen_id="H-DCC-1", date_of_birth=dt.date(2018, 12, 1), is_baseline=True,
                 colony=None, zygosity=Mouse.Zygosity.WILD_TYPE)
    path = tmp_path / "numbers.experiment.impc.xml"
    path.write_text(FILE)
    report = import_files([path], actor=importer_user)
    return report, {e.dcc_experiment_id: e for e in Experiment.objects.filter(pk__in=report.experiments)}


def test_the_importer_warns_about_numbers_and_keeps_their_text_exactly(imported):
    report, experiments = imported
    assert set(experiments) == {"BW-COMMA", "BW-HEAVY"}
    reasons = [p.reason for p in report.warnings]
    assert any("'20,9' has a decimal comma; the DCC reads a comma as a thousands separator (it would read 209, "
               "not 20.9): send it as 20.9; kept as sent." in r for r in reasons)
    assert any("= 250 is outside the plausible range" in r and "kept and flagged for review" in r for r in reasons)
    comma = ParameterValue.objects.get(experiment=experiments["BW-COMMA"], parameter__key=KEY)
    heavy = ParameterValue.objects.get(experiment=experiments["BW-HEAVY"], parameter__key=KEY)
    assert (comma.value, comma.out_of_range) == ("20,9", False)
    assert (heavy.value, heavy.out_of_range) == ("250", True)


def test_the_round_trip_writes_the_values_back_as_sent(imported, tmp_path):
    _, experiments = imported
    out = tmp_path / "out.xml"
    write_experiment_file(out, Experiment.objects.filter(pk__in=[e.pk for e in experiments.values()]))
    values = [v.text for v in etree.parse(str(out)).iter(f"{{{PROCEDURE_NS}}}value")]
    assert sorted(values) == ["20,9", "250"]


def test_the_preflight_refuses_a_decimal_comma_and_lists_the_out_of_range_value_apart(imported):
    _, experiments = imported
    plan = _plan(experiments.values())
    centre = Centre.objects.get(code="H")
    findings = [f["message"] for f in preflight(centre=centre, plan=plan)]
    assert f"Body weight ({KEY}) = '20,9' has a decimal comma; the DCC reads a comma as a thousands separator (it would read " \
           "209, not 20.9): send it as 20.9." in findings
    assert not any("250" in f for f in findings)  # not a finding: it does not block
    notes = preflight_notes(plan=plan)
    assert [n["message"] for n in notes] == [
        f"Body weight ({KEY}) = 250 g is outside the plausible range (3.8 to 118 g); imported as the file sent it."]
    assert notes[0]["url"] == experiments["BW-HEAVY"].get_absolute_url()


def test_a_confirmed_bench_value_is_listed_on_the_dcc_page_and_does_not_block(client, centre, wrangler, mutant,
                                                                             record_weight, body_weight):
    body_weight.parameters.filter(key=KEY).update(min_value=5, max_value=80)
    with pytest.raises(Exception, match="outside the plausible range"):
        record_weight(mutant, weight="209")
    from procedures.services import EnteredValue, experiment_record
    from tests.factories import BODY_WEIGHT_VALUES

    values = {k: [EnteredValue(v)] for k, v in {**BODY_WEIGHT_VALUES, KEY: "209"}.items()}
    experiment = experiment_record(mouse=mutant, procedure=body_weight, actor=wrangler, confirm=True,
                                   date_of_experiment=dt.date.today() - dt.timedelta(days=3), values=values)
    plan = plan_export(centre=centre)
    assert not [f for f in preflight(centre=centre, plan=plan) if "209" in f["message"]]
    notes = preflight_notes(plan=plan)
    assert [n["message"] for n in notes] == [
        f"Body weight ({KEY}) = 209.0 g is outside the plausible range (5 to 80 g); confirmed by {wrangler}."]
    client.force_login(wrangler)
    page = client.get(reverse("dcc:overview")).content.decode()
    assert "Confirmed out-of-range values (1)" in page and experiment.get_absolute_url() in page
