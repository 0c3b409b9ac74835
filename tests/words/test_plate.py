"""Genotyping results entered as a 96-well plate (issue 14 point 5): wells → mice of a cage, colony or litter, a call
per well, one save, all or nothing with each refused well named; role-checked and audited; page and API."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pghistory.models import Events

from colonies.models import GenotypeResult, GenotypingSample, Mouse
from colonies.services import WELLS, PlateNotAllowed, Well, plate_record
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    ColonyFactory,
    GenotypingAssayFactory,
    MouseFactory,
    ZygosityRuleFactory,
)

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def assay(centre):
    """GIVEN an assay with two calls, each with a zygosity rule."""
    assay = GenotypingAssayFactory(centre=centre, calls=["WT band only", "both bands", "no band"])
    ZygosityRuleFactory(centre=centre, assay=assay, call="WT band only", zygosity=Mouse.Zygosity.WILD_TYPE)
    ZygosityRuleFactory(centre=centre, assay=assay, call="both bands", zygosity=Mouse.Zygosity.HETEROZYGOUS)
    return assay


@pytest.fixture
def cage_mice(centre):
    """GIVEN a cage of four living mice of one colony."""
    colony = ColonyFactory(centre=centre)
    cage = CageFactory(centre=centre)
    mice = [MouseFactory(centre=centre, colony=colony, specimen_id=f"PL{n:03d}", zygosity="") for n in range(4)]
    for mouse in mice:
        CagePlacementFactory(mouse=mouse, cage=cage, started_on=dt.date(2026, 2, 1))
    return cage, mice


def test_the_wells_are_a_96_well_plate_in_loading_order():
    assert len(WELLS) == 96 and WELLS[:3] == ["A1", "B1", "C1"] and WELLS[8] == "A2" and WELLS[-1] == "H12"


def test_a_plate_is_recorded_in_one_call_and_audited(manager, assay, cage_mice):
    _cage, mice = cage_mice
    wells = [Well("A1", mice[0], "WT band only"), Well("B1", mice[1], "both bands")]
    results = plate_record(actor=manager, assay=assay, wells=wells, tested_on=DAY, collected_on=DAY,
                           sample_type="ear", plate="GT-1")
    assert [(r.mouse, r.call, r.zygosity, r.batch) for r in results] == [
        (mice[0], "WT band only", "wild type", "GT-1"), (mice[1], "both bands", "heterozygous", "GT-1")]
    mice[1].refresh_from_db()
    assert mice[1].zygosity == "heterozygous"
    events = Events.objects.tracks(results[0]).filter(pgh_label="insert")
    assert [e.pgh_context["user"] for e in events] == [manager.pk]


def test_one_refused_well_keeps_nothing_and_names_each_well(manager, assay, cage_mice):
    _cage, mice = cage_mice
    wells = [Well("A1", mice[0], "WT band only"), Well("C7", mice[1], "no band"), Well("D2", mice[2], "lost")]
    with pytest.raises(ValidationError) as refused:
        plate_record(actor=manager, assay=assay, wells=wells, tested_on=DAY, collected_on=DAY, plate="GT-2")
    errors = refused.value.message_dict
    assert set(errors) == {"C7", "D2"}
    assert "No zygosity rule for call 'no band'" in errors["C7"][0]
    assert "'lost' is not a call of assay" in errors["D2"][0]
    assert not GenotypeResult.objects.exists() and not GenotypingSample.objects.exists()


def test_a_mouse_in_two_wells_and_a_well_off_the_plate_are_refused(manager, assay, cage_mice):
    _cage, mice = cage_mice
    with pytest.raises(ValidationError) as refused:
        plate_record(actor=manager, assay=assay, tested_on=DAY, collected_on=DAY, wells=[
            Well("A1", mice[0], "WT band only"), Well("A2", mice[0], "WT band only"),
            Well("I1", mice[1], "WT band only")])
    assert set(refused.value.message_dict) == {"A2", "I1"}
    assert "already in well A1" in refused.value.message_dict["A2"][0]


def test_a_read_only_user_may_not_record_a_plate(readonly, assay, cage_mice):
    _cage, mice = cage_mice
    with pytest.raises(PlateNotAllowed):
        plate_record(actor=readonly, assay=assay, wells=[Well("A1", mice[0], "WT band only")], tested_on=DAY,
                     collected_on=DAY)


def _post(cage, assay, wells, plate="GT-3"):
    data = {"plate": plate, "collected_on": DAY.isoformat(), "tested_on": DAY.isoformat(), "sample_type": "ear"}
    for well in WELLS:
        data[f"{well}_mouse"], data[f"{well}_call"] = "", ""
    for well, mouse, call in wells:
        data[f"{well}_mouse"], data[f"{well}_call"] = str(mouse.pk), call
    return f"{reverse('colonies:genotype_plate')}?assay={assay.pk}&cage={cage.pk}", data


def test_the_plate_page_fills_the_wells_with_the_cages_mice(manager, assay, cage_mice, client):
    cage, mice = cage_mice
    client.force_login(manager)
    page = client.get(reverse("colonies:genotype_plate"), {"assay": assay.pk, "cage": cage.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="plate__well') == 96
    assert f'<option value="{mice[0].pk}" selected>PL000</option>' in html  # A1
    assert 'aria-label="D1 mouse"' in html and 'aria-label="H12 call"' in html
    assert "both bands" in html


def test_the_plate_page_saves_all_or_shows_each_wells_error(manager, assay, cage_mice, client):
    cage, mice = cage_mice
    client.force_login(manager)
    url, data = _post(cage, assay, [("A1", mice[0], "WT band only"), ("B1", mice[1], "no band")])
    refused = client.post(url, data)
    html = refused.content.decode()
    assert refused.status_code == 200 and not GenotypeResult.objects.exists()
    assert "Nothing was saved: 1 well to correct" in html and "B1: No zygosity rule for call" in html
    data["B1_call"] = "both bands"
    data["C1_mouse"] = str(mice[2].pk)  # a mouse without a call
    html = client.post(url, data).content.decode()
    assert "C1: choose the call for mouse PL002." in html and not GenotypeResult.objects.exists()
    data["C1_mouse"] = ""
    saved = client.post(url, data)
    assert saved.status_code == 302 and saved["Location"].endswith("?batch=GT-3")
    assert GenotypeResult.objects.filter(batch="GT-3").count() == 2


def test_the_plate_page_is_for_writers_only(readonly, manager, assay, cage_mice, client):
    cage, _mice = cage_mice
    client.force_login(readonly)
    assert client.get(reverse("colonies:genotype_plate"), {"assay": assay.pk, "cage": cage.pk}).status_code == 403
    client.force_login(manager)
    results = client.get(reverse("colonies:genotyperesult_list")).content.decode()
    assert reverse("colonies:genotype_plate") in results


def test_api_plate_all_or_nothing(manager, readonly, assay, cage_mice, auth_client):
    _cage, mice = cage_mice
    body = {"assay": assay.name, "tested_on": DAY.isoformat(), "collected_on": DAY.isoformat(), "plate": "GT-4",
            "wells": [{"well": "A1", "mouse": mice[0].specimen_id, "call": "WT band only"},
                      {"well": "B1", "mouse": mice[1].pk, "call": "no band"}]}
    refused = auth_client(manager).post("/api/v1/genotypes/plate/", body, format="json")
    assert refused.status_code == 400, refused.content
    assert "B1" in refused.json()["errors"] and not GenotypeResult.objects.exists()
    body["wells"][1]["call"] = "both bands"
    assert auth_client(readonly).post("/api/v1/genotypes/plate/", body, format="json").status_code == 403
    saved = auth_client(manager).post("/api/v1/genotypes/plate/", body, format="json")
    assert saved.status_code == 201, saved.content
    assert [(r["specimen_id"], r["zygosity"]) for r in saved.json()["results"]] == [
        ("PL000", "wild type"), ("PL001", "heterozygous")]
