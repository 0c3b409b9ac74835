"""DCC specimens: every `<mouse>` and `<embryo>` of a valid sample imports and comes back out of the writer equal.

A centre moving its history in must get back, from `write_specimen_file`, what its specimen files said: every
attribute (colonyID also on baselines, strainID as given, pipeline, project, centres, DOB or stage) and every child
(relatedSpecimen, genotype, chromosomalAlteration, parentalStrain, statusCode), in the XSD's order. The import
flags are on (create the colonies, strains and genes the reference lacks); nothing of a specimen may be reported
as unmapped, and legacy facts the bench would refuse come back as given, with a warning.
"""
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from lxml import etree

from colonies.models import Colony, Mouse
from colonies.services import colony_create, colony_import, mouse_create, mouse_import, mouse_update
from lims.models import Gene, Strain
from procedures.dcc.importer import UNKNOWN_STRAIN, import_files
from procedures.dcc.xml import SPECIMEN_NS, write_specimen_file
from tests.factories import ColonyFactory, MouseFactory, StrainFactory


def _local(element) -> str:
    return etree.QName(element).localname


def _specimens(path) -> dict[str, etree._Element]:
    """specimenID → its `<mouse>` / `<embryo>` element (with its centre's ILAR code lower-cased on `centre`)."""
    found = {}
    for element in etree.parse(str(path)).iter(f"{{{SPECIMEN_NS}}}mouse", f"{{{SPECIMEN_NS}}}embryo"):
        found[element.get("specimenID")] = element
    return found


def _tree(element) -> tuple:
    """An element as comparable data: name, attributes, text and its children in order (comments left out)."""
    children = tuple(_tree(c) for c in element if isinstance(c.tag, str))
    return _local(element), dict(element.attrib), (element.text or "").strip() if not children else "", children


def _assert_same_specimen(given, written) -> None:
    key = given.get("specimenID")
    assert _local(given) == _local(written), key
    assert given.getparent().get("centreID").lower() == written.getparent().get("centreID").lower(), key
    assert dict(given.attrib) == dict(written.attrib), key
    assert [_tree(c) for c in given if isinstance(c.tag, str)] == \
        [_tree(c) for c in written if isinstance(c.tag, str)], key


FULL = """<?xml version="1.0" encoding="UTF-8"?>
<centreSpecimenSet xmlns="{ns}">
  <centre centreID="H">
    <mouse specimenID="MUT-9" DOB="2019-05-04" gender="male" zygosity="heterozygous" isBaseline="false"
           colonyID="H-LEGACY-9" strainID="C57BL/6JTyr;C57BL/6N" litterId="LIT-9" pipeline="ESLIM_001"
           productionCentre="Ics" phenotypingCentre="H" project="Eumodic">
      <relatedSpecimen specimenID="NOT-IN-LIMS-DAM" relationship="mother"/>
      <relatedSpecimen specimenID="WT-9" relationship="from_similar_breeding"/>
      <genotype MGIGeneId="MGI:9999999" geneSymbol="Newgene1" MGIAlleleId="MGI:8888888"
                fatherZygosity="heterozygous" motherZygosity="wild type"/>
      <genotype MGIGeneId="MGI:97490" geneSymbol="Pax6" MGIAlleleId="MGI:1234567"/>
      <chromosomalAlteration>
        <chromosomeAdded start="100" end="2000" species="Homo sapiens"/>
        <chromosomeRemoved start="5" end="50"/>
      </chromosomalAlteration>
      <parentalStrain percentage="50.0" MGIStrainID="MGI:2164831" gender="female" level="1"/>
      <parentalStrain percentage="50" MGIStrainID="MGI:3028467" gender="male" level="1"/>
      <statusCode date="2019-06-01">IMPC_SSC_002:Health Issue</statusCode>
    </mouse>
    <mouse specimenID="WT-9" DOB="2019-05-04" gender="female" zygosity="homozygous" isBaseline="true"
           colonyID="baseline_0" strainID="MGI:0000042" litterId="LIT-9" pipeline="ESLIM_001"
           productionCentre="H" phenotypingCentre="H" project="Eumodic">
      <statusCode>IMPC_SSC_001</statusCode>
    </mouse>
    <embryo specimenID="EMB-9" stage="E12.5" stageUnit="DPC" gender="no data" zygosity="homozygous"
            isBaseline="false" colonyID="H-LEGACY-10" litterId="LIT-10" pipeline="IMPC_001"
            phenotypingCentre="H" productionCentre="H" project="BaSH"/>
  </centre>
</centreSpecimenSet>
""".format(ns=SPECIMEN_NS)


