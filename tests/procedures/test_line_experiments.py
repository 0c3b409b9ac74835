"""Line-level procedures (fertility, viability) recorded per colony."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from procedures import services
from procedures.models import LineExperiment, Parameter, Procedure
from procedures.services import EnteredValue
from tests.factories import ColonyFactory, ProcedureFactory, body_weight_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def fertility():
    procedure = ProcedureFactory(key="IMPC_FER_001", name="Fertility of Homozygous Knock-out Mice",
                                 level=Procedure.Level.LINE, version="1.1")
    Parameter.objects.create(procedure=procedure, key="IMPC_FER_001_001", name="Gross Findings Male",
                             type="simple", value_type="TEXT", required=True, options=["Fertile", "Infertile"])
    Parameter.objects.create(procedure=procedure, key="IMPC_FER_019_001", name="Pups born (primary)",
                             type="simple", value_type="INT", required=False)
    return procedure


def test_records_a_line_experiment_with_its_values(tech, fertility):
    colony = ColonyFactory(centre=tech.centre)
    experiment = services.line_experiment_record(
        colony=colony, procedure=fertility, date_of_experiment=dt.date(2026, 3, 1), actor=tech,
        values={"IMPC_FER_001_001": [EnteredValue(value="Fertile")], "IMPC_FER_019_001": [EnteredValue(value="7")]},
    )
    assert experiment.procedure_version == "1.1" and experiment.centre == tech.centre
    assert dict(experiment.values.values_list("parameter__key", "value")) == {
        "IMPC_FER_001_001": "Fertile", "IMPC_FER_019_001": "7"}


def test_refuses_an_option_not_in_the_list_naming_the_parameter(tech, fertility):
    with pytest.raises(ValidationError) as error:
        services.line_experiment_record(
            colony=ColonyFactory(centre=tech.centre), procedure=fertility, date_of_experiment=dt.date(2026, 3, 1),
            actor=tech, values={"IMPC_FER_001_001": [EnteredValue(value="Maybe")]},
        )
    assert "IMPC_FER_001_001" in error.value.message_dict
    assert not LineExperiment.objects.exists()


def test_a_status_code_replaces_the_values(tech, fertility):
    experiment = services.line_experiment_record(
        colony=ColonyFactory(centre=tech.centre), procedure=fertility, date_of_experiment=dt.date(2026, 3, 1),
        actor=tech, values={}, status_code="IMPC_PSC_006",
    )
    assert experiment.status_code == "IMPC_PSC_006" and not experiment.values.exists()


def test_refuses_a_mouse_level_procedure_and_another_centres_colony(tech, outsider, fertility):
    with pytest.raises(ValidationError) as error:
        services.line_experiment_record(
            colony=ColonyFactory(centre=outsider.centre), procedure=body_weight_procedure(),
            date_of_experiment=dt.date(2026, 3, 1), actor=tech, values={},
        )
    assert {"procedure", "colony"} <= set(error.value.message_dict)


def test_api_records_and_lists_line_experiments(auth_client, tech, outsider, fertility):
    colony = ColonyFactory(centre=tech.centre, name="FER-COL")
    payload = {"colony": colony.pk, "procedure": "IMPC_FER_001", "date_of_experiment": "2026-03-01",
               "entered_values": [{"parameter": "IMPC_FER_001_001", "value": "Infertile"}]}
    created = auth_client(tech).post("/api/v1/line-experiments/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["values"][0]["value"] == "Infertile"
    listed = auth_client(tech).get("/api/v1/line-experiments/", {"colony": "FER-COL"}).json()
    assert listed["count"] == 1
    assert auth_client(outsider).get("/api/v1/line-experiments/").json()["count"] == 0
    bad = auth_client(tech).post("/api/v1/line-experiments/", {**payload, "entered_values": []}, format="json")
    assert bad.status_code == 400 and "IMPC_FER_001_001" in bad.json()["errors"]


def test_line_experiment_pages_render(client, tech, fertility):
    experiment = services.line_experiment_record(
        colony=ColonyFactory(centre=tech.centre, name="FER-PAGE"), procedure=fertility, actor=tech,
        date_of_experiment=dt.date(2026, 3, 1), values={"IMPC_FER_001_001": [EnteredValue(value="Fertile")]},
    )
    client.force_login(tech)
    assert "FER-PAGE" in client.get(reverse("procedures:lineexperiment_list")).content.decode()
    assert "Fertile" in client.get(experiment.get_absolute_url()).content.decode()
