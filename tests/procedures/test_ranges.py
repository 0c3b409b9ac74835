"""Plausible ranges: a value outside asks the technician to confirm; confirmed, it is kept exactly as entered,
flagged, and the confirmation is in the record and its history. The ranges come from IMPReSS or the fixture table."""
import datetime as dt
import json

import pytest
from django.core.management import call_command

from lims.audit import history_for
from procedures import services
from procedures.models import Experiment, Parameter, ParameterValue
from procedures.ranges import RANGES_FILE, plausible_ranges_load, table_ranges
from procedures.services import EnteredValue, ValuesNeedConfirmation
from tests.factories import BODY_WEIGHT_VALUES, MouseFactory, ProcedureFactory, body_weight_procedure

pytestmark = pytest.mark.django_db

KEY = "IMPC_BWT_001_001"


def _record(tech, weight, **kwargs):
    return services.experiment_record(
        mouse=MouseFactory(centre=tech.centre), procedure=body_weight_procedure(), actor=tech,
        date_of_experiment=dt.date(2026, 2, 2),
        values={k: [EnteredValue(value=v)] for k, v in {**BODY_WEIGHT_VALUES, KEY: weight}.items()}, **kwargs,
    )


@pytest.fixture
def ranged():
    body_weight_procedure()
    Parameter.objects.filter(key=KEY).update(min_value=5, max_value=60)


@pytest.mark.parametrize("weight", ["3", "80", "250"])
def test_a_value_outside_the_range_asks_for_confirmation_and_saves_nothing(tech, ranged, weight):
    with pytest.raises(ValuesNeedConfirmation) as asked:
        _record(tech, weight)
    assert asked.value.warnings == [f"Body weight ({KEY}) = {float(weight)!r} g is outside the plausible range "
                                    "(5 to 60 g): check it."]
    assert asked.value.keyed[0][0] == KEY
    assert asked.value.message_dict["confirm"]  # the breeding rules' shape: warnings + how to confirm
    assert not Experiment.objects.exists()


@pytest.mark.parametrize(("weight", "flagged"), [("24.5", False), ("5", False), ("60", False), ("3", True),
                                                 ("80", True)])
def test_confirmed_values_are_flagged_not_changed(tech, ranged, weight, flagged):
    experiment = _record(tech, weight, confirm=True)
    value = experiment.values.get(parameter__key=KEY)
    assert value.out_of_range is flagged
    assert value.value == repr(float(weight))
    assert bool(experiment.confirmed_warnings) is flagged


def test_the_confirmation_is_kept_in_the_history(tech, ranged):
    experiment = _record(tech, "250", confirm=True)
    assert experiment.confirmed_warnings == [f"Body weight ({KEY}) = 250.0 g is outside the plausible range "
                                             "(5 to 60 g): check it."]
    created = history_for(experiment)[0]
    assert created["user"] == tech.username
    assert created["reason"] == f"Confirmed warnings: {experiment.confirmed_warnings[0]}"
    assert "250.0 g" in str(created["changes"]["confirmed_warnings"])


def test_without_a_range_nothing_is_flagged_or_asked(tech):
    value = _record(tech, "999").values.get(parameter__key=KEY)
    assert value.out_of_range is False


def test_an_edit_into_range_clears_the_flag(tech, ranged):
    experiment = _record(tech, "245", confirm=True)
    services.experiment_values_update(experiment=experiment, actor=tech,
                                      values={KEY: [EnteredValue(value="24.5")]})
    assert experiment.values.get(parameter__key=KEY).out_of_range is False