def test_every_child_and_attribute_of_the_schema_round_trips(importer_user, tmp_path, official_schemas):
    path = tmp_path / "full.specimen.xml"
    path.write_text(FULL)
    report = import_files([path], actor=importer_user, create_colonies=True, create_strains=True)
    assert [str(p) for p in report.problems if p.kind != "warning"] == []
    assert any("homozygous" in w.reason and w.item == "'WT-9'" for w in report.warnings)
    out = tmp_path / "out.xml"
    write_specimen_file(out, Mouse.objects.filter(pk__in=report.mice))
    assert official_schemas["specimen"].is_valid(str(out)), official_schemas["specimen"].validate(str(out))
    given, written = _specimens(path), _specimens(out)
    assert set(given) == set(written)
    for specimen_id, element in given.items():
        _assert_same_specimen(element, written[specimen_id])

    # What the LIMS made of it: a gene registered from the genotype, a strain from the strainID, an embryo.
    colony = Colony.objects.get(name="H-LEGACY-9")
    assert colony.gene == Gene.objects.get(mgi_id="MGI:9999999") and colony.gene.symbol == "Newgene1"
    assert colony.background_strain == Strain.objects.get(name="C57BL/6JTyr;C57BL/6N")
    assert Strain.objects.get(mgi_id="MGI:0000042") == Mouse.objects.get(specimen_id="WT-9").strain
    embryo = Mouse.objects.get(specimen_id="EMB-9")
    assert (embryo.kind, embryo.date_of_birth, embryo.stage, embryo.stage_unit) == ("embryo", None, "E12.5", "DPC")
    no_gene = Colony.objects.get(name="H-LEGACY-10")
    assert no_gene.gene is None and no_gene.background_strain.name == UNKNOWN_STRAIN

    # Importing again matches everything and creates nothing.
    again = import_files([path], actor=importer_user, create_colonies=True, create_strains=True)
    assert again.counts["mouse"] == {"matched": 3} and Mouse.objects.count() == 3


def test_unknown_strain_is_reported_without_the_create_flag(importer_user, tmp_path):
    path = tmp_path / "s.xml"
    path.write_text(FULL)
    report = import_files([path], actor=importer_user, create_colonies=True)
    reasons = {p.item: p.reason for p in report.problems if p.kind != "warning"}
    assert "--create-strains" in reasons["'WT-9'"] and "MGI:0000042" in reasons["'WT-9'"]
    assert "--create-strains" in reasons["'H-LEGACY-9'"]
    assert not Strain.objects.filter(mgi_id="MGI:0000042").exists()


def test_dcc_import_command_has_create_strains(importer_user, tmp_path):
    path = tmp_path / "s.xml"
    path.write_text(FULL)
    out = io.StringIO()
    call_command("dcc_import", str(path), "--create-colonies", "--create-strains", user="importer", stdout=out)
    text = out.getvalue()  # warnings only: the command succeeds, and still lists them
    assert "mouse: 3 created" in text and "warning 'WT-9'" in text


# --- the bench keeps its rules; the import path is explicit ----------------------------------------------------


def test_bench_still_refuses_a_homozygous_baseline_the_import_keeps(centre, tech):
    strain = StrainFactory()
    with pytest.raises(ValidationError) as refused:
        mouse_create(actor=tech, centre=centre, specimen_id="WT-HOM", is_baseline=True, colony=None, strain=strain,
                     sex="male", date_of_birth=date(2020, 1, 1), zygosity="homozygous")
    assert "zygosity" in refused.value.message_dict
    mouse, warnings = mouse_import(actor=tech, centre=centre, specimen_id="WT-HOM", is_baseline=True, colony=None,
                                   strain=strain, sex="male", date_of_birth=date(2020, 1, 1), zygosity="homozygous")
    assert mouse.zygosity == "homozygous" and "homozygous" in warnings[0]
    with pytest.raises(ValidationError):  # and editing it on the bench does not pass either
        mouse_update(instance=mouse, actor=tech, litter_code="L-NEW")


def test_bench_colony_needs_a_gene_the_import_may_lack(centre, tech):
    strain = StrainFactory()
    with pytest.raises(ValidationError) as refused:
        colony_create(actor=tech, centre=centre, name="NO-GENE", background_strain=strain)
    assert "gene" in refused.value.message_dict
    colony = colony_import(actor=tech, centre=centre, name="NO-GENE", background_strain=strain)
    assert colony.gene is None


def test_mouse_needs_a_date_of_birth_and_an_embryo_a_stage(centre, tech):
    strain = StrainFactory()
    common = {"actor": tech, "centre": centre, "is_baseline": True, "colony": None, "strain": strain, "sex": "male",
              "zygosity": "wild type"}
    with pytest.raises(ValidationError) as refused:
        mouse_create(specimen_id="NO-DOB", **common)
    assert "date_of_birth" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        mouse_import(specimen_id="EMB-X", kind="embryo", **common)
    assert "stage" in refused.value.message_dict


