"""Colony-management pages: forms through services, warnings to confirm, weaning, bulk actions, scoping."""
import datetime as dt

import pytest
from django.urls import reverse

from colonies.models import Cage, Litter, Mating, Mouse
from tests.colonies.helpers import adult
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    LitterFactory,
    MouseFactory,
    RoomFactory,
    StrainFactory,
    pair_mating,
)

pytestmark = pytest.mark.django_db


def test_every_list_and_its_excel_export(client, manager, colony):
    client.force_login(manager)
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    CagePlacementFactory(mouse=litter.mating.male)
    for name in ("mouse_list", "cage_list", "mating_list", "litter_list", "room_list"):
        url = reverse(f"colonies:{name}")
        assert client.get(url).status_code == 200, name
        export = client.get(url + "?export=xlsx")
        assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_mating_form_shows_warnings_then_saves_when_confirmed(client, manager, colony):
    client.force_login(manager)
    male = adult(colony, "male")
    female = adult(colony, strain=StrainFactory(name="C3H/HeH"))
    cage = CageFactory(centre=manager.centre, cage_type=Cage.CageType.BREEDING)
    data = {"male": male.pk, "females": [female.pk], "cage": cage.pk, "set_up_on": "2026-01-10",
            "responsible": manager.pk}
    page = client.post(reverse("colonies:mating_create"), data)
    assert page.status_code == 200
    assert "different strains" in page.content.decode() and "Save anyway" in page.content.decode()
    assert not Mating.objects.exists()
    saved = client.post(reverse("colonies:mating_create"), {**data, "confirm_warnings": "on"})
    mating = Mating.objects.get()
    assert saved.status_code == 302 and saved["Location"] == mating.get_absolute_url()
    assert Mouse.objects.get(pk=female.pk).breeding_status == "breeder"


def test_mating_form_error_for_young_female(client, manager, colony):
    client.force_login(manager)
    young = MouseFactory(centre=manager.centre, colony=colony, sex="female", date_of_birth=dt.date(2026, 1, 1),
                         strain=colony.background_strain)
    page = client.post(reverse("colonies:mating_create"), {"male": adult(colony, "male").pk, "females": [young.pk],
                                                           "set_up_on": "2026-01-20", "responsible": manager.pk})
    assert page.status_code == 200
    assert f"Female {young.specimen_id} is 19 days old on 2026-01-20" in page.content.decode()


def test_wean_page_refuses_seven_in_one_cage_and_suggests_a_split(client, manager, colony):
    client.force_login(manager)
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    cage = CageFactory(centre=manager.centre, capacity=5)
    url = reverse("colonies:litter_wean", args=[litter.pk])
    page = client.get(url)
    suggested = [f"{litter.code}-A"] * 5 + [f"{litter.code}-B"] * 2
    assert page.context["pups"].initial == [{"new_cage_id": c} for c in suggested]
    weaned_on = (litter.born_on + dt.timedelta(days=21)).isoformat()
    form = {"weaned_on": weaned_on, "new_cage_type": "stock", "pups-TOTAL_FORMS": 7, "pups-INITIAL_FORMS": 7}
    for i in range(7):
        form.update({f"pups-{i}-sex": "female", f"pups-{i}-cage": cage.pk, f"pups-{i}-new_cage_id": ""})
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert f"Cage {cage.cage_id} holds at most 5 mice (capacity 5)" in refused.content.decode()
    for i in range(7):
        form.update({f"pups-{i}-cage": "", f"pups-{i}-new_cage_id": suggested[i],
                     f"pups-{i}-sex": "female" if i < 5 else "male"})
    done = client.post(url, form)
    assert done.status_code == 302
    assert Litter.objects.get(pk=litter.pk).weaned_on.isoformat() == weaned_on
    assert Mouse.objects.filter(litter=litter, placements__cage__cage_id=f"{litter.code}-A").count() == 5
    assert Mouse.objects.filter(litter=litter, placements__cage__cage_id=f"{litter.code}-B").count() == 2


def test_bulk_move_and_cull_from_the_mouse_list(client, manager, colony):
    client.force_login(manager)
    mice = [adult(colony) for _ in range(3)]
    cage = CageFactory(centre=manager.centre)
    listing = client.get(reverse("colonies:mouse_list"))
    assert 'name="mice"' in listing.content.decode()
    moved = client.post(reverse("colonies:mice_action"), {"mice": [m.pk for m in mice], "action": "move",
                                                          "cage": cage.pk, "date": "2026-02-01", "status": "culled"})
    assert moved.status_code == 302 and moved["Location"] == cage.get_absolute_url()
    assert Mouse.objects.filter(placements__cage=cage, placements__ended_on__isnull=True).count() == 3
    no_reason = client.post(reverse("colonies:mice_action"), {"mice": [mice[0].pk], "action": "cull",
                                                              "status": "culled", "date": "2026-02-02"})
    assert "Give the reason for the cull." in no_reason.content.decode()
    client.post(reverse("colonies:mice_action"), {"mice": [m.pk for m in mice[:2]], "action": "cull",
                                                  "status": "culled", "date": "2026-02-02", "reason": "Surplus"})
    assert Mouse.objects.filter(status="culled", status_reason="Surplus").count() == 2


def test_mouse_page_draws_pedigree_and_cage_history(client, manager, colony):
    client.force_login(manager)
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    pup = adult(colony, litter=litter)
    CagePlacementFactory(mouse=pup, cage=CageFactory(centre=manager.centre, cage_id="HIST-1"))
    page = client.get(pup.get_absolute_url()).content.decode()
    assert "<svg" in page and f"Pedigree of {pup.specimen_id}" in page
    assert litter.mating.male.specimen_id in page and litter.dam.specimen_id in page
    assert "HIST-1" in page
    sire_page = client.get(litter.mating.male.get_absolute_url()).content.decode()
    assert pup.specimen_id in sire_page  # a descendant is drawn on the sire's page


def test_read_only_cannot_open_forms_and_other_centres_pages_are_404(client, readonly, outsider, manager, colony):
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    cage = CageFactory(centre=manager.centre)
    room = RoomFactory(centre=manager.centre)
    client.force_login(readonly)
    for url in (reverse("colonies:mating_create"), reverse("colonies:cage_create"),
                reverse("colonies:litter_wean", args=[litter.pk]), reverse("colonies:mice_action")):
        assert client.get(url).status_code == 403, url
    client.force_login(outsider)
    for url in (cage.get_absolute_url(), litter.get_absolute_url(), litter.mating.get_absolute_url(),
                room.get_absolute_url(), reverse("colonies:litter_wean", args=[litter.pk]),
                reverse("colonies:mating_end", args=[litter.mating.pk])):
        assert client.get(url).status_code == 404, url


def test_end_mating_and_close_cage_pages(client, manager, colony):
    client.force_login(manager)
    mating = pair_mating(centre=manager.centre, colony=colony)
    response = client.post(reverse("colonies:mating_end", args=[mating.pk]), {"ended_on": "2026-03-01",
                                                                              "reason": "Enough pups"})
    assert response.status_code == 302
    assert Mating.objects.get(pk=mating.pk).ended_on == dt.date(2026, 3, 1)
    again = client.post(reverse("colonies:mating_end", args=[mating.pk]), {"ended_on": "2026-03-02"})
    assert "already ended" in again.content.decode()
    cage = CageFactory(centre=manager.centre)
    CagePlacementFactory(mouse=adult(colony), cage=cage)
    refused = client.post(reverse("colonies:cage_close", args=[cage.pk]), {"closed_on": "2026-03-01"})
    assert "still holds 1 mice" in refused.content.decode()
