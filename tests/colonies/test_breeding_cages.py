"""Breeding cages (issue 13 point 6): one active mating and one adult male per breeding cage, refused with the cage
and the mating named (service, API, form); weaning cages take the rack and room of the mother's cage unless another
is chosen; a new cage opens today unless told otherwise; two weanings at the same moment cannot overfill a cage."""
import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.urls import reverse

from colonies import services
from colonies.models import Cage, CagePlacement, Mating, Mouse
from colonies.services import Pup
from lims.models import Role
from tests.colonies.helpers import ADULT, adult
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    CentreFactory,
    ColonyFactory,
    LitterFactory,
    MatingFemaleFactory,
    RackFactory,
    UserFactory,
    pair_mating,
)

SET_UP = dt.date(2026, 1, 10)


def messages(exc) -> str:
    return " ".join(m for msgs in exc.value.message_dict.values() for m in msgs)


@pytest.fixture
def breeding(manager, colony):
    """GIVEN breeding cage BR-1 holding mating MAT-A of male M-A and female F-A (set up 2026-01-10)."""
    cage = CageFactory(centre=manager.centre, cage_id="BR-1", cage_type=Cage.CageType.BREEDING, capacity=5)
    mating = services.mating_create(actor=manager, male=adult(colony, "male", specimen_id="M-A"),
                                    females=[adult(colony, specimen_id="F-A")], set_up_on=SET_UP, cage=cage,
                                    name="MAT-A")
    return {"cage": cage, "mating": mating}


# --- One active mating per breeding cage ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_second_mating_in_a_cage_with_an_active_mating_is_refused_naming_cage_and_mating(manager, colony, breeding):
    with pytest.raises(ValidationError) as exc:
        services.mating_create(actor=manager, male=adult(colony, "male", specimen_id="M-B"),
                               females=[adult(colony, specimen_id="F-B")], set_up_on=SET_UP, cage=breeding["cage"])
    assert exc.value.message_dict["cage"] == [
        ("Cage BR-1 already holds active mating MAT-A (male M-A); a breeding cage holds one active mating. End MAT-A "
        "or choose another cage.")]
    assert Mating.objects.count() == 1
    assert not Mouse.objects.filter(specimen_id="M-B", placements__isnull=False).exists()


@pytest.mark.django_db
def test_after_the_mating_ends_the_cage_takes_a_new_one(manager, colony, breeding):
    services.mating_end(instance=breeding["mating"], actor=manager, ended_on=dt.date(2026, 2, 1))
    services.mice_move(actor=manager, mice=[breeding["mating"].male], cage=CageFactory(centre=manager.centre),
                       on=dt.date(2026, 2, 1))
    mating = services.mating_create(actor=manager, male=adult(colony, "male", specimen_id="M-B"),
                                    females=[adult(colony, specimen_id="F-B")], set_up_on=dt.date(2026, 2, 2),
                                    cage=breeding["cage"], confirm=True)
    assert mating.cage == breeding["cage"]


@pytest.mark.django_db
def test_mating_in_a_cage_holding_another_adult_male_is_refused(manager, colony):
    cage = CageFactory(centre=manager.centre, cage_id="ST-9")
    lodger = adult(colony, "male", specimen_id="M-LODGER")
    CagePlacementFactory(mouse=lodger, cage=cage, started_on=dt.date(2026, 1, 2))
    with pytest.raises(ValidationError) as exc:
        services.mating_create(actor=manager, male=adult(colony, "male", specimen_id="M-SIRE"),
                               females=[adult(colony)], set_up_on=SET_UP, cage=cage, name="MAT-NEW", confirm=True)
    assert exc.value.message_dict["cage"] == [
        ("Cage ST-9 already holds adult male M-LODGER; the breeding cage of mating MAT-NEW takes its own male (M-SIRE) "
        "only. Move M-LODGER out first.")]


