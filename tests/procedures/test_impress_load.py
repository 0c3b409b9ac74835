"""The IMPReSS fixture (the full IMPC_001 definition) and its loader: what loads, what "unconfirmed" becomes, and
what a newer definition does to experiments recorded under an older one (they keep their values and units)."""
import copy
import datetime as dt
import json
import random
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from lxml import etree

from procedures.dcc.ledger import content_hash
from procedures.dcc.xml import experiment_content, experiment_rows, write_experiment_file
from procedures.forms import ExperimentRecordForm
from procedures.impress import impress_load
from procedures.models import Experiment, Parameter, ParameterValue, Procedure
from procedures.services import EnteredValue, experiment_record, experiment_values_update
from tests.dcc.helpers import PROCEDURE_NS, q
from tests.factories import MouseFactory
from tests.procedures.impress_values import FIXTURE, SHARED, impress_data, typed

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def _parameter(key: str) -> Parameter:
    return Parameter.objects.get(key=key, procedure__pipeline__key="IMPC_001")


def test_the_fixture_is_the_shared_full_definition_as_it_is():
    assert FIXTURE.read_bytes() == SHARED.read_bytes()
    data = impress_data()
    assert len(data["procedures"]) == 21
    assert sum(len(p["parameters"]) for p in data["procedures"]) == 1216
    assert all(p.get("source") for proc in data["procedures"] for p in proc["parameters"])  # every fact sourced


def test_load_reference_loads_every_procedure_and_parameter_once(django_assert_max_num_queries):
    out = StringIO()
    call_command("load_reference", stdout=out)
    assert "21 procedures, 1216 parameters, 1216 parameters created" in out.getvalue()
    assert Procedure.objects.filter(pipeline__key="IMPC_001").count() == 21
    assert Parameter.objects.filter(procedure__pipeline__key="IMPC_001").count() == 1216
    events = Parameter.pgh_event_models["insert"].objects.count()
    # each inserted row audited; the plausible ranges of fixtures/plausible_ranges.json are applied after, as updates
    assert Parameter.pgh_event_models["insert"].objects.filter(pgh_label="insert").count() == 1216

    with django_assert_max_num_queries(12):  # nothing changed: read and compare, write nothing
        counts = impress_load(impress_data())
    assert (counts["parameters created"], counts["parameters updated"]) == (0, 0)
    assert Parameter.pgh_event_models["insert"].objects.count() == events
    call_command("load_impress", str(FIXTURE), stdout=StringIO())
    assert Parameter.objects.filter(procedure__pipeline__key="IMPC_001").count() == 1216


def test_unconfirmed_facts_load_as_unknown_never_as_a_guess():
    data = impress_data()
    ipg = next(p for p in data["procedures"] if p["key"] == "IMPC_IPG_001")
    made_up = copy.deepcopy(ipg["parameters"][-1])
    made_up.update(key="IMPC_IPG_099_001", name="unconfirmed", unit="unconfirmed", required="unconfirmed",
                   derived="unconfirmed", value_type="unconfirmed", options="unconfirmed", increments="unconfirmed")
    ipg["parameters"].append(made_up)
    impress_load(data)

    unknown = _parameter("IMPC_IPG_099_001")
    assert (unknown.name, unknown.unit, unknown.required, unknown.derived, unknown.value_type, unknown.options,
            unknown.increments) == ("IMPC_IPG_099_001", "", False, False, "", [], [])
    assert _parameter("IMPC_CAL_022_001").unit == ""  # water intake: unit id 46 has no attested symbol
    assert _parameter("IMPC_IPG_012_001").unit == ""  # AUC: unit id 80 unattested
    assert _parameter("IMPC_GRS_006_001").options == []  # option names of metadata unconfirmed
    assert _parameter("IMPC_OFD_001_001").increments == []  # "probably 5/10/15/20", not sourced
    assert _parameter("IMPC_CAL_003_001").increments == []  # "simple repeat (Time Point, minimum 18)"


