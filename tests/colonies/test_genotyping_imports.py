"""Excel import of genotyping results: the template (dropdowns and the Assays sheet), every bad row reported by row,
column and reason with nothing committed, a good file committing with its batch name, and the pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from colonies.genotyping.imports import RESULT_COLUMNS, RESULT_SHEET, results_import, results_template
from colonies.models import GenotypeResult, GenotypingSample, MouseAllele
from lims.exports import XLSX_CONTENT_TYPE
from tests.factories import GenotypingAssayFactory, GenotypingSampleFactory, MouseFactory, ZygosityRuleFactory
from tests.workbooks import xlsx_upload

pytestmark = pytest.mark.django_db
HEADERS = [c.name for c in RESULT_COLUMNS]


def xlsx(rows, *, headers=HEADERS, name="plate-7.xlsx") -> SimpleUploadedFile:
    return xlsx_upload(headers, rows, title=RESULT_SHEET, name=name)


@pytest.fixture
def lab(centre, other_centre):
    pax6 = GenotypingAssayFactory(centre=centre, name="Pax6 PCR", allele="Pax6<tm1b>")
    for call, zygosity in {"WT band only": "wild type", "both bands": "heterozygous",
                           "mutant band only": "homozygous"}.items():
        ZygosityRuleFactory(assay=pax6, call=call, zygosity=zygosity)
    cre = GenotypingAssayFactory(centre=centre, name="Cre PCR", allele="Cre", calls=["present", "absent"],
                                 sets_mouse_zygosity=False)
    ZygosityRuleFactory(assay=cre, call="present", zygosity="hemizygous")  # "absent" has no rule
    mice = [MouseFactory(centre=centre, specimen_id=f"H-{n}") for n in range(1, 4)]
    MouseFactory(centre=other_centre, specimen_id="J-1")
    return {"pax6": pax6, "cre": cre, "mice": mice}


GOOD = [
    ["H-1", "P7-A1", "ear", "2026-01-20", "Pax6 PCR", "both bands", "2026-01-25"],
    ["H-1", "P7-A1", "", "", "Cre PCR", "present", "2026-01-25"],  # the same sample, a second assay
    ["H-2", "", "tail", "2026-01-20", "pax6 pcr", "mutant band only", "2026-01-25"],
    ["H-3", "P7-A3", "ear", "2026-01-21", "Pax6 PCR", "WT band only", "2026-01-26"],
]


def test_template_has_the_columns_dropdowns_and_the_assays_sheet(tech, lab):
    workbook = results_template(actor=tech)
    sheet = workbook[RESULT_SHEET]
    assert [c.value for c in sheet[1]] == ["Mouse ID", "Sample ID", "Sample type", "Collected on", "Assay", "Call",
                                            "Tested on"]
    formulas = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert "Cre PCR" in formulas["E2"] and "Pax6 PCR" in formulas["E2"]
    assert "both bands" in formulas["F2"] and "present" in formulas["F2"]
    assert "ear" in formulas["C2"]
    assays = [row for row in workbook["Assays"].iter_rows(values_only=True)]
    assert ("Cre PCR", "Cre", "absent", "(no rule: add one before importing)") in assays
    assert ("Pax6 PCR", "Pax6<tm1b>", "both bands", "heterozygous") in assays


def test_a_good_file_commits_every_row_with_the_batch(tech, lab):
    result = results_import(file=xlsx(GOOD), actor=tech, batch="Plate 7")
    assert result.ok, result.errors
    assert result.created == 4
    assert set(GenotypeResult.objects.values_list("batch", flat=True)) == {"Plate 7"}
    assert GenotypingSample.objects.count() == 3  # P7-A1 serves two assays; H-2 got a generated ID
    assert GenotypingSample.objects.filter(mouse__specimen_id="H-2").get().sample_id == "H-2-S1"
    assert MouseAllele.objects.get(mouse__specimen_id="H-1", allele="Cre").zygosity == "hemizygous"
    h2 = lab["mice"][1]
    h2.refresh_from_db()
    assert h2.zygosity == "homozygous"


def test_blank_batch_takes_the_files_name(tech, lab):
    assert results_import(file=xlsx(GOOD[:1], name="run 12.xlsx"), actor=tech).ok
    assert GenotypeResult.objects.get().batch == "run 12"


def test_bad_rows_are_all_reported_and_nothing_is_committed(tech, lab):
    rows = [
        *GOOD,
        ["J-1", "P7-B1", "ear", "2026-01-20", "Pax6 PCR", "both bands", "2026-01-25"],   # row 6: other centre's mouse
        ["H-2", "P7-B2", "ear", "2026-01-20", "Cre PCR", "absent", "2026-01-25"],         # row 7: no rule for call
        ["H-3", "P7-B3", "ear", "2026-01-22", "Pax6 PCR", "three bands", "2026-01-21"],  # row 8: call; and a date
        ["H-3", "P7-B4", "ear", "not a date", "Pax6 PCR", "both bands", "2026-01-25"],   # row 9: bad cell
    ]
    result = results_import(file=xlsx(rows), actor=tech, batch="Plate 8")
    assert not result.ok and result.created == 0
    found = {(e.row, e.column): e.message for e in result.errors}
    assert found[(6, "Mouse ID")] == "Mouse 'J-1' was not found in your centre."
    assert found[(7, "Call")] == ("No zygosity rule for call 'absent' of assay 'Cre PCR'; add one to the assay's "
                                  "rule table.")
    assert found[(8, "Call")] == ("'three bands' is not a call of assay 'Pax6 PCR'; allowed calls: WT band only, "
                                  "both bands, mutant band only.")
    assert found[(9, "Collected on")] == "'not a date' is not a date (YYYY-MM-DD)"
    assert result.bad_rows == [6, 7, 8, 9]
    assert not GenotypeResult.objects.exists() and not GenotypingSample.objects.exists()
    assert not MouseAllele.objects.exists()


def test_service_date_rule_reports_on_its_column(tech, lab):
    rows = [["H-1", "P7-C1", "ear", "2026-01-22", "Pax6 PCR", "both bands", "2026-01-21"]]
    result = results_import(file=xlsx(rows), actor=tech)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "Tested on", "The test date (2026-01-21) cannot be before sample P7-C1 was collected (2026-01-22).")]


def test_sample_id_of_another_mouse_in_the_same_file_is_reported(tech, lab):
    GenotypingSampleFactory(mouse=lab["mice"][0], sample_id="OLD-1")
    rows = [["H-2", "OLD-1", "ear", "2026-01-20", "Pax6 PCR", "both bands", "2026-01-25"]]
    result = results_import(file=xlsx(rows), actor=tech)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "Sample ID", "Sample ID 'OLD-1' belongs to mouse H-1, not H-2.")]


# --- Pages -------------------------------------------------------------------------------------------------------


def test_import_page_reports_rows_and_a_good_upload_redirects_to_the_batch(client, tech, lab):
    client.force_login(tech)
    url = reverse("colonies:genotyperesult_import")
    page = client.get(url)
    assert page.status_code == 200 and b"Mouse ID" in page.content
    template = client.get(reverse("colonies:genotyperesult_import_template"))
    assert template.status_code == 200 and template["Content-Type"] == XLSX_CONTENT_TYPE
    bad = [["H-1", "P7-A1", "ear", "2026-01-20", "Pax6 PCR", "faint", "2026-01-25"]]
    response = client.post(url, {"file": xlsx(bad), "batch": "Plate 9"})
    assert response.status_code == 200
    assert b"Nothing was imported" in response.content and b"faint" in response.content
    assert not GenotypeResult.objects.exists()
    response = client.post(url, {"file": xlsx(GOOD), "batch": "Plate 9"})
    assert response.status_code == 302
    assert response["Location"] == reverse("colonies:genotyperesult_list") + "?batch=Plate+9"
    assert GenotypeResult.objects.filter(batch="Plate 9").count() == 4


def test_import_pages_refuse_read_only_users(client, readonly, lab):
    client.force_login(readonly)
    assert client.get(reverse("colonies:genotyperesult_import")).status_code == 403
    assert client.get(reverse("colonies:genotyperesult_import_template")).status_code == 403
