"""Each housing and breeding rule of the colony-management issue, with the message a person sees."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from colonies import services
from colonies.models import CagePlacement, ColonySettings, Litter, MatingFemale, Mouse, StrainSetting
from colonies.services import NeedsConfirmation, Pup
from lims.exceptions import Conflict
from tests.colonies.helpers import ADULT, adult
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    LitterFactory,
    MatingFemaleFactory,
    MouseFactory,
    StrainFactory,
    pair_mating,
)

pytestmark = pytest.mark.django_db



def messages(exc) -> str:
    return " ".join(m for msgs in exc.value.message_dict.values() for m in msgs)


# --- Cages and moves ------------------------------------------------------------------------------------------


def test_move_into_full_cage_is_refused_naming_capacity(manager, colony):
    cage = CageFactory(centre=manager.centre, capacity=2)
    for _ in range(2):
        CagePlacementFactory(mouse=adult(colony), cage=cage)
    newcomer = adult(colony)
    with pytest.raises(ValidationError) as exc:
        services.mice_move(actor=manager, mice=[newcomer], cage=cage, on=dt.date(2026, 2, 1))
    assert "holds at most 2 mice (capacity 2)" in messages(exc)
    assert not CagePlacement.objects.filter(mouse=newcomer).exists()


def test_moving_several_mice_closes_old_placements_and_keeps_history(manager, colony):
    old, new = CageFactory(centre=manager.centre), CageFactory(centre=manager.centre)
    mice = [adult(colony) for _ in range(3)]
    for mouse in mice:
        CagePlacementFactory(mouse=mouse, cage=old, started_on=dt.date(2026, 1, 1))
    services.mice_move(actor=manager, mice=mice, cage=new, on=dt.date(2026, 2, 1))
    for mouse in mice:
        rows = list(mouse.placements.order_by("started_on").values_list("cage__cage_id", "started_on", "ended_on"))
        assert rows == [(old.cage_id, dt.date(2026, 1, 1), dt.date(2026, 2, 1)), (new.cage_id, dt.date(2026, 2, 1),
                                                                                     None)]


def test_mixing_sexes_outside_a_mating_warns_then_saves_when_confirmed(manager, colony):
    cage = CageFactory(centre=manager.centre)
    CagePlacementFactory(mouse=adult(colony, Mouse.Sex.FEMALE), cage=cage)
    male = adult(colony, Mouse.Sex.MALE)
    with pytest.raises(NeedsConfirmation) as exc:
        services.mice_move(actor=manager, mice=[male], cage=cage, on=dt.date(2026, 2, 1))
    assert exc.value.warnings == [f"Cage {cage.cage_id} would hold males and females together outside a mating."]
    services.mice_move(actor=manager, mice=[male], cage=cage, on=dt.date(2026, 2, 1), confirm=True)
    assert male.placements.get(ended_on__isnull=True).cage == cage


def test_back_dated_move_and_dead_mouse_are_refused(manager, colony):
    cage, other = CageFactory(centre=manager.centre), CageFactory(centre=manager.centre)
    mouse = adult(colony)
    CagePlacementFactory(mouse=mouse, cage=cage, started_on=dt.date(2026, 3, 1))
    with pytest.raises(ValidationError) as exc:
        services.mice_move(actor=manager, mice=[mouse], cage=other, on=dt.date(2026, 2, 1))
    assert "cannot be back-dated before the last one" in messages(exc)
    dead = adult(colony, status=Mouse.Status.DEAD)
    with pytest.raises(ValidationError) as exc:
        services.mice_move(actor=manager, mice=[dead], cage=other, on=dt.date(2026, 3, 2))
    assert "is dead; only live mice move" in messages(exc)


def test_culling_several_mice_with_one_reason_closes_their_cage_and_matings(manager, colony):
    mating = pair_mating(centre=manager.centre, colony=colony)
    female = mating.females.get()
    cage = CageFactory(centre=manager.centre)
    CagePlacementFactory(mouse=female, cage=cage)
    other = adult(colony)
    services.mice_set_status(actor=manager, mice=[female, other], status="culled", on=dt.date(2026, 3, 1),
                             reason="Surplus")
    female.refresh_from_db()
    assert (female.status, female.status_date, female.status_reason) == ("culled", dt.date(2026, 3, 1), "Surplus")
    assert female.placements.get().ended_on == dt.date(2026, 3, 1)
    assert MatingFemale.objects.get(female=female).left_on == dt.date(2026, 3, 1)
    with pytest.raises(ValidationError) as exc:
        services.mice_set_status(actor=manager, mice=[other], status="culled", on=dt.date(2026, 3, 1), reason=" ")
    assert "Give the reason" in messages(exc)


def test_closing_an_occupied_cage_is_refused(manager, colony):
    cage = CageFactory(centre=manager.centre)
    CagePlacementFactory(mouse=adult(colony), cage=cage)
    with pytest.raises(ValidationError) as exc:
        services.cage_close(instance=cage, actor=manager, closed_on=dt.date(2026, 2, 1))
    assert "still holds 1 mice" in messages(exc)


def test_cage_capacity_defaults_to_centre_setting(manager):
    assert services.cage_create(actor=manager, opened_on=dt.date(2026, 1, 1)).capacity == 5
    ColonySettings.objects.create(centre=manager.centre, default_cage_capacity=4)
    manager.centre.refresh_from_db()
    cage = services.cage_create(actor=manager, opened_on=dt.date(2026, 1, 1))
    assert cage.capacity == 4 and cage.cage_id.startswith("C-")


# --- Mouse IDs --------------------------------------------------------------------------------------------------


def test_mouse_ids_follow_the_centres_pattern(manager, colony):
    ColonySettings.objects.create(centre=manager.centre, mouse_id_pattern="{colony}-{seq:03}")
    ids = [services.next_mouse_id(manager.centre, colony=colony) for _ in range(2)]
    assert ids == [f"{colony.name}-001", f"{colony.name}-002"]
    MouseFactory(centre=manager.centre, colony=colony, specimen_id=f"{colony.name}-003")
    assert services.next_mouse_id(manager.centre, colony=colony) == f"{colony.name}-004"


def test_default_pattern_uses_centre_and_year(manager, colony):
    assert services.next_mouse_id(manager.centre, on=dt.date(2026, 5, 1)) == "H-26-00001"


# --- Matings ---------------------------------------------------------------------------------------------------


def test_mating_sets_up_breeders_in_a_cage(manager, colony):
    male, females = adult(colony, Mouse.Sex.MALE), [adult(colony), adult(colony)]
    cage = CageFactory(centre=manager.centre)
    mating = services.mating_create(actor=manager, male=male, females=females, set_up_on=dt.date(2026, 1, 10),
                                    cage=cage)
    assert mating.name.startswith("MAT-") and mating.responsible == manager
    assert set(mating.females.all()) == set(females)
    assert set(Mouse.objects.filter(breeding_status="breeder")) == {male, *females}
    assert CagePlacement.objects.filter(cage=cage, ended_on__isnull=True).count() == 3


def test_female_cannot_be_in_two_active_matings(manager, colony):
    female = adult(colony)
    services.mating_create(actor=manager, male=adult(colony, Mouse.Sex.MALE), females=[female],
                           set_up_on=dt.date(2026, 1, 10))
    with pytest.raises(ValidationError) as exc:
        services.mating_create(actor=manager, male=adult(colony, Mouse.Sex.MALE), females=[female],
                               set_up_on=dt.date(2026, 1, 11))
    assert f"Female {female.specimen_id} is already in active mating" in messages(exc)


def test_one_to_four_females(manager, colony):
    with pytest.raises(ValidationError) as exc:
        services.mating_create(actor=manager, male=adult(colony, Mouse.Sex.MALE),
                               females=[adult(colony) for _ in range(5)], set_up_on=dt.date(2026, 1, 10))
    assert "A mating has one to 4 females; you gave 5." in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.mating_create(actor=manager, male=adult(colony, Mouse.Sex.MALE), females=[],
                               set_up_on=dt.date(2026, 1, 10))
    assert "you gave 0" in messages(exc)


def test_parents_must_be_alive_male_female_and_of_breeding_age(manager, colony):
    young = adult(colony, date_of_birth=dt.date(2026, 1, 1))
    dead = adult(colony, status=Mouse.Status.DEAD)
    with pytest.raises(ValidationError) as exc:
        services.mating_create(actor=manager, male=adult(colony, Mouse.Sex.FEMALE), females=[young, dead],
                               set_up_on=dt.date(2026, 1, 31))
    text = messages(exc)
    assert "the male of a mating must be male" in text
    assert f"Female {young.specimen_id} is 30 days old on 2026-01-31; breeders must be at least 42 days" in text
    assert f"Female {dead.specimen_id} is dead; only live mice can breed." in text


def test_breeding_age_is_configurable_per_strain(manager, colony):
    late = StrainFactory(name="Late maturing")
    StrainSetting.objects.create(centre=manager.centre, strain=late, breeding_age_days=60)
    female = adult(colony, strain=late, date_of_birth=dt.date(2026, 1, 1))
    male = adult(colony, Mouse.Sex.MALE, strain=late, date_of_birth=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.mating_create(actor=manager, male=male, females=[female], set_up_on=dt.date(2026, 2, 20))
    assert "breeders must be at least 60 days" in messages(exc)
    services.mating_create(actor=manager, male=male, females=[female], set_up_on=dt.date(2026, 3, 2))


def test_different_strains_warn(manager, colony):
    male = adult(colony, Mouse.Sex.MALE, strain=StrainFactory(name="C57BL/6N"))
    female = adult(colony, strain=StrainFactory(name="C3H/HeH"))
    with pytest.raises(NeedsConfirmation) as exc:
        services.mating_create(actor=manager, male=male, females=[female], set_up_on=dt.date(2026, 1, 10))
    assert exc.value.warnings == ["The parents are of different strains (C3H/HeH, C57BL/6N); check the line of the "
                                  "pups by hand."]
    mating = services.mating_create(actor=manager, male=male, females=[female], set_up_on=dt.date(2026, 1, 10),
                                    confirm=True)
    event = mating.events.get(pgh_label="insert")
    assert "Confirmed warnings: The parents are of different strains" in event.pgh_context.metadata["reason"]


def test_ending_a_mating_keeps_it_and_frees_the_females(manager, colony):
    mating = pair_mating(centre=manager.centre, colony=colony)
    services.mating_end(instance=mating, actor=manager, ended_on=dt.date(2026, 3, 1), reason="Done")
    mating.refresh_from_db()
    assert mating.ended_on == dt.date(2026, 3, 1) and MatingFemale.objects.get(mating=mating).left_on
    with pytest.raises(Conflict):
        services.mating_end(instance=mating, actor=manager)


def test_retiring_breeders_ends_their_matings(manager, colony):
    mating = pair_mating(centre=manager.centre, colony=colony)
    services.breeders_retire(actor=manager, mice=[mating.male], on=dt.date(2026, 4, 1), reason="Old")
    mating.refresh_from_db()
    assert mating.ended_on == dt.date(2026, 4, 1)
    assert Mouse.objects.get(pk=mating.male.pk).breeding_status == "retired"
    female = Mouse.objects.create(centre=manager.centre, specimen_id="X1", colony=colony, strain=colony.background_strain,
                                  sex="female", date_of_birth=ADULT, zygosity="heterozygous")
    with pytest.raises(ValidationError) as exc:
        services.mating_create(actor=manager, male=Mouse.objects.get(pk=mating.male.pk), females=[female],
                               set_up_on=dt.date(2026, 4, 2))
    assert "is a retired breeder" in messages(exc)


# --- Litters and weaning ---------------------------------------------------------------------------------------


def test_litter_before_minimum_gestation_is_refused(manager, colony):
    mating = pair_mating(centre=manager.centre, colony=colony, set_up_on=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.litter_create(actor=manager, mating=mating, born_on=dt.date(2026, 1, 18), born_count=6,
                               alive_count=6)
    assert "cannot be born before 2026-01-19 (set-up + 18 days of gestation)" in messages(exc)
    litter = services.litter_create(actor=manager, mating=mating, born_on=dt.date(2026, 1, 19), born_count=6,
                                    alive_count=5, dead_count=1)
    assert litter.code == f"{mating.name}-L1" and litter.dam == mating.females.get()


def test_litter_counts_must_add_up(manager, colony):
    mating = pair_mating(centre=manager.centre, colony=colony)
    with pytest.raises(ValidationError) as exc:
        services.litter_create(actor=manager, mating=mating, born_on=dt.date(2026, 1, 25), born_count=5,
                               alive_count=5, dead_count=1)
    assert "Alive (5) and dead (1) add up to more than born (5)." in messages(exc)


def test_trio_litter_needs_its_dam(manager, colony):
    mating = pair_mating(centre=manager.centre, colony=colony)
    MatingFemaleFactory(mating=mating)
    with pytest.raises(ValidationError) as exc:
        services.litter_create(actor=manager, mating=mating, born_on=dt.date(2026, 1, 25), born_count=5,
                               alive_count=5)
    assert "has 2 females; say which one is the dam" in messages(exc)


def test_new_litter_before_previous_is_weaned_warns(manager, colony):
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    with pytest.raises(NeedsConfirmation) as exc:
        services.litter_create(actor=manager, mating=litter.mating, born_on=litter.born_on + dt.timedelta(days=19),
                               born_count=4, alive_count=4)
    assert f"previous litter {litter.code}" in exc.value.warnings[0] and "not weaned yet" in exc.value.warnings[0]


def wean(manager, litter, on, pups, **kw):
    return services.litter_wean(actor=manager, litter=litter, weaned_on=on, pups=pups, **kw)


def test_weaning_seven_into_a_cage_of_five_is_refused_but_splitting_works(manager, colony):
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    cage_a = CageFactory(centre=manager.centre, capacity=5)
    on = litter.born_on + dt.timedelta(days=21)
    with pytest.raises(ValidationError) as exc:
        wean(manager, litter, on, [Pup(sex="female", cage=cage_a) for _ in range(7)])
    assert f"Cage {cage_a.cage_id} holds at most 5 mice (capacity 5); it has 0 and 7 would go in. Split the litter" \
        in messages(exc)
    assert not Mouse.objects.filter(litter=litter).exists()
    pups = [Pup(sex="female", cage=cage_a) for _ in range(4)] + [Pup(sex="male", new_cage_id="W-2") for _ in range(3)]
    mice = wean(manager, litter, on, pups)
    assert len(mice) == 7
    assert Mouse.objects.filter(litter=litter, placements__cage=cage_a).count() == 4
    assert Mouse.objects.filter(litter=litter, placements__cage__cage_id="W-2").count() == 3
    pup = mice[0]
    assert (pup.sire, pup.dam, pup.date_of_birth, pup.colony) == (litter.mating.male, litter.dam, litter.born_on,
                                                                 colony)
    assert pup.litter_code == litter.code and pup.zygosity == ""
    litter.refresh_from_db()
    assert litter.weaned_on == on
    with pytest.raises(Conflict):
        wean(manager, litter, on, pups)


def test_weaning_into_a_new_cage_over_capacity_is_refused(manager, colony):
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    with pytest.raises(ValidationError) as exc:
        wean(manager, litter, litter.born_on + dt.timedelta(days=21), [Pup(sex="male", new_cage_id="N1")] * 6)
    assert "Cage N1 holds at most 5 mice (capacity 5); 6 would go in." in messages(exc)


def test_wean_dates(manager, colony):
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    cage = CageFactory(centre=manager.centre)
    one = [Pup(sex="female", cage=cage)]
    with pytest.raises(ValidationError) as exc:
        wean(manager, litter, litter.born_on + dt.timedelta(days=15), one)
    assert "Weaning at 15 days is too early" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        wean(manager, litter, litter.born_on + dt.timedelta(days=29), one)
    assert "Weaning at 29 days is too late" in messages(exc)
    with pytest.raises(NeedsConfirmation) as exc:
        wean(manager, litter, litter.born_on + dt.timedelta(days=17), one)
    assert exc.value.warnings == ["Weaning at 17 days is outside the usual 18 to 24 days."]
    wean(manager, litter, litter.born_on + dt.timedelta(days=17), one, confirm=True)


def test_more_pups_than_alive_is_refused(manager, colony):
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony), alive_count=2, born_count=2)
    with pytest.raises(ValidationError) as exc:
        wean(manager, litter, litter.born_on + dt.timedelta(days=21), [Pup(sex="male", new_cage_id="Z")] * 3)
    assert "has 2 live pups; you are weaning 3" in messages(exc)


def test_baseline_mating_weans_wild_type_baselines(manager):
    strain = StrainFactory()
    male = MouseFactory(centre=manager.centre, colony=None, is_baseline=True, zygosity="wild type", sex="male",
                        strain=strain, date_of_birth=ADULT)
    female = MouseFactory(centre=manager.centre, colony=None, is_baseline=True, zygosity="wild type", strain=strain,
                          date_of_birth=ADULT)
    mating = services.mating_create(actor=manager, male=male, females=[female], set_up_on=dt.date(2026, 1, 1))
    litter = services.litter_create(actor=manager, mating=mating, born_on=dt.date(2026, 1, 21), born_count=2,
                                    alive_count=2)
    mice = wean(manager, litter, dt.date(2026, 2, 11), [Pup(sex="male", new_cage_id="B1")])
    assert mice[0].is_baseline and mice[0].zygosity == "wild type" and mice[0].colony is None


# --- Pedigree ---------------------------------------------------------------------------------------------------


def test_a_mouse_cannot_become_its_own_ancestor(manager, colony):
    grandsire_mating = pair_mating(centre=manager.centre, colony=colony)
    litter = LitterFactory(mating=grandsire_mating)
    son = wean(manager, litter, litter.born_on + dt.timedelta(days=21), [Pup(sex="male", new_cage_id="P1")])[0]
    Mouse.objects.filter(pk=son.pk).update(date_of_birth=ADULT)
    son.refresh_from_db()
    # The son sires a litter; recording his own father as a pup of it would close a loop.
    son_mating = services.mating_create(actor=manager, male=son, females=[adult(colony)],
                                        set_up_on=dt.date(2026, 1, 1))
    son_litter = services.litter_create(actor=manager, mating=son_mating, born_on=dt.date(2026, 1, 21),
                                        born_count=3, alive_count=3)
    father = grandsire_mating.male
    with pytest.raises(ValidationError) as exc:
        services.mouse_update(instance=father, actor=manager, litter=son_litter)
    assert f"Mouse {father.specimen_id} cannot be a pup of litter {son_litter.code}" in messages(exc)
    assert "its own ancestor" in messages(exc)
    stranger = adult(colony, Mouse.Sex.MALE)
    services.mouse_update(instance=stranger, actor=manager, litter=son_litter)
    assert Mouse.objects.get(pk=stranger.pk).litter_code == son_litter.code
    assert Litter.objects.get(pk=son_litter.pk).pups.count() == 1


def test_wean_before_birth_or_in_the_future_is_refused(manager, colony):
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    one = [Pup(sex="female", new_cage_id="X1")]
    with pytest.raises(ValidationError) as exc:
        wean(manager, litter, litter.born_on - dt.timedelta(days=1), one)
    assert f"is not after the birth date {litter.born_on}" in messages(exc)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        wean(manager, litter, tomorrow, one)
    assert f"The wean date {tomorrow} is in the future." in messages(exc)


def test_litter_born_in_the_future_is_refused(manager, colony):
    mating = pair_mating(centre=manager.centre, colony=colony)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.litter_create(actor=manager, mating=mating, born_on=tomorrow, born_count=1, alive_count=1)
    assert f"The birth date {tomorrow} is in the future." in messages(exc)