@pytest.mark.django_db
def test_api_and_form_refuse_a_second_mating_in_the_cage(auth_client, client, manager, colony, breeding):
    male, female = adult(colony, "male", specimen_id="M-C"), adult(colony, specimen_id="F-C")
    response = auth_client(manager).post("/api/v1/matings/", {
        "male": male.specimen_id, "females": [female.specimen_id], "set_up_on": "2026-01-10", "cage": "BR-1",
        "confirm": True}, format="json")
    assert response.status_code == 400
    assert "Cage BR-1 already holds active mating MAT-A" in response.json()["errors"]["cage"][0]

    client.force_login(manager)
    page = client.post(reverse("colonies:mating_create"), {
        "male": male.pk, "females": [female.pk], "cage": breeding["cage"].pk, "set_up_on": "2026-01-10",
        "confirm_warnings": "on"})
    assert page.status_code == 200
    assert "Cage BR-1 already holds active mating MAT-A" in page.context["form"].errors["cage"][0]
    assert Mating.objects.count() == 1


# --- No second adult male into a breeding cage -----------------------------------------------------------------


@pytest.mark.django_db
def test_moving_an_adult_male_into_a_breeding_cage_is_refused_naming_cage_and_mating(manager, colony, breeding):
    intruder = adult(colony, "male", specimen_id="M-INTRUDER")
    with pytest.raises(ValidationError) as exc:
        services.mice_move(actor=manager, mice=[intruder], cage=breeding["cage"], on=dt.date(2026, 1, 20),
                           confirm=True)
    assert exc.value.message_dict["cage"] == [
        ("Cage BR-1 holds active mating MAT-A with male M-A; a second adult male (M-INTRUDER) cannot go in. Choose "
        "another cage, or end MAT-A first.")]
    assert not CagePlacement.objects.filter(mouse=intruder).exists()


@pytest.mark.django_db
def test_the_matings_own_male_comes_back_and_young_males_and_females_go_in(manager, colony, breeding):
    """GIVEN MAT-A's male separated into another cage WHEN he is moved back THEN no error; a female and a male
    below the breeding age (42 days) may join the cage too."""
    mating, cage = breeding["mating"], breeding["cage"]
    services.mating_separate_male(instance=mating, actor=manager, on=dt.date(2026, 1, 25),
                                  cage=CageFactory(centre=manager.centre))
    services.mice_move(actor=manager, mice=[mating.male], cage=cage, on=dt.date(2026, 2, 1), confirm=True)
    youngster = adult(colony, "male", specimen_id="M-YOUNG", date_of_birth=dt.date(2026, 1, 1))
    services.mice_move(actor=manager, mice=[youngster, adult(colony)], cage=cage, on=dt.date(2026, 2, 1),
                       confirm=True)
    assert CagePlacement.objects.filter(cage=cage, ended_on__isnull=True).count() == 4


@pytest.mark.django_db
def test_api_move_and_separation_into_a_breeding_cage_are_refused(auth_client, manager, colony, breeding):
    client = auth_client(manager)
    intruder = adult(colony, "male", specimen_id="M-INTRUDER")
    response = client.post("/api/v1/mice/move/", {"mice": [intruder.specimen_id], "cage": "BR-1",
                                                   "date": "2026-01-20", "confirm": True}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["cage"] == [
        ("Cage BR-1 holds active mating MAT-A with male M-A; a second adult male (M-INTRUDER) cannot go in. Choose "
        "another cage, or end MAT-A first.")]

    other = pair_mating(centre=manager.centre, colony=colony, set_up_on=SET_UP)
    response = client.post(f"/api/v1/matings/{other.pk}/separate-male/", {"on": "2026-01-25", "cage": "BR-1"},
                           format="json")
    assert response.status_code == 400
    assert "Cage BR-1 holds active mating MAT-A" in response.json()["errors"]["cage"][0]
    assert Mating.objects.get(pk=other.pk).male_separated_on is None


@pytest.mark.django_db
def test_mouse_list_move_shows_the_refusal_on_the_cage_field(client, manager, colony, breeding):
    intruder = adult(colony, "male", specimen_id="M-INTRUDER")
    client.force_login(manager)
    page = client.post(reverse("colonies:mice_action"), {
        "mice": [intruder.pk], "action": "move", "cage": breeding["cage"].pk, "date": "2026-01-20",
        "confirm_warnings": "on"})
    assert page.status_code == 200
    assert page.context["form"].errors["cage"] == [
        "Cage BR-1 holds active mating MAT-A with male M-A; a second adult male (M-INTRUDER) cannot go in. Choose "
        "another cage, or end MAT-A first."]
    assert not CagePlacement.objects.filter(mouse=intruder).exists()


@pytest.mark.django_db
def test_registering_an_adult_male_into_a_breeding_cage_is_refused(manager, colony, breeding):
    with pytest.raises(ValidationError) as exc:
        services.mouse_create(actor=manager, colony=colony, strain=colony.background_strain, sex=Mouse.Sex.MALE,
                              date_of_birth=ADULT, cage=breeding["cage"], specimen_id="M-NEW",
                              placed_on=dt.date(2026, 2, 1))
    assert "Cage BR-1 holds active mating MAT-A with male M-A; a second adult male (M-NEW)" in messages(exc)
    assert not Mouse.objects.filter(specimen_id="M-NEW").exists()


# --- Weaning cages take the mother's place ----------------------------------------------------------------------


@pytest.fixture
def litter_at_home(manager, colony):
    """GIVEN a litter whose dam lives in cage HOME on rack R-MUM (room Mouse Room 2), born 2026-02-01."""
    home = CageFactory(centre=manager.centre, cage_id="HOME", rack=RackFactory(
        centre=manager.centre, name="R-MUM", room__centre=manager.centre, room__name="Mouse Room 2"))
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony), born_on=dt.date(2026, 2, 1),
                           alive_count=4)
    CagePlacementFactory(mouse=litter.dam, cage=home, started_on=dt.date(2026, 1, 15))
    return litter, home


