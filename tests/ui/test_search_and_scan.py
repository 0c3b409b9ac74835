"""Scan to record (issue 14 point 4), without a browser: the search box of every page, the cage page's *Record due
tests for these mice*, the worklist of one cage, and the scan endpoint that turns a cage card's code into it."""
import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import CageFactory, CagePlacementFactory, ColonyFactory, MouseFactory, body_weight_procedure
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def racks(centre, other_centre):
    """GIVEN Harwell's cage H-C1 (mice H-1 ear mark L1 and H-2 ear mark R1, both due a body weight today) and cage
    H-C2 (mouse H-3, ear mark L1, due too), colony HAR-PAX6; and JAX's cage J-C1 with mouse J-1."""
    weight, today = body_weight_procedure(), dt.date.today()
    colony = ColonyFactory(centre=centre, name="HAR-PAX6")
    cages = {"H-C1": CageFactory(centre=centre, cage_id="H-C1"), "H-C2": CageFactory(centre=centre, cage_id="H-C2"),
             "J-C1": CageFactory(centre=other_centre, cage_id="J-C1")}
    mice = {}
    for specimen, ear, cage in (("H-1", "L1", "H-C1"), ("H-2", "R1", "H-C1"), ("H-3", "L1", "H-C2"),
                                ("J-1", "L1", "J-C1")):
        owner = cages[cage].centre
        mice[specimen] = MouseFactory(centre=owner, specimen_id=specimen, ear_mark=ear,
                                      colony=colony if owner == centre else ColonyFactory(centre=owner))
        CagePlacementFactory(mouse=mice[specimen], cage=cages[cage])
        scheduled_test(mice[specimen], weight, due=today)
    return {"cages": cages, "mice": mice, "colony": colony}


def _search(client, text):
    return client.get(reverse("colonies:search"), {"q": text})


def test_one_match_goes_straight_to_the_record(client, tech, racks):
    client.force_login(tech)
    assert _search(client, "h-2")["Location"] == racks["mice"]["H-2"].get_absolute_url()
    assert _search(client, "H-C2")["Location"] == racks["cages"]["H-C2"].get_absolute_url()
    assert _search(client, " HAR-PAX6 ")["Location"] == racks["colony"].get_absolute_url()
    assert _search(client, "R1")["Location"] == racks["mice"]["H-2"].get_absolute_url()  # by ear mark


def test_several_matches_are_listed_and_none_says_nothing_found(client, tech, racks):
    client.force_login(tech)
    several = _search(client, "L1")  # two mice of Harwell have ear mark L1 (JAX's J-1 is not shown)
    assert several.status_code == 200
    assert [hit.label for hit in several.context["hits"]] == ["H-1", "H-3"]
    prefix = _search(client, "H-C")  # no exact match: the cages whose ID starts so
    assert [hit.label for hit in prefix.context["hits"]] == ["H-C1", "H-C2"]
    nothing = _search(client, "NO-SUCH-MOUSE")
    assert nothing.status_code == 200 and "Nothing found." in nothing.content.decode()


def test_another_centres_ids_find_nothing(client, tech, racks):
    client.force_login(tech)
    for text in ("J-1", "J-C1"):
        response = _search(client, text)
        assert response.status_code == 200 and response.context["hits"] == [], text
        assert "Nothing found." in response.content.decode()


def test_the_search_box_is_on_every_page(client, tech, racks):
    client.force_login(tech)
    for url in (reverse("dashboard"), reverse("procedures:worklist"), racks["cages"]["H-C1"].get_absolute_url()):
        assert 'role="search"' in client.get(url).content.decode(), url


def test_the_cage_page_offers_recording_its_mices_due_tests(client, tech, readonly, racks):
    cage = racks["cages"]["H-C1"]
    client.force_login(tech)
    page = client.get(cage.get_absolute_url()).content.decode()
    assert "Record due tests for these mice" in page
    assert f'href="{reverse("procedures:worklist")}?cage={cage.pk}"' in page
    client.force_login(readonly)  # may read, may not record: no button
    assert "Record due tests for these mice" not in client.get(cage.get_absolute_url()).content.decode()


def test_a_cage_with_nothing_due_offers_no_recording(client, tech, centre):
    cage = CageFactory(centre=centre, cage_id="H-EMPTY")
    CagePlacementFactory(mouse=MouseFactory(centre=centre), cage=cage)
    client.force_login(tech)
    assert "Record due tests for these mice" not in client.get(cage.get_absolute_url()).content.decode()


def test_the_worklist_of_one_cage_lists_only_its_mice(client, tech, racks):
    client.force_login(tech)
    cage = racks["cages"]["H-C1"]
    response = client.get(reverse("procedures:worklist"), {"cage": cage.pk})
    assert response.status_code == 200 and response.context["total"] == 2
    page = response.content.decode()
    assert "H-1" in page and "H-2" in page and ">H-3<" not in page
    assert "cage H-C1" in page
    other = client.get(reverse("procedures:worklist"), {"cage": racks["cages"]["J-C1"].pk})
    assert other.status_code == 400  # another centre's cage is not a choice


@pytest.mark.parametrize("code", ["http://testserver/colony/cages/{pk}/", "https://lims.local:8443/colony/cages/{pk}/",
                                  "/colony/cages/{pk}/card/", "h-c1"])
def test_a_scanned_card_opens_its_cages_due_tests(client, tech, racks, code):
    client.force_login(tech)
    cage = racks["cages"]["H-C1"]
    response = client.get(reverse("procedures:worklist_scan"), {"code": code.format(pk=cage.pk)})
    assert response["Location"] == f"{reverse('procedures:worklist')}?cage={cage.pk}"


@pytest.mark.parametrize("code", ["http://testserver/colony/cages/{other}/", "J-C1", "http://testserver/colony/mice/1/",
                                  "", "not a cage"])
def test_a_code_naming_no_cage_of_the_centre_goes_back_saying_so(client, tech, racks, code):
    client.force_login(tech)
    response = client.get(reverse("procedures:worklist_scan"),
                          {"code": code.format(other=racks["cages"]["J-C1"].pk)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("procedures:worklist")
    assert "No cage of your centre has the code" in response.content.decode()
