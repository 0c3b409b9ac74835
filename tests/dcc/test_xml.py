"""The XML writers on their own: element order the XSD demands, status codes, and data they cannot express."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from lxml import etree

from colonies.models import Mouse
from procedures.dcc.xml import write_experiment_file, write_specimen_file
from procedures.models import Experiment, Parameter, ParameterValue
from procedures.services import EnteredValue, experiment_record
from tests.dcc.helpers import PROCEDURE_NS, q
from tests.factories import MouseFactory, ProcedureFactory

TODAY = dt.date.today()


@pytest.fixture
def grip_strength(db):
    """A procedure with every written parameter type, declared out of XSD order on purpose."""
    procedure = ProcedureFactory(key="IMPC_GRS_001", name="Grip Strength")
    specs = [
        ("IMPC_GRS_010_001", "Equipment ID", Parameter.Type.METADATA, "TEXT", "", []),
        ("IMPC_GRS_001_001", "Forelimb grip strength", Parameter.Type.SERIES, "FLOAT", "g", ["1", "2", "3"]),
        ("IMPC_GRS_008_001", "Forelimb mean", Parameter.Type.SIMPLE, "FLOAT", "g", []),
        ("IMPC_GRS_011_001", "Experimenter ID", Parameter.Type.METADATA, "TEXT", "", []),
    ]
    for order, (key, name, ptype, vtype, unit, increments) in enumerate(specs):
        Parameter.objects.create(procedure=procedure, key=key, name=name, type=ptype, value_type=vtype, unit=unit,
                                 increments=increments, order=order)
    return procedure


def _names(element):
    return [child.tag.rsplit("}", 1)[-1] for child in element]


def test_parameters_follow_the_xsd_sequence_with_status_codes_in_place(
    centre, tech, grip_strength, tmp_path, official_schemas
):
    mouse = MouseFactory(centre=centre, date_of_birth=TODAY - dt.timedelta(weeks=12))
    experiment_record(
        mouse=mouse, procedure=grip_strength, date_of_experiment=TODAY, actor=tech,
        values={
            "IMPC_GRS_010_001": [EnteredValue(status_code="IMPC_PARAMSC_001")],
            "IMPC_GRS_001_001": [
                EnteredValue(value="101.5", increment="1"),
                EnteredValue(value="99", increment="2"),
                EnteredValue(status_code="IMPC_PARAMSC_013", increment="3"),
            ],
            "IMPC_GRS_008_001": [EnteredValue(value="100.25")],
            "IMPC_GRS_011_001": [EnteredValue(value="7")],
        },
    )
    path = tmp_path / "experiment.xml"

    result = write_experiment_file(path, Experiment.objects.all())

    assert result.count == 1
    assert result.problems == []
    official_schemas["experiment"].validate(str(path))
    procedure = etree.parse(str(path)).find(f".//{q(PROCEDURE_NS, 'procedure')}")
    assert _names(procedure) == ["simpleParameter", "seriesParameter", "procedureMetadata", "procedureMetadata"]
    series = procedure[1]
    assert series.get("unit") == "g"
    assert [(v.get("incrementValue"), v.get("incrementStatus"), v.text) for v in series] == [
        ("1", None, "101.5"), ("2", None, "99.0"), ("3", "IMPC_PARAMSC_013", None),
    ]
    equipment = procedure[2]
    assert equipment.get("parameterID") == "IMPC_GRS_010_001"
    assert _names(equipment) == ["parameterStatus"]
    assert equipment.findtext(q(PROCEDURE_NS, "parameterStatus")) == "IMPC_PARAMSC_001"


def test_unsupported_parameter_types_are_reported_not_dropped(centre, tech, tmp_path):
    procedure = ProcedureFactory(key="IMPC_XRY_001", name="X-ray")
    Parameter.objects.create(procedure=procedure, key="IMPC_XRY_001_001", name="Skull shape",
                             type=Parameter.Type.SIMPLE, value_type="TEXT")
    images = Parameter.objects.create(procedure=procedure, key="IMPC_XRY_048_001", name="XRay Images Dorso Ventral",
                                      type=Parameter.Type.MEDIA, value_type="IMAGE")
    mouse = MouseFactory(centre=centre, date_of_birth=TODAY - dt.timedelta(weeks=14))
    with pytest.raises(ValidationError) as refused:  # the bench does not take a file name for an image
        experiment_record(mouse=mouse, procedure=procedure, date_of_experiment=TODAY, actor=tech,
                          values={"IMPC_XRY_001_001": [EnteredValue(value="normal")],
                                  "IMPC_XRY_048_001": [EnteredValue(value="dv.dcm")]})
    assert "image files" in refused.value.message_dict["IMPC_XRY_048_001"][0]
    experiment = experiment_record(mouse=mouse, procedure=procedure, date_of_experiment=TODAY, actor=tech,
                                   values={"IMPC_XRY_001_001": [EnteredValue(value="normal")]})
    # As an earlier version of the LIMS stored it: the writer must say it cannot send it, not drop it.
    ParameterValue.objects.create(experiment=experiment, parameter=images, value="dv.dcm")

    result = write_experiment_file(tmp_path / "experiment.xml", Experiment.objects.all())

    assert result.count == 1
    assert len(result.problems) == 1
    assert "IMPC_XRY_048_001 is a media parameter" in result.problems[0]


def test_specimen_writer_skips_voided_mice(centre, tmp_path):
    MouseFactory(centre=centre, specimen_id="KEEP")
    MouseFactory(centre=centre, specimen_id="GONE", voided_at=timezone.now())

    result = write_specimen_file(tmp_path / "specimen.xml", Mouse.objects.all())

    assert result.count == 1
    content = (tmp_path / "specimen.xml").read_text()
    assert "KEEP" in content
    assert "GONE" not in content


def test_series_increments_keep_the_impress_order(centre, tech, tmp_path):
    """Time points 0, 15, 30, 60, 120 minutes, not the database's string order 0, 120, 15, 30, 60."""
    procedure = ProcedureFactory(key="IMPC_IPG_001", name="Intraperitoneal glucose tolerance test")
    increments = ["0", "15", "30", "60", "120"]
    Parameter.objects.create(procedure=procedure, key="IMPC_IPG_002_001", name="Blood glucose concentration",
                             type=Parameter.Type.SERIES, value_type="FLOAT", unit="mmol/l", increments=increments)
    mouse = MouseFactory(centre=centre, date_of_birth=TODAY - dt.timedelta(weeks=13))
    experiment_record(mouse=mouse, procedure=procedure, date_of_experiment=TODAY, actor=tech, values={
        "IMPC_IPG_002_001": [EnteredValue(value=str(5 + n), increment=i) for n, i in enumerate(increments)],
    })
    path = tmp_path / "experiment.xml"

    write_experiment_file(path, Experiment.objects.all())

    series = etree.parse(str(path)).find(f".//{q(PROCEDURE_NS, 'seriesParameter')}")
    assert [v.get("incrementValue") for v in series] == increments


def test_mutant_colony_id_is_the_phenotyping_cohort_name_when_there_is_one(tech, tmp_path):
    from colonies.services import phenotyping_attempt_create

    mouse = MouseFactory(centre=tech.centre)
    plain = MouseFactory(centre=tech.centre)
    phenotyping_attempt_create(actor=tech, parent_colony=mouse.colony, colony_name="COHORT-H-1")
    path = tmp_path / "s.xml"
    write_specimen_file(path, Mouse.objects.filter(pk__in=[mouse.pk, plain.pk]))
    ids = {m.get("specimenID"): m.get("colonyID") for m in etree.parse(str(path)).iter("{*}mouse")}
    assert ids == {mouse.specimen_id: "COHORT-H-1", plain.specimen_id: plain.colony.name}