@pytest.mark.django_db
def test_new_weaning_cages_go_on_the_rack_and_in_the_room_of_the_mothers_cage(manager, litter_at_home):
    litter, home = litter_at_home
    services.litter_wean(actor=manager, litter=litter, weaned_on=dt.date(2026, 2, 22),
                         pups=[Pup(sex="female", new_cage_id="W-1")] * 2 + [Pup(sex="male", new_cage_id="W-2")] * 2)
    cages = Cage.objects.filter(cage_id__in=["W-1", "W-2"]).select_related("rack__room")
    assert {(c.cage_id, c.rack_id, c.rack.room.name) for c in cages} == {
        ("W-1", home.rack_id, "Mouse Room 2"), ("W-2", home.rack_id, "Mouse Room 2")}


@pytest.mark.django_db
def test_a_chosen_rack_wins_over_the_mothers(manager, litter_at_home):
    litter, _home = litter_at_home
    chosen = RackFactory(centre=manager.centre, room__centre=manager.centre, name="R-WEAN")
    services.litter_wean(actor=manager, litter=litter, weaned_on=dt.date(2026, 2, 22),
                         pups=[Pup(sex="female", new_cage_id="W-3")], new_cage_rack=chosen)
    assert Cage.objects.get(cage_id="W-3").rack == chosen


@pytest.mark.django_db
def test_without_a_dam_cage_the_matings_cage_gives_the_place(manager, colony):
    cage = CageFactory(centre=manager.centre, cage_id="BR-9")
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony, cage=cage),
                           born_on=dt.date(2026, 2, 1))
    services.litter_wean(actor=manager, litter=litter, weaned_on=dt.date(2026, 2, 22),
                         pups=[Pup(sex="female", new_cage_id="W-4")])
    assert Cage.objects.get(cage_id="W-4").rack_id == cage.rack_id is not None


@pytest.mark.django_db
def test_wean_form_names_the_mothers_rack_and_the_api_takes_a_chosen_one(client, auth_client, manager,
                                                                         litter_at_home):
    litter, _home = litter_at_home
    client.force_login(manager)
    url = reverse("colonies:litter_wean", args=[litter.pk])
    page = client.get(url).content.decode()
    assert "Blank: the rack of the mother&#x27;s cage HOME (Mary Lyon Centre / Mouse Room 2 / R-MUM)." in page
    chosen = RackFactory(centre=manager.centre, room__centre=manager.centre, name="R-API")
    response = auth_client(manager).post(f"/api/v1/litters/{litter.pk}/wean/", {
        "weaned_on": "2026-02-22", "new_cage_rack": chosen.pk,
        "pups": [{"sex": "female", "new_cage_id": "W-API"}]}, format="json")
    assert response.status_code == 201, response.json()
    assert Cage.objects.get(cage_id="W-API").rack == chosen


