"""Acceptance of issue 13 (points 1 and 4) on the data `make run` serves (`migrate`, `load_reference`, `load_demo`).

As demo-technician every procedure scheduled for the demo mice opens a record form with the inputs of its
parameters, and each one can be recorded through that form and sent: its experiment raises no pre-flight finding
and its XML is valid against the DCC's schema. The demo's DCC page shows the three legacy experiments the pre-flight
refuses (empty, no definition, required values missing), each linked to the experiment to fix.
"""
import datetime as dt
import re
from io import StringIO

import pytest
import xmlschema
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from colonies.models import Colony
from lims.bench.demo import LEGACY_PREFIX
from lims.models import Centre, User
from procedures.dcc.ledger import plan_export
from procedures.dcc.preflight import preflight
from procedures.dcc.xml import write_experiment_file
from procedures.models import Experiment, Pipeline, Procedure, ScheduledTest
from procedures.services import mice_enrol
from tests.factories import MouseFactory
from tests.procedures.impress_values import form_post, input_names

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())  # runs load_reference first, as `make run` does
    return User.objects.get(username="demo-technician")


def _one_test_per_procedure() -> dict[str, ScheduledTest]:
    tests = (ScheduledTest.objects.filter(centre__code="H", status=ScheduledTest.Status.SCHEDULED)
             .select_related("procedure").order_by("procedure__key", "due_date", "pk"))
    first: dict[str, ScheduledTest] = {}
    for test in tests:
        first.setdefault(test.procedure.key, test)
    return first


def test_every_scheduled_procedure_of_the_demo_opens_a_form_with_its_parameters(client, demo):
    tests = _one_test_per_procedure()
    mouse_level = set(Procedure.objects.filter(pipeline__key="IMPC_001", level=Procedure.Level.MOUSE, source="impress")
                      .values_list("key", flat=True))
    assert set(tests) == mouse_level and len(tests) == 18  # every mouse-level procedure of IMPC_001 is scheduled
    client.force_login(demo)
    for key, test in tests.items():
        response = client.get(reverse("procedures:experiment_record", args=[test.pk]))
        html = response.content.decode()
        expected = input_names(test.procedure)
        found = set(re.findall(r'name="([^"]+)"', html))
        assert response.status_code == 200 and "cannot be recorded" not in html, key
        assert len(expected) >= 4, key  # a procedure with parameters, not a date and an experimenter
        assert expected <= found, (key, sorted(expected - found)[:5])


def test_the_worklist_offers_a_record_button_for_every_procedure_due(client, demo):
    client.force_login(demo)
    later = (TODAY + dt.timedelta(weeks=9)).isoformat()  # every test of the cohort is due by then
    html = client.get(reverse("procedures:worklist"), {"day": later}).content.decode()
    assert "cannot be recorded" not in html.lower()
    for test in _one_test_per_procedure().values():
        assert f"Record {test.procedure.name} for {test.mouse.specimen_id}" in html, test.procedure.key


def test_every_scheduled_procedure_can_be_recorded_through_its_form_and_sent(client, demo, tmp_path):
    """One mouse per procedure, due today (inside its window), recorded with the form filled in completely."""
    pipeline = Pipeline.objects.get(key="IMPC_001")
    colony = Colony.objects.get(name="H-CBX1-A01")
    procedures = list(Procedure.objects.filter(pipeline=pipeline, level=Procedure.Level.MOUSE, source="impress"))
    client.force_login(demo)
    recorded = []
    for n, procedure in enumerate(procedures):
        born = TODAY - dt.timedelta(weeks=procedure.week or 10)
        mouse = MouseFactory(centre=demo.centre, colony=colony, specimen_id=f"H-ACC-{n:03d}", date_of_birth=born,
                             zygosity="heterozygous")
        mice_enrol(mice=[mouse], pipeline=pipeline, actor=demo, enrolled_on=TODAY)
        test = ScheduledTest.objects.get(mouse=mouse, procedure=procedure)
        assert test.due_date == TODAY, procedure.key
        data = {"date_of_experiment": TODAY.isoformat(), "experimenter": "1001", **form_post(procedure, seed=n)}
        response = client.post(reverse("procedures:experiment_record", args=[test.pk]), data)
        errors = response.context["form"].errors if response.status_code == 200 else None
        assert response.status_code == 302, (procedure.key, errors)
        recorded.append(Experiment.objects.get(scheduled_test=test))

    centre = Centre.objects.get(code="H")
    urls = {e.get_absolute_url() for e in recorded}
    findings = [f for f in preflight(centre=centre, plan=plan_export(centre=centre)) if f["url"] in urls]
    assert findings == []
    path = tmp_path / "experiments.xml"
    result = write_experiment_file(path, Experiment.objects.filter(pk__in=[e.pk for e in recorded]))
    assert result.problems == [] and result.count == len(procedures)
    schema = xmlschema.XMLSchema(str(django_settings.LIMS_DCC_XSD_DIR / "core" / "procedure_definition.xsd"))
    schema.validate(str(path))


def test_the_demo_pre_flight_lists_each_refused_experiment_with_its_link(client, demo):
    wrangler = User.objects.get(username="demo-data-wrangler")
    legacy = {e.dcc_experiment_id: e for e in Experiment.objects.filter(dcc_experiment_id__startswith=LEGACY_PREFIX)}
    assert set(legacy) == {f"{LEGACY_PREFIX}OFD-1", f"{LEGACY_PREFIX}EYE-1", f"{LEGACY_PREFIX}IPG-1"}
    client.force_login(wrangler)
    html = client.get(reverse("dcc:overview")).content.decode()
    findings = re.findall(r'<li><a href="([^"]+)">[^<]*</a>: ([^<]*)</li>', html)
    by_url: dict[str, list[str]] = {}
    for url, message in findings:
        by_url.setdefault(url, []).append(message)
    assert any("has no values" in m for m in by_url[legacy[f"{LEGACY_PREFIX}OFD-1"].get_absolute_url()])
    assert any("has no IMPReSS definition" in m for m in by_url[legacy[f"{LEGACY_PREFIX}EYE-1"].get_absolute_url()])
    assert any("Required parameters missing: Equipment ID (IMPC_IPG_003_001)" in m
               for m in by_url[legacy[f"{LEGACY_PREFIX}IPG-1"].get_absolute_url()])
    # Each link opens the experiment for the data wrangler.
    for experiment in legacy.values():
        assert client.get(experiment.get_absolute_url()).status_code == 200
