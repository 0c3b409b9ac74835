"""The pre-flight refuses what the DCC would refuse or should never get (issue 13, point 4): an experiment with no
values, one whose procedure has no IMPReSS definition, one missing a required parameter, and a value typed under
an earlier IMPReSS unit. Each finding links to the experiment to fix, and an export with findings sends nothing."""
import datetime as dt

import pytest
from django.urls import reverse

from procedures.dcc.ledger import plan_export
from procedures.dcc.models import Submission
from procedures.dcc.preflight import preflight
from procedures.dcc.services import submission_build, submission_create
from procedures.models import Parameter, ParameterValue
from procedures.services import EnteredValue, experiment_import, experiment_values_update
from tests.dcc.conftest import TODAY
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def _findings(centre) -> list[dict]:
    return preflight(centre=centre, plan=plan_export(centre=centre))


def _of(findings, experiment) -> list[str]:
    return [f["message"] for f in findings if f["url"] == experiment.get_absolute_url()]


def test_a_complete_experiment_passes(centre, mutant, record_weight):
    record_weight(mutant)
    assert _findings(centre) == []


def test_an_experiment_with_no_values_is_refused_with_its_link(centre, mutant, body_weight, wrangler, tmp_path):
    """As the subset's LIMS delivered an Open Field: `<procedure procedureID="IMPC_OFD_001"></procedure>`."""
    empty = experiment_import(mouse=mutant, procedure=body_weight, date_of_experiment=TODAY, rows=[], actor=wrangler)
    findings = _findings(centre)
    assert _of(findings, empty) == [(f"Body Weight for {mutant.specimen_id} has no values: the DCC would receive an "
                                     "empty procedure. Enter its values (Edit values), or void it.")]
    assert {f["url"] for f in findings} == {reverse("procedures:experiment_detail", args=[empty.pk])}

    submission = submission_build(
        submission_id=submission_create(centre=centre, actor=wrangler, out_dir=tmp_path).pk)
    assert submission.status == Submission.Status.FAILED
    assert any("has no values" in str(error) for error in submission.errors)
    assert not submission.files.exists() and not any(tmp_path.rglob("*.zip"))


def test_an_experiment_of_a_procedure_with_no_definition_is_refused(centre, mutant, wrangler):
    open_field = ProcedureFactory(key="IMPC_OFD_001", name="Open Field", week=9)  # no parameters loaded
    experiment = experiment_import(mouse=mutant, procedure=open_field, date_of_experiment=TODAY, rows=[],
                                   actor=wrangler)
    assert _of(_findings(centre), experiment) == [
        ("Open Field (IMPC_OFD_001) has no IMPReSS definition in the LIMS (no parameters): its values cannot be "
         "checked or sent. Load the IMPReSS definition, or void the experiment.")]


def test_missing_required_parameters_are_named(centre, mutant, baseline, body_weight, record_weight, wrangler):
    recorded = record_weight(mutant)
    # A newer definition requires the comment the technician left empty; an import lacks the body weight itself.
    Parameter.objects.filter(key="IMPC_BWT_002_001").update(required=True)
    weight = body_weight.parameters.get(key="IMPC_BWT_003_001")
    imported = experiment_import(mouse=baseline, procedure=body_weight, date_of_experiment=TODAY, actor=wrangler,
                                 rows=[ParameterValue(parameter=weight, kind="procedureMetadata", value="SCALE-1",
                                                      unit="", position=0)])
    findings = _findings(centre)
    assert _of(findings, recorded) == [
        "Required parameters missing: General comments about the mouse (IMPC_BWT_002_001)."]
    assert _of(findings, imported) == [
        ("Required parameters missing: Body weight (IMPC_BWT_001_001), General comments about the mouse "
         "(IMPC_BWT_002_001), Equipment manufacturer (IMPC_BWT_004_001), Experimenter ID (IMPC_BWT_005_001), "
         "Equipment model (IMPC_BWT_007_001).")]


def test_a_value_typed_under_an_earlier_unit_is_refused_until_re_entered(centre, mutant, record_weight):
    experiment = record_weight(mutant, weight="0.0245")
    # Recorded when the definition said kg (as `procedures.impress` keeps it when the unit changes).
    experiment.values.filter(parameter__key="IMPC_BWT_001_001").update(unit="kg")
    assert _of(_findings(centre), experiment) == [
        ("Body weight (IMPC_BWT_001_001) = '0.0245' was recorded in kg; IMPReSS now defines g. Re-enter it in g "
         "(Edit values).")]
    experiment_values_update(experiment=experiment, actor=experiment.recorded_by,
                             values={"IMPC_BWT_001_001": [EnteredValue(value="24.5")]})
    value = experiment.values.get(parameter__key="IMPC_BWT_001_001")
    assert (value.value, value.recorded_unit) == ("24.5", "g")
    assert _findings(centre) == []


def test_the_dcc_page_lists_each_finding_with_its_link(client, centre, mutant, body_weight, wrangler):
    empty = experiment_import(mouse=mutant, procedure=body_weight, date_of_experiment=TODAY - dt.timedelta(days=1),
                              rows=[], actor=wrangler)
    client.force_login(wrangler)
    html = client.get(reverse("dcc:overview")).content.decode()
    assert (f'<a href="{empty.get_absolute_url()}">{empty}</a>: Body Weight for {mutant.specimen_id} has no values'
            in html.replace("&#x27;", "'"))