def test_what_the_sources_confirm_is_kept():
    impress_load(impress_data())
    glucose = _parameter("IMPC_IPG_002_001")
    assert (glucose.type, glucose.unit, glucose.increments) == ("series", "mg/dl", ["0", "15", "30", "60", "120"])
    assert _parameter("IMPC_XRY_069_001").options == ["normal", "abnormal", "unobservable", "imageOnly"]
    assert _parameter("IMPC_IPG_011_001").derived and not _parameter("IMPC_IPG_003_001").derived
    assert _parameter("IMPC_PAT_001_002").type == "ontology"
    assert (_parameter("IMPC_XRY_034_001").type, _parameter("IMPC_XRY_034_001").required) == ("seriesMedia", True)
    assert _parameter("IMPC_GRS_012_001").name == "Experimenter ID"
    cbc47 = _parameter("IMPC_CBC_047_001")
    assert (cbc47.retired, cbc47.required) == (True, False)
    fertility = Procedure.objects.get(key="IMPC_FER_001")
    housing = Procedure.objects.get(key="IMPC_HOU_001")
    assert (fertility.level, housing.level) == ("line", "centre")
    # The record form offers what IMPReSS lists, in IMPReSS's order.
    form = ExperimentRecordForm(parameters=list(Procedure.objects.get(key="IMPC_OFD_001").parameters.all()))
    assert [p.key for p in form.parameters][:3] == [p["key"] for p in sorted(
        next(x for x in impress_data()["procedures"] if x["key"] == "IMPC_OFD_001")["parameters"],
        key=lambda p: p["impress_order"]) if not p["derived"]][:3]


def _subset_era(data: dict) -> dict:
    """The definition as the earlier subset had it where the 2020 one changed: IPG_002 in mmol/l, CBC_047 (required)
    and CBC_060 current, GRS_004 required."""
    old = copy.deepcopy(data)
    for proc in old["procedures"]:
        for param in proc["parameters"]:
            if param["key"] == "IMPC_IPG_002_001":
                param["unit"] = "mmol/l"
            if param["key"] in ("IMPC_CBC_047_001", "IMPC_CBC_060_001"):
                param.pop("retired")
                param["required"] = param["key"] == "IMPC_CBC_047_001"
            if param["key"] == "IMPC_GRS_004_001":
                param["required"] = True
    return old


def _glucose_values(**extra) -> dict[str, list[EnteredValue]]:
    values = {"IMPC_IPG_001_001": [EnteredValue(value="27.1")],
              "IMPC_IPG_002_001": [EnteredValue(value=v, increment=i)
                                   for i, v in zip(("0", "15", "30", "60", "120"), ("7.9", "17.6", "16.4", "12.8",
                                                                                      "9.2"), strict=True)]}
    for key in ("003", "004", "005", "006", "007", "008"):
        values[f"IMPC_IPG_{key}_001"] = [EnteredValue(value="meter")]
    values.update(extra)
    return values


def test_values_typed_under_an_earlier_unit_keep_it_and_are_not_sent_again(centre, tech, tmp_path):
    data = impress_data()
    impress_load(_subset_era(data))
    ipg = Procedure.objects.get(key="IMPC_IPG_001")
    mouse = MouseFactory(centre=centre, date_of_birth=TODAY - dt.timedelta(weeks=14))
    before = experiment_record(mouse=mouse, procedure=ipg, date_of_experiment=TODAY, actor=tech,
                               values=_glucose_values())
    hash_before = content_hash(experiment_content(experiment_rows(Experiment.objects.filter(pk=before.pk)).get()))

    counts = impress_load(data)

    assert counts["values kept in their unit"] == 5
    glucose = before.values.filter(parameter__key="IMPC_IPG_002_001")
    assert {v.recorded_unit for v in glucose} == {"mmol/l"} and _parameter("IMPC_IPG_002_001").unit == "mg/dl"
    assert [v.value for v in glucose.order_by("pk")] == ["7.9", "17.6", "16.4", "12.8", "9.2"]  # never converted
    # The ledger sees the same record: it is not sent again for a definition change.
    assert content_hash(experiment_content(experiment_rows(Experiment.objects.filter(pk=before.pk)).get())) \
        == hash_before
    after = experiment_record(mouse=MouseFactory(centre=centre, date_of_birth=mouse.date_of_birth), procedure=ipg,
                              date_of_experiment=TODAY, actor=tech, values=_glucose_values())
    write_experiment_file(tmp_path / "e.xml", Experiment.objects.filter(pk__in=[before.pk, after.pk]))
    units = {e.findtext(q(PROCEDURE_NS, "specimenID")): e.find(
        f".//{q(PROCEDURE_NS, 'seriesParameter')}").get("unit")
        for e in etree.parse(str(tmp_path / "e.xml")).iter(q(PROCEDURE_NS, "experiment"))}
    assert units == {mouse.specimen_id: "mmol/l", after.mouse.specimen_id: "mg/dl"}