def test_an_edit_out_of_range_asks_again_and_adds_to_the_confirmations(tech, ranged):
    experiment = _record(tech, "24.5")
    with pytest.raises(ValuesNeedConfirmation):
        services.experiment_values_update(experiment=experiment, actor=tech, values={KEY: [EnteredValue("2,45")]})
    assert experiment.values.get(parameter__key=KEY).value == "24.5"
    services.experiment_values_update(experiment=experiment, actor=tech, values={KEY: [EnteredValue("2,45")]},
                                      reason="Runt of the litter.", confirm=True)
    experiment.refresh_from_db()
    assert experiment.values.get(parameter__key=KEY).value == "2.45"
    assert "2.45 g is outside" in experiment.confirmed_warnings[0]
    assert history_for(experiment)[-1]["reason"].startswith("Runt of the litter. Confirmed warnings: ")


def test_an_edit_of_another_value_does_not_ask_about_a_confirmed_one(tech, ranged):
    experiment = _record(tech, "250", confirm=True)
    services.experiment_values_update(experiment=experiment, actor=tech,
                                      values={"IMPC_BWT_002_001": [EnteredValue("calm")]})
    assert experiment.values.get(parameter__key="IMPC_BWT_002_001").value == "calm"


# --- API: 400 with `warnings` until re-sent with "confirm": true -----------------------------------------------


def _api_item(mouse, weight):
    return {"mouse": mouse.pk, "procedure": "IMPC_BWT_001", "date_of_experiment": "2026-02-02",
            "entered_values": [{"parameter": k, "value": v} for k, v in {**BODY_WEIGHT_VALUES, KEY: weight}.items()]}


def test_api_answers_400_with_warnings_until_confirmed(auth_client, tech, ranged):
    mouse = MouseFactory(centre=tech.centre)
    client = auth_client(tech)
    warned = client.post("/api/v1/experiments/", _api_item(mouse, "250"), format="json")
    assert warned.status_code == 400
    assert warned.json()["errors"]["warnings"] == [f"Body weight ({KEY}) = 250.0 g is outside the plausible range "
                                                   "(5 to 60 g): check it."]
    assert "confirm" in warned.json()["errors"]
    assert not Experiment.objects.exists()
    saved = client.post("/api/v1/experiments/", {**_api_item(mouse, "250"), "confirm": True}, format="json")
    assert saved.status_code == 201, saved.json()
    body = saved.json()
    assert body["confirmed_warnings"] and body["values"][0]["out_of_range"] is True


def test_bulk_api_names_each_items_warnings_and_takes_one_confirm(auth_client, tech, ranged):
    mice = [MouseFactory(centre=tech.centre) for _ in range(3)]
    items = [_api_item(mice[0], "24.5"), _api_item(mice[1], "250"), _api_item(mice[2], "2,5")]
    client = auth_client(tech)
    warned = client.post("/api/v1/experiments/bulk/", {"experiments": items}, format="json")
    assert warned.status_code == 400
    warnings = warned.json()["errors"]["warnings"]
    assert [w.split(":")[0] for w in warnings] == ["experiments[1]", "experiments[2]"]
    assert "2.5 g is outside" in warnings[1]
    assert not Experiment.objects.exists()
    saved = client.post("/api/v1/experiments/bulk/", {"experiments": items, "confirm": True}, format="json")
    assert saved.status_code == 201 and saved.json()["count"] == 3
    assert ParameterValue.objects.filter(parameter__key=KEY, out_of_range=True).count() == 2