# --- A new cage opens today unless told otherwise --------------------------------------------------------------


@pytest.mark.django_db
def test_cage_form_without_an_opening_date_opens_the_cage_today(client, manager):
    client.force_login(manager)
    url = reverse("colonies:cage_create")
    page = client.get(url)
    assert page.context["form"]["opened_on"].value() == dt.date.today()
    response = client.post(url, {"cage_id": "TODAY-1", "cage_type": "stock"})
    assert response.status_code == 302, page.content.decode()
    assert Cage.objects.get(cage_id="TODAY-1").opened_on == dt.date.today()
    client.post(url, {"cage_id": "EARLIER-1", "cage_type": "stock", "opened_on": "2026-01-05"})
    assert Cage.objects.get(cage_id="EARLIER-1").opened_on == dt.date(2026, 1, 5)


@pytest.mark.django_db
def test_api_cage_without_an_opening_date_opens_today(auth_client, manager):
    response = auth_client(manager).post("/api/v1/cages/", {"cage_id": "TODAY-API"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["opened_on"] == dt.date.today().isoformat()


# --- Races: the cage row is locked before its occupants are counted ----------------------------------------------


def _race(*work):
    barrier, results = threading.Barrier(len(work)), [None] * len(work)

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work[i]()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test asserts on
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_weanings_at_once_into_a_cage_with_room_for_one_litter():
    """GIVEN cage SHARED of capacity 5 and two litters of three WHEN both are weaned into it at the same moment
    THEN one weaning goes in and the other is refused naming the capacity: never six mice in a cage of five (before
    the lock both went in)."""
    centre = CentreFactory(code="H", name="Harwell")
    manager = UserFactory(centre=centre, role=Role.COLONY_MANAGER, username="race-manager")
    colony = ColonyFactory(centre=centre)
    cage = CageFactory(centre=centre, cage_id="SHARED", capacity=5)
    litters = [LitterFactory(mating=pair_mating(centre=centre, colony=colony), alive_count=3) for _ in range(2)]

    def wean(litter):
        return lambda: services.litter_wean(actor=manager, litter=litter, weaned_on=litter.born_on
                                            + dt.timedelta(days=21), pups=[Pup(sex="female", cage=cage)] * 3)

    results = _race(*(wean(litter) for litter in litters))
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and sum(isinstance(r, list) for r in results) == 1, results
    assert "Cage SHARED holds at most 5 mice (capacity 5); it has 3 and 3 would go in." in " ".join(
        refused[0].messages)
    assert CagePlacement.objects.filter(cage=cage, ended_on__isnull=True).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_matings_set_up_at_once_in_one_cage():
    centre = CentreFactory(code="H", name="Harwell")
    manager = UserFactory(centre=centre, role=Role.COLONY_MANAGER, username="race-manager")
    colony = ColonyFactory(centre=centre)
    cage = CageFactory(centre=centre, cage_id="BR-RACE", capacity=6)
    pairs = [(adult(colony, "male"), adult(colony)) for _ in range(2)]

    def set_up(male, female):
        return lambda: services.mating_create(actor=manager, male=male, females=[female], set_up_on=SET_UP,
                                              cage=cage, confirm=True)

    results = _race(*(set_up(*pair) for pair in pairs))
    assert sum(isinstance(r, Mating) for r in results) == 1, results
    assert "already holds active mating" in " ".join(next(r for r in results
                                                         if isinstance(r, ValidationError)).messages)
    assert Mating.objects.filter(cage=cage).count() == 1


@pytest.mark.django_db
def test_female_joining_via_factory_rows_does_not_count_as_second_male(manager, colony, breeding):
    """A trio: a second female joins MAT-A's cage without complaint (only males are limited)."""
    female = adult(colony, specimen_id="F-2")
    MatingFemaleFactory(mating=breeding["mating"], female=female, joined_on=SET_UP)
    services.mice_move(actor=manager, mice=[female], cage=breeding["cage"], on=dt.date(2026, 1, 12), confirm=True)
    assert CagePlacement.objects.filter(cage=breeding["cage"], ended_on__isnull=True).count() == 3