def test_a_retired_parameter_keeps_old_values_and_is_not_offered_for_new_records(centre, tech, tmp_path):
    data = impress_data()
    impress_load(_subset_era(data))
    grip = Procedure.objects.get(key="IMPC_GRS_001")
    assert _parameter("IMPC_GRS_004_001").required
    cbc = Procedure.objects.get(key="IMPC_CBC_003")
    assert "IMPC_CBC_047_001" in [p.key for p in ExperimentRecordForm(parameters=list(cbc.parameters.all())).parameters]
    mouse = MouseFactory(centre=centre, date_of_birth=TODAY - dt.timedelta(weeks=16))
    rng = random.Random(3)
    required = {p.key: [EnteredValue(value=typed(p, rng, TODAY))]
                for p in cbc.parameters.filter(required=True, derived=False)}
    required["IMPC_CBC_047_001"] = [EnteredValue(value="2026-01-01")]
    old = experiment_record(mouse=mouse, procedure=cbc, date_of_experiment=TODAY, actor=tech, values=required)
    hash_before = content_hash(experiment_content(experiment_rows(Experiment.objects.filter(pk=old.pk)).get()))

    counts = impress_load(data)

    assert counts["parameters retired"] == 2 and counts["parameters updated"] >= 4
    assert not _parameter("IMPC_GRS_004_001").required
    assert grip.parameters.get(key="IMPC_GRS_004_001")  # still there
    assert old.values.filter(parameter__key="IMPC_CBC_047_001").get().value == "2026-01-01"
    # Sent before the retirement: not sent again for it (the export leaves the retired value out of a new file).
    assert content_hash(experiment_content(experiment_rows(Experiment.objects.filter(pk=old.pk)).get())) \
        == hash_before
    write_experiment_file(tmp_path / "cbc.xml", Experiment.objects.filter(pk=old.pk))
    sent = {e.get("parameterID") for e in etree.parse(str(tmp_path / "cbc.xml")).iter()
            if e.get("parameterID")}
    assert "IMPC_CBC_004_001" in sent and "IMPC_CBC_047_001" not in sent  # the DCC refuses it in CBC_003 now
    form = ExperimentRecordForm(parameters=list(cbc.parameters.all()))
    assert "IMPC_CBC_047_001" not in [p.key for p in form.parameters]
    assert "IMPC_CBC_047_001" not in form.fields
    # A new record is not required to give it, and may not.
    values = {k: v for k, v in required.items() if k != "IMPC_CBC_047_001"}
    experiment_record(mouse=MouseFactory(centre=centre, date_of_birth=mouse.date_of_birth), procedure=cbc,
                      date_of_experiment=TODAY, actor=tech, values=values)
    with pytest.raises(ValidationError) as refused:
        experiment_record(mouse=MouseFactory(centre=centre, date_of_birth=mouse.date_of_birth), procedure=cbc,
                          date_of_experiment=TODAY, actor=tech,
                          values={**values, "IMPC_CBC_047_001": [EnteredValue(value="2026-01-02")]})
    assert "no longer part of IMPC_CBC_003" in refused.value.message_dict["IMPC_CBC_047_001"][0]
    # Editing the old experiment keeps its retired value as it was.
    experiment_values_update(experiment=old, actor=tech, values={"IMPC_CBC_001_001": [EnteredValue(value="2")]})
    assert old.values.get(parameter__key="IMPC_CBC_047_001").value == "2026-01-01"
    assert ParameterValue.objects.filter(experiment=old).count() == len(required) + 1  # CBC_001 added, none lost


def test_a_parameter_imported_before_its_definition_is_taken_over_by_the_load(centre, tech):
    """A DCC import registered IMPC_OFD_007_001 while the subset defined no Open Field parameter; loading the full
    definition makes it the IMPReSS parameter (with its type and unit) and keeps the imported value on it."""
    data = impress_data()
    subset_era = copy.deepcopy(data)
    next(p for p in subset_era["procedures"] if p["key"] == "IMPC_OFD_001")["parameters"] = []
    impress_load(subset_era)
    ofd = Procedure.objects.get(key="IMPC_OFD_001")
    registered = Parameter.objects.create(procedure=ofd, key="IMPC_OFD_007_001", name="IMPC_OFD_007_001",
                                          type="simple", source="import")

    impress_load(data)

    registered.refresh_from_db()
    assert (registered.source, registered.name, registered.unit) == ("impress", "Whole arena resting time", "s")
    assert Parameter.objects.filter(procedure=ofd, key="IMPC_OFD_007_001").count() == 1


def test_load_impress_reads_a_file_in_the_shared_format(tmp_path):
    data = impress_data()
    data["procedures"] = [p for p in data["procedures"] if p["key"] == "IMPC_HWT_001"]
    path = tmp_path / "hwt.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = StringIO()
    call_command("load_impress", str(path), stdout=out)
    assert out.getvalue().strip().startswith("1 procedures, 12 parameters;")  # then what the ranges table did
    assert Parameter.objects.filter(procedure__key="IMPC_HWT_001").count() == 12
