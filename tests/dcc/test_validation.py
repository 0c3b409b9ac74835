"""XSD validation of DCC documents: schema chosen by namespace, errors with line numbers."""
from procedures.dcc.validation import validate_xml
from tests.dcc.helpers import PROCEDURE_NS, SPECIMEN_NS

MOUSE = (
    '<mouse DOB="2024-01-01" specimenID="A1" gender="{gender}" zygosity="heterozygous" isBaseline="false" '
    'colonyID="C1" litterId="L1" pipeline="IMPC_001" phenotypingCentre="H" project="BaSH"/>'
)


def _write(tmp_path, text: str):
    path = tmp_path / "doc.xml"
    path.write_text(text)
    return path


def _specimen_doc(gender: str) -> str:
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<centreSpecimenSet xmlns="{SPECIMEN_NS}">',
        '  <centre centreID="H">',
        "    " + MOUSE.format(gender="male"),
        "    " + MOUSE.format(gender=gender),
        "  </centre>",
        "</centreSpecimenSet>",
    ])


def test_valid_specimen_document_has_no_errors(tmp_path):
    assert validate_xml(_write(tmp_path, _specimen_doc("female"))) == []


def test_errors_name_the_line_and_drop_the_namespace_noise(tmp_path):
    errors = validate_xml(_write(tmp_path, _specimen_doc("unknown")))

    assert len(errors) == 1
    assert errors[0].startswith("line 5: Element 'mouse', attribute 'gender'")
    assert "'unknown'" in errors[0]
    assert SPECIMEN_NS not in errors[0]


def test_experiment_documents_are_checked_against_the_procedure_schema(tmp_path):
    document = "\n".join([
        f'<centreProcedureSet xmlns="{PROCEDURE_NS}">',
        '  <centre centreID="H" pipeline="IMPC_001" project="BaSH">',
        '    <experiment experimentID="E1" dateOfExperiment="2024-02-30">',
        "      <specimenID>A1</specimenID>",
        "    </experiment>",
        "  </centre>",
        "</centreProcedureSet>",
    ])

    errors = validate_xml(_write(tmp_path, document))

    assert len(errors) == 1
    assert errors[0].startswith("line 3:")
    assert "dateOfExperiment" in errors[0]


def test_a_document_in_another_namespace_is_refused(tmp_path):
    errors = validate_xml(_write(tmp_path, '<submissionSet xmlns="urn:other"/>'))
    assert errors == ["line 1: root element {urn:other}submissionSet is not a DCC specimen or experiment document."]


def test_malformed_xml_is_reported_with_its_line(tmp_path):
    errors = validate_xml(_write(tmp_path, f'<centreSpecimenSet xmlns="{SPECIMEN_NS}">\n<centre>\n'))
    assert errors
    assert errors[0].startswith("line ")