def test_changing_the_colony_on_the_bench_forgets_the_files_colony_id(centre, tech):
    colony = ColonyFactory(centre=centre, name="H-OLD")
    mouse, _ = mouse_import(actor=tech, centre=centre, specimen_id="M-1", colony=colony,
                            strain=colony.background_strain, sex="male", date_of_birth=date(2020, 1, 1),
                            zygosity="heterozygous", dcc_colony_id="h-old", dcc_strain_id="Some legacy strain")
    other = ColonyFactory(centre=centre, name="H-NEW")
    mouse = mouse_update(instance=mouse, actor=tech, colony=other)
    assert (mouse.dcc_colony_id, mouse.dcc_strain_id) == ("", "")


# --- specimen status codes of mice recorded in the LIMS ---------------------------------------------------------


def test_lims_mouse_with_a_status_code_writes_it(centre, tech, tmp_path, official_schemas):
    colony = ColonyFactory(centre=centre, name="H-SSC-1")
    mouse = MouseFactory(centre=centre, colony=colony, specimen_id="H-SSC-001", date_of_birth=date(2020, 1, 1))
    plain = MouseFactory(centre=centre, colony=colony, specimen_id="H-SSC-002", date_of_birth=date(2020, 1, 1))
    mouse_update(instance=mouse, actor=tech, specimen_status_code="IMPC_SSC_001:genotyping failed",
                 specimen_status_date=date(2020, 3, 1))
    out = tmp_path / "s.xml"
    write_specimen_file(out, Mouse.objects.filter(pk__in=[mouse.pk, plain.pk]))
    assert official_schemas["specimen"].is_valid(str(out))
    written = _specimens(out)
    status = [c for c in written["H-SSC-001"] if _local(c) == "statusCode"]
    assert [(s.text, s.get("date")) for s in status] == [("IMPC_SSC_001:genotyping failed", "2020-03-01")]
    assert not [c for c in written["H-SSC-002"] if isinstance(c.tag, str)]
    assert written["H-SSC-001"].get("colonyID") == "H-SSC-1" and "strainID" not in written["H-SSC-001"].attrib


def test_status_date_needs_a_status_code(centre, tech):
    mouse = MouseFactory(centre=centre, date_of_birth=date(2020, 1, 1))
    with pytest.raises(ValidationError) as refused:
        mouse_update(instance=mouse, actor=tech, specimen_status_date=date(2020, 3, 1))
    assert "specimen_status_date" in refused.value.message_dict


def test_api_edits_the_specimen_status_code_and_shows_the_kind(auth_client, manager):
    colony = ColonyFactory(centre=manager.centre)
    mouse = MouseFactory(centre=manager.centre, colony=colony, date_of_birth=date(2020, 1, 1))
    client = auth_client(manager)
    answer = client.patch(f"/api/v1/mice/{mouse.pk}/", {"specimen_status_code": "IMPC_SSC_004:LIMS error",
                                                        "specimen_status_date": "2020-02-02"}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["specimen_status_code"], body["specimen_status_date"], body["kind"]) == (
        "IMPC_SSC_004:LIMS error", "2020-02-02", "mouse")
    mouse.refresh_from_db()
    assert mouse.specimen_status_code == "IMPC_SSC_004:LIMS error"
    # what a DCC file said is shown, not edited
    answer = client.patch(f"/api/v1/mice/{mouse.pk}/", {"dcc_project": "Other"}, format="json")
    mouse.refresh_from_db()
    assert mouse.dcc_project == ""


def test_embryo_is_listed_with_its_stage(client, manager, importer_user, tmp_path):
    path = tmp_path / "s.xml"
    path.write_text(FULL)
    import_files([path], actor=importer_user, create_colonies=True, create_strains=True)
    client.force_login(manager)
    page = client.get(reverse("colonies:mouse_list"))
    assert page.status_code == 200
    assert "embryo, E12.5 DPC" in page.content.decode()


def test_preflight_reports_the_kept_legacy_facts(importer_user, tmp_path):
    from procedures.dcc.preflight import _check_specimens

    path = tmp_path / "s.xml"
    path.write_text(FULL)
    report = import_files([path], actor=importer_user, create_colonies=True, create_strains=True)
    findings: list[dict] = []
    _check_specimens(report.mice, findings)
    messages = " ".join(f["message"] for f in findings)
    assert "WT-9 is recorded homozygous" in messages