def test_bulk_api_reports_errors_before_warnings(auth_client, tech, ranged):
    mice = [MouseFactory(centre=tech.centre) for _ in range(2)]
    items = [_api_item(mice[0], "250"), _api_item(mice[1], "1,234")]
    response = auth_client(tech).post("/api/v1/experiments/bulk/", {"experiments": items}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {f"experiments[1].{KEY}": [
        "Body weight must be a number without a thousands separator: '1,234' could mean 1.234 or 1234; "
        "type 1.234 or 1234."]}


# --- Line-level procedures ---------------------------------------------------------------------------------------


def test_a_line_value_out_of_range_asks_too(tech):
    from procedures.models import Procedure
    from tests.factories import ColonyFactory

    procedure = ProcedureFactory(key="IMPC_FER_001", level=Procedure.Level.LINE)
    Parameter.objects.create(procedure=procedure, key="IMPC_FER_019_001", name="Total pups born", type="simple",
                             value_type="INT", required=True, min_value=0, max_value=30)
    colony = ColonyFactory(centre=tech.centre)
    values = {"IMPC_FER_019_001": [EnteredValue("90")]}
    with pytest.raises(ValuesNeedConfirmation):
        services.line_experiment_record(colony=colony, procedure=procedure, date_of_experiment=dt.date(2026, 2, 2),
                                        values=values, actor=tech)
    record = services.line_experiment_record(colony=colony, procedure=procedure, actor=tech, confirm=True,
                                             date_of_experiment=dt.date(2026, 2, 2), values=values)
    assert record.values.get().value == "90"
    with pytest.raises(Exception, match="must be a whole number"):
        services.line_experiment_record(colony=colony, procedure=procedure, date_of_experiment=dt.date(2026, 2, 2),
                                        values={"IMPC_FER_019_001": [EnteredValue("9.5")]}, actor=tech)


# --- The ranges table and its loader ----------------------------------------------------------------------------


def test_the_table_cites_a_source_for_every_range_and_says_why_others_have_none():
    data = json.loads(RANGES_FILE.read_text())
    assert data["ranges"] and data["no_range"]
    for row in data["ranges"]:
        assert row["sources"] and all(s in data["sources"] for s in row["sources"])
        assert row["unit"] and row["basis"]
        assert row["min"] < row["max"]
    for source in data["sources"].values():
        assert source["citation"] and source["url"].startswith("https://")
    for row in data["no_range"]:
        assert row["why"]
    with_range = {k for row in data["ranges"] for k in row["keys"]}
    without = {k for row in data["no_range"] for k in row["keys"]}
    assert not with_range & without
    body_weight = table_ranges()[KEY]
    assert body_weight.min_value <= 5 and 80 <= body_weight.max_value < 209  # 20,9 read as 209 would be flagged


def test_the_ranges_load_where_the_key_and_unit_match_and_skip_the_rest(tmp_path):
    procedure = body_weight_procedure()
    Parameter.objects.create(procedure=procedure, key="IMPC_HWT_008_001", name="Heart weight", type="simple",
                             value_type="FLOAT", unit="g", order=9)  # the table's range is in mg
    loaded = plausible_ranges_load()
    weight = Parameter.objects.get(key=KEY)
    assert (weight.min_value, weight.max_value) == (table_ranges()[KEY].min_value, table_ranges()[KEY].max_value)
    assert weight.range_source.startswith("plausible_ranges.json: Body weight") and "REED_2007" in weight.range_source
    assert KEY in loaded.applied
    assert "IMPC_HEM_001_001" in loaded.missing  # not in this database: skipped, the load goes on
    assert loaded.unit_mismatch == ["IMPC_HWT_008_001 (g, the range is in mg)"]
    assert Parameter.objects.get(key="IMPC_HWT_008_001").min_value is None
    again = plausible_ranges_load()
    assert again.applied == [] and KEY in again.unchanged


def test_impress_qc_ranges_win_over_the_table():
    body_weight_procedure()
    impress = {"procedures": [{"key": "IMPC_BWT_001", "parameters": [{"key": KEY, "qc_min": 10, "qc_max": 70}]}]}
    plausible_ranges_load(impress=impress)
    weight = Parameter.objects.get(key=KEY)
    assert (weight.min_value, weight.max_value, weight.range_source) == (10, 70, "IMPReSS QC range (IMPC_BWT_001)")


def test_load_reference_gives_the_demo_body_weight_its_range():
    call_command("load_reference", verbosity=0)
    weight = Parameter.objects.get(key=KEY, procedure__key="IMPC_BWT_001")
    assert weight.min_value is not None and weight.is_out_of_range("250") and not weight.is_out_of_range("20.9")
